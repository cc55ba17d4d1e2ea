export * from './config.module';
export * from './env.validation';
export * from './parley.config';
export * from './logger.module';
