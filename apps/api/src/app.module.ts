import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthThrottling, ChatModule } from '@app/chat';
import { loadParleyConfig, PARLEY_CONFIG, ParleyConfigModule } from '@app/config';
import { RedisModule } from '@app/redis';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { SessionGuard } from './auth/session.guard';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { ApiValidationPipe } from './common/validation.pipe';
import { loggerOptions } from './common/logger.options';
import { ReadRateGuard } from './common/read-rate.guard';
import { CompatModule } from './compat/compat.module';
import { HealthModule } from './health/health.module';
import { MessagesModule } from './messages/messages.module';
import { RoomsModule } from './rooms/rooms.module';
import { SeedModule } from './seed/seed.module';
import { UsersModule } from './users/users.module';
import { MetricsModule } from './metrics/metrics.module';
import { RealtimeModule } from './realtime/realtime.module';
import { ClientConfigController } from './client-config/client-config.controller';
import { TokensModule } from './tokens/tokens.module';
import { MqModule } from './mq/mq.module';
import { EventsModule } from './events/events.module';

@Module({})
export class AppModule {
  /** `overrides` replace environment variables (tests start several configured apps in one process). */
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    const config = ParleyConfigModule.forRoot(overrides);
    const { seedCompat } = loadParleyConfig(overrides);
    return {
      module: AppModule,
      imports: [
        config,
        LoggerModule.forRootAsync({ inject: [PARLEY_CONFIG], useFactory: loggerOptions }),
        RedisModule,
        ChatModule,
        RealtimeModule,
        ThrottlerModule.forRootAsync({
          // Per-IP limit on register/login attempts; counters live in Redis, shared by replicas.
          imports: [ChatModule],
          useExisting: AuthThrottling,
        }),
        SeedModule,
        AuthModule,
        UsersModule,
        RoomsModule,
        MessagesModule,
        HealthModule,
        // The reference demo's root routes exist only while SEED_COMPAT is on.
        ...(seedCompat ? [CompatModule] : []),
        MetricsModule,
        TokensModule,
        MqModule,
        EventsModule,
      ],
      controllers: [ClientConfigController],
      providers: [
        { provide: APP_GUARD, useClass: SessionGuard },
        // Global guards run in this order: the read limit needs the user the session guard set.
        { provide: APP_GUARD, useClass: ReadRateGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        {
          provide: APP_PIPE,
          useClass: ApiValidationPipe,
        },
      ],
    };
  }
}
