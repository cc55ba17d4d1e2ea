import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './env.validation';
import { toParleyConfig } from './parley.config';

export const PARLEY_CONFIG = Symbol('PARLEY_CONFIG');

/**
 * Wraps @nestjs/config: loads `.env` and the process environment, validates them once, and
 * exposes the typed result under PARLEY_CONFIG. `overrides` lets tests and the launcher start
 * several differently configured apps in one process without touching the environment.
 */
@Module({})
export class ParleyConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: ParleyConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ cache: true })],
      providers: [
        {
          provide: PARLEY_CONFIG,
          // process.env is read here and nowhere else in the apps.
          useFactory: () => toParleyConfig(validateEnv({ ...process.env, ...overrides })),
        },
      ],
      exports: [PARLEY_CONFIG],
    };
  }
}
