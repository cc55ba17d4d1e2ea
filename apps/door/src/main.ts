import { NestFactory } from '@nestjs/core';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Logger } from 'nestjs-pino';
import { DoorModule } from './door.module';

async function bootstrap() {
  const app = await NestFactory.createApplicationContext(DoorModule.register(), {
    bufferLogs: true,
    // A failed start is reported by the catch below as one line (see the gateway's main.ts).
    abortOnError: false,
    autoFlushLogs: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  if (config.door.port === undefined) {
    console.error('parley-door: DOOR_PORT is not set; no door to open');
    await app.close();
    return;
  }
  await app.init();
}

bootstrap().catch((err: Error) => {
  console.error(`parley-door: ${err.message}`);
  process.exit(1);
});
