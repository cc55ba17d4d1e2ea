import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApi } from './app.setup';

async function bootstrap() {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(), {
    bodyParser: false,
    bufferLogs: true,
    // A failed start (bad config, Redis unreachable) is reported by the catch below as one line:
    // without these, Nest prints its own multi-line stack trace and exits before the catch runs.
    abortOnError: false,
    autoFlushLogs: false,
    forceCloseConnections: true,
  });
  const config = configureApi(app);
  if (config.host) await app.listen(config.port, config.host);
  else await app.listen(config.port);
}

bootstrap().catch((err: Error) => {
  // One clear line (bad config, Redis unreachable), then a non-zero exit.
  console.error(`parley-api: ${err.message}`);
  process.exit(1);
});
