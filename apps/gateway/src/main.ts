import { NestFactory } from '@nestjs/core';
import { GatewayModule } from './app.module';
import { configureGateway } from './gateway.setup';

async function bootstrap() {
  const app = await NestFactory.create(GatewayModule.register(), {
    bufferLogs: true,
    forceCloseConnections: true,
  });
  const config = await configureGateway(app);
  await app.listen(config.port);
}

bootstrap().catch((err: Error) => {
  // One clear line (bad config, Redis unreachable), then a non-zero exit.
  console.error(`parley-gateway: ${err.message}`);
  process.exit(1);
});
