import { DynamicModule, Module } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig, ParleyConfigModule } from '@app/config';
import { RedisModule } from '@app/redis';
import { LoggerModule } from 'nestjs-pino';
import { HealthModule } from './health/health.module';

@Module({})
export class GatewayModule {
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ParleyConfigModule.forRoot(overrides),
        LoggerModule.forRootAsync({
          inject: [PARLEY_CONFIG],
          useFactory: (config: ParleyConfig) => ({ pinoHttp: { level: config.logLevel, autoLogging: false } }),
        }),
        RedisModule,
        HealthModule,
      ],
    };
  }
}
