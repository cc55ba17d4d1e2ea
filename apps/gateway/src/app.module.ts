import { DynamicModule, Module } from '@nestjs/common';
import { ParleyConfigModule, quietLoggerModule } from '@app/config';
import { RedisModule } from '@app/redis';
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
        quietLoggerModule(),
        RedisModule,
        HealthModule,
        GatewayChatModule,
      ],
    };
  }
}
