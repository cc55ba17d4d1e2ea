import { DynamicModule, Module } from '@nestjs/common';
import { PARLEY_CONFIG, ParleyConfig, ParleyConfigModule } from '@app/config';
import { RedisModule } from '@app/redis';
import { LoggerModule } from 'nestjs-pino';
import { GatewayChatModule } from './chat/chat.module';
import { HealthModule } from './health/health.module';

@Module({})
export class GatewayModule {
  /** `overrides` replace environment variables (tests start several gateways in one process). */
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ParleyConfigModule.forRoot(overrides),
        LoggerModule.forRootAsync({
          inject: [PARLEY_CONFIG],
          useFactory: (config: ParleyConfig) => ({
            pinoHttp: { level: config.logLevel, autoLogging: false },
            // No per-request middleware: its AsyncLocalStorage would put a hook on every promise
            // of the socket hot path, and the gateway serves only health and metrics over HTTP.
            forRoutes: [],
          }),
        }),
        RedisModule,
        HealthModule,
        GatewayChatModule,
      ],
    };
  }
}
