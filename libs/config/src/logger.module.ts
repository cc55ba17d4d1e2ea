import { LoggerModule } from 'nestjs-pino';
import { PARLEY_CONFIG } from './config.module';
import type { ParleyConfig } from './parley.config';

/**
 * pino at LOG_LEVEL for a process whose HTTP side is incidental (a gateway serves only health and
 * metrics; the door has none): no per-request middleware, whose AsyncLocalStorage would put a hook
 * on every promise of the socket hot path.
 */
export function quietLoggerModule() {
  return LoggerModule.forRootAsync({
    inject: [PARLEY_CONFIG],
    useFactory: (config: ParleyConfig) => ({
      pinoHttp: { level: config.logLevel, autoLogging: false },
      forRoutes: [],
    }),
  });
}
