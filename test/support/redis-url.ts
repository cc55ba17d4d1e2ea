/** The private redis-server started by the jest global setup. Tests never use any other. */
export function testRedisUrl(db = 0): string {
  const base = process.env.PARLEY_TEST_REDIS_URL;
  if (!base) throw new Error('PARLEY_TEST_REDIS_URL is not set: run through the jest config');
  return `${base}/${db}`;
}
