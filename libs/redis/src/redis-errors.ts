/**
 * ioredis errors that mean "Redis is not there right now" (as opposed to a bug): the command was
 * refused because the connection is down, or gave up after its retries.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|LOADING|MASTERDOWN|READONLY|NOREPLICAS/.test(
    err.message,
  );
}
