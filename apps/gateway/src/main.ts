import { NestFactory } from '@nestjs/core';
import { GatewayModule } from './app.module';
import { configureGateway } from './gateway.setup';

async function bootstrap() {
  const app = await NestFactory.create(GatewayModule.register(), {
    bufferLogs: true,
    // A failed start (bad config, Redis unreachable) is reported by the catch below as one line:
    // without these, Nest prints its own multi-line stack trace and exits before the catch runs.
    abortOnError: false,
    autoFlushLogs: false,
    forceCloseConnections: true,
  });
  const config = await configureGateway(app);
  if (config.host) await app.listen(config.port, config.host);
  else await app.listen(config.port);
}

bootstrap().catch((err: Error) => {
  // One clear line (bad config, Redis unreachable), then a non-zero exit.
  console.error(`parley-gateway: ${err.message}`);
  process.exit(1);
});
