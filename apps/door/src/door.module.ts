import { DynamicModule, Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig, ParleyConfigModule } from '@app/config';
import { RedisModule } from '@app/redis';
import { LoggerModule } from 'nestjs-pino';
import { DoorCommands } from './door-commands';
import { DoorRealtime } from './door-realtime';
import { DoorServer } from './door.server';

@Module({})
export class DoorModule {
  /** `overrides` replace environment variables (as for the other apps). */
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: DoorModule,
      imports: [
        ParleyConfigModule.forRoot(overrides),
        LoggerModule.forRootAsync({
          inject: [PARLEY_CONFIG],
          useFactory: (config: ParleyConfig) => ({
            pinoHttp: { level: config.logLevel, autoLogging: false },
            forRoutes: [],
          }),
        }),
        RedisModule,
        ChatModule,
      ],
      providers: [DoorRealtime, DoorCommands, DoorServer],
    };
  }
}
