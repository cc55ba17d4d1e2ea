import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './env.validation';
import { ParleyConfig, toParleyConfig } from './parley.config';

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
          useFactory: () => loadParleyConfig(overrides),
        },
      ],
      exports: [PARLEY_CONFIG],
    };
  }
}

/**
 * The validated configuration, for what must be decided before dependency injection (which modules
 * an app mounts). process.env is read here and nowhere else in the apps. Call it after
 * `ParleyConfigModule.forRoot`, which has loaded `.env` by then.
 */
export function loadParleyConfig(overrides: Record<string, string | undefined> = {}): ParleyConfig {
  return toParleyConfig(validateEnv({ ...process.env, ...overrides }));
}
