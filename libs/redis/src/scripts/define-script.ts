import type Redis from 'ioredis';

/**
 * Registers a Lua script as a command on `redis` (ioredis sends EVALSHA and falls back to EVAL
 * when the server does not have it yet) and returns it bound, typed as the caller declares.
 */
export function defineScript<F extends (...args: never[]) => Promise<unknown>>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): F {
  redis.defineCommand(name, { numberOfKeys, lua });
  return (redis as unknown as Record<string, F>)[name].bind(redis) as F;
}
