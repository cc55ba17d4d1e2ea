import type { ParleyConfig } from '@app/config';
import type { RateLimitRepository } from '@app/redis';
import { usernameKey } from '@app/redis';

/** What a login request shows about who sends it; the API builds it from the HTTP request. */
export interface LoginClient {
  /** The client's address (behind a proxy only as trustworthy as TRUST_PROXY makes it). */
  ip: string;
  /** The signed known-device cookie, when the request carries a valid one: its id and user. */
  device?: { id: string; userId: string };
  /** The user of a live session the request already carries, if any. */
  sessionUserId?: string;
}

/** The longest a guessing client is blocked, and how long its record of failures is kept. */
export const LOGIN_MAX_BLOCK_MS = 24 * 3600_000;
/** Failures of one name from all untrusted clients together: this many times the per-client limit. */
export const LOGIN_NAME_CAP_FACTOR = 10;

/**
 * Where an attempt on account `userId` (undefined: no such account) is counted. Failures count
 * per name and client, so a guesser blocks only themselves. A client that has proved to be this
 * user before (its known-device cookie, or a live session of the user) is "trusted": it is
 * counted per device instead of per address (a guesser behind the same address does not block
 * it) and is never refused by the cap on the name as a whole, which only guessers from many
 * addresses reach. A device cookie of another account proves nothing here.
 */
export function loginSource(
  client: LoginClient,
  userId: string | undefined,
): { key: string; trusted: boolean } {
  if (userId === undefined) return { key: `ip:${client.ip}`, trusted: false };
  if (client.device?.userId === userId) return { key: `d:${client.device.id}`, trusted: true };
  return { key: `ip:${client.ip}`, trusted: client.sessionUserId === userId };
}

export interface LoginAttempt {
  /** 0 when the attempt may go on to the password check, else the ms to wait (429). */
  waitMs: number;
  name: string;
  key: string;
  trusted: boolean;
}

/**
 * The lockout policy (README, Security): per name and client, LIMIT_LOGIN_FAILURES attempts in
 * the window, then that client is blocked for the window, twice as long each time again (at
 * most a day); per name from all untrusted clients, ten times that. An attempt is reserved before
 * the password is hashed, atomically, and a success forgives its client.
 */
export class LoginLimiter {
  constructor(
    private readonly repo: RateLimitRepository,
    private readonly limits: ParleyConfig['limits'],
  ) {}

  async reserve(
    username: string,
    userId: string | undefined,
    client: LoginClient,
  ): Promise<LoginAttempt> {
    const name = usernameKey(username);
    const { key, trusted } = loginSource(client, userId);
    const waitMs = await this.repo.reserveLogin(name, key, {
      perClient: this.limits.loginFailures,
      perName: trusted ? 0 : this.limits.loginFailures * LOGIN_NAME_CAP_FACTOR,
      windowMs: this.limits.loginFailureWindowSeconds * 1000,
      maxBlockMs: LOGIN_MAX_BLOCK_MS,
    });
    return { waitMs, name, key, trusted };
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.repo.loginSucceeded(attempt.name, attempt.key, !attempt.trusted);
  }
}
