'use strict';

module.exports = async function globalTeardown() {
  const redis = globalThis.__PARLEY_REDIS__;
  if (redis) await redis.stop();
};
