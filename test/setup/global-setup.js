'use strict';
const { startRedis } = require('../../scripts/lib/redis-server');

// One private redis-server per jest run; workers inherit its URL through the environment.
module.exports = async function globalSetup() {
  const redis = await startRedis();
  globalThis.__PARLEY_REDIS__ = redis;
  process.env.PARLEY_TEST_REDIS_URL = redis.url;
};
