import type { RateDecision, RateLimitRepository } from '@app/redis';
import { LRUCache } from 'lru-cache';

/** Subjects whose lease a process remembers; one forgotten only loses its unspent hits. */
const SUBJECTS_MAX = 100_000;
/**
 * A lease is at most 1 % of the limit, so few hits are ever parked in one process; below 200 per
 * window (the default 120/min) every hit is its own lease and the limit is exact.
 */
const LEASE_SHARE = 100;
const LEASE_MAX = 100;

const ALLOWED: RateDecision = { allowed: true, retryAfterMs: 0 };

interface Lease {
  tokens: number;
  /** When the granted tokens lapse: the end of the Redis window they came from. */
  expiresAt: number;
  /** The window is full until then (a fixed window only fills up, so this is exact). */
  refusedUntil: number;
  renewing?: Promise<RateDecision | undefined>;
}

/**
 * A per-subject fixed-window limit shared by every process through Redis, that costs one Redis
 * call per several hits instead of one per hit: a process takes a lease of limit/100 hits (at most
 * 100) and spends it locally until the window ends. The limit is never exceeded; the cost is
 * that hits leased by one process and not spent there are not available to another process in
 * the same window, so a subject busy on several processes at once may be refused up to one lease
 * (1 % of the limit) per other process early.
 */
export class LeasedRateLimiter {
  private readonly leases = new LRUCache<string, Lease>({ max: SUBJECTS_MAX });
  private readonly leaseSize: number;

  constructor(
    private readonly repo: RateLimitRepository,
    private readonly scope: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.leaseSize = Math.max(1, Math.min(LEASE_MAX, Math.floor(limit / LEASE_SHARE)));
  }

  async hit(subject: string): Promise<RateDecision> {
    for (;;) {
      const lease = this.leaseOf(subject);
      const now = Date.now();
      if (lease.tokens > 0 && now < lease.expiresAt) {
        lease.tokens -= 1;
        return ALLOWED;
      }
      if (now < lease.refusedUntil)
        return { allowed: false, retryAfterMs: lease.refusedUntil - now };
      // Concurrent hits share one renewal, then compete for what it brought.
      lease.renewing ??= this.renew(subject, lease).finally(() => (lease.renewing = undefined));
      const refused = await lease.renewing;
      if (refused) return refused;
    }
  }

  private leaseOf(subject: string): Lease {
    let lease = this.leases.get(subject);
    if (!lease) {
      lease = { tokens: 0, expiresAt: 0, refusedUntil: 0 };
      this.leases.set(subject, lease);
    }
    return lease;
  }

  private async renew(subject: string, lease: Lease): Promise<RateDecision | undefined> {
    const { granted, windowLeftMs } = await this.repo.lease(
      this.scope,
      subject,
      this.limit,
      this.windowMs,
      this.leaseSize,
    );
    const until = Date.now() + windowLeftMs;
    if (granted === 0) {
      lease.refusedUntil = until;
      return { allowed: false, retryAfterMs: windowLeftMs };
    }
    lease.tokens = granted;
    lease.expiresAt = until;
    return undefined;
  }
}
