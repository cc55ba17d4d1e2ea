'use strict';
const { startRedis } = require('../../scripts/lib/redis-server');
const { buildIfNeeded } = require('../../scripts/lib/build');

// One private redis-server per jest run; workers inherit its URL through the environment.
// The e2e suites also run gateways as real processes from dist/, so build first if stale.
module.exports = async function globalSetup(_globalConfig, projectConfig) {
  if ((projectConfig.testRegex ?? []).some((r) => String(r).includes('e2e'))) buildIfNeeded();
  const redis = await startRedis();
  globalThis.__PARLEY_REDIS__ = redis;
  process.env.PARLEY_TEST_REDIS_URL = redis.url;
};
