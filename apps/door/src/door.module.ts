import { DynamicModule, Module } from '@nestjs/common';
import { ChatModule } from '@app/chat';
import { ParleyConfigModule, quietLoggerModule } from '@app/config';
import { RedisModule } from '@app/redis';
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
        quietLoggerModule(),
        RedisModule,
        ChatModule,
      ],
      providers: [DoorRealtime, DoorCommands, DoorServer],
    };
  }
}
