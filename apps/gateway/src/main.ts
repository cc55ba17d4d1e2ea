import { NestFactory } from '@nestjs/core';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Logger } from 'nestjs-pino';
import { GatewayModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(GatewayModule.register(), { bufferLogs: true, forceCloseConnections: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(app.get<ParleyConfig>(PARLEY_CONFIG).port);
}

bootstrap().catch((err: Error) => {
  console.error(`parley-gateway: ${err.message}`);
  process.exit(1);
});
