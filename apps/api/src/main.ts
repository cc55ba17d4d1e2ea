import { PARLEY_CONFIG, type ParleyConfig } from '@app/config';
import { createApi } from './app.factory';

async function bootstrap() {
  const app = await createApi(
    {},
    {
      bufferLogs: true,
      // A failed start (bad config, Redis unreachable) is reported by the catch below as one
      // line: without these, Nest prints its own multi-line stack trace and exits before the
      // catch runs.
      abortOnError: false,
      autoFlushLogs: false,
    },
  );
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  if (config.host) await app.listen(config.port, config.host);
  else await app.listen(config.port);
}

bootstrap().catch((err: Error) => {
  // One clear line (bad config, Redis unreachable), then a non-zero exit.
  console.error(`parley-api: ${err.message}`);
  process.exit(1);
});
