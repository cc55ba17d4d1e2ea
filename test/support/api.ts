import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import type { AddressInfo } from 'node:net';
import { createApi } from '../../apps/api/src/app.factory';
import { testRedisUrl } from './redis-url';

export { testRedisUrl };

export interface TestApi {
  app: INestApplication;
  url: string;
  redis: Redis;
  close: () => Promise<void>;
}

/** Defaults that keep tests fast and quiet; a suite overrides what it is about. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  BCRYPT_COST: '4',
  DEMO_DATA: 'false',
  SESSION_SECRET: 'test-secret-0123456789abcdef',
  LIMIT_AUTH_PER_MINUTE: '100000',
  LIMIT_LOGIN_FAILURES: '100000',
  LIMIT_MESSAGES_PER_MINUTE: '100000',
  LIMIT_READS_PER_MINUTE: '100000',
};

/**
 * Boots the real API (same middleware as main.ts) on a free port against a database of the
 * private test Redis. `flush` empties that database first.
 */
export async function startApi(
  env: Record<string, string | undefined> = {},
  opts: { db?: number; flush?: boolean; redisUrl?: string } = {},
): Promise<TestApi> {
  const db = opts.db ?? 0;
  const redisUrl = opts.redisUrl ?? testRedisUrl(db);
  const redis = new Redis(redisUrl);
  if (opts.flush ?? true) await redis.flushdb();
  const app = await createApi(
    { ...TEST_ENV, REDIS_URL: redisUrl, PORT: '0', ...env },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    redis,
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
}

/** Polls until `check` is true or the time is up. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
