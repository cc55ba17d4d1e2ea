import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { parse as parseQuery } from 'qs';
import { AppModule } from './app.module';
import { configureApi } from './app.setup';

/**
 * The API on Fastify, configured as it runs: main.ts and the e2e tests both start it from here.
 * Fastify, not Express: it answered a history page with under half the CPU of Express behind
 * the same Nest pipeline (README, "Performance").
 */
export async function createApi(
  overrides: Record<string, string | undefined> = {},
  options: NestApplicationOptions = {},
): Promise<NestFastifyApplication> {
  const { trustProxy } = loadParleyConfig(overrides);
  const adapter = new FastifyAdapter({
    trustProxy: trustProxy ? parseTrustProxy(trustProxy) : false,
    // The default limit; body-parser.ts gives the queue routes theirs.
    bodyLimit: Limits.frameMaxBytes,
    // Streams (SSE, comet) would otherwise hold a closing server open.
    forceCloseConnections: true,
    // Node's own default, which Fastify turns off: a client has 5 minutes to send a request
    // (headers within a minute, Node's headersTimeout), so a trickle cannot hold a socket forever.
    requestTimeout: 300_000,
    routerOptions: {
      // Nested and repeated keys (`ids=1&ids=2`, `a[b]=c`), as the DTOs expect.
      querystringParser: (query) => parseQuery(query),
      // Queue names and message ids run past Fastify's default of 100 characters.
      maxParamLength: 1024,
      ignoreTrailingSlash: true,
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(overrides),
    adapter,
    { ...options, bodyParser: false },
  );
  await configureApi(app);
  return app;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
