import type { Middleware } from 'koa';
import { RateLimited } from '../../errors.js';
import type { AppState } from './request-context.js';

const WINDOW_MS = 60_000;
// Clients tracked per window. Past it, new anonymous clients share a budget per network prefix (see
// overflowKeyOf): a flood of distinct addresses is throttled without growing memory, and without locking out
// other networks or key holders (there are few keys, so they are always tracked).
const MAX_TRACKED_CLIENTS = 100_000;

export interface RateDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /**
   * Refused, or allowed with nothing remaining: seconds until one more request fits. Otherwise: seconds until
   * the whole quota is back.
   */
  readonly resetSeconds: number;
}

/**
 * Sliding-window counter per client: the estimate is this minute's count plus last minute's, weighted by how much
 * of last minute still overlaps the window. Two maps of counters, swapped each minute, so memory is bounded by the
 * clients of the last two minutes and there is no timer to clean up.
 */
export class SlidingWindowLimiter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private windowStart: number;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
  }

  /**
   * Counts one request for the client, unless it is over the limit (refused requests are not counted).
   * `overflowKey` is where an untracked client is counted once the table is full; null: always tracked.
   */
  take(requested: string, overflowKey: string | null = null): RateDecision {
    const now = this.now();
    this.roll(now);
    const full = this.current.size >= MAX_TRACKED_CLIENTS && !this.current.has(requested);
    const client = full && overflowKey !== null ? overflowKey : requested;
    const intoWindow = now - this.windowStart;
    const previous = this.previous.get(client) ?? 0;
    const count = this.current.get(client) ?? 0;
    const estimate = previous * (1 - intoWindow / WINDOW_MS) + count;
    const untilWindowEnd = WINDOW_MS - intoWindow;
    const seconds = (ms: number) => Math.max(1, Math.ceil(Math.round(ms) / 1000));
    if (estimate + 1 > this.limit) {
      return {
        allowed: false,
        remaining: 0,
        resetSeconds: seconds(this.waitForRoom(previous, count, intoWindow)),
      };
    }
    this.current.set(client, count + 1);
    const remaining = Math.floor(this.limit - estimate - 1);
    // This window's requests count fully until it ends, then decay over the next one; last minute's are gone
    // when this window ends.
    const fullQuotaMs = untilWindowEnd + WINDOW_MS;
    return {
      allowed: true,
      remaining,
      resetSeconds: seconds(remaining > 0 ? fullQuotaMs : this.waitForRoom(previous, count + 1, intoWindow)),
    };
  }

  /** Milliseconds until previous × (1 − t/W) + count + 1 ≤ limit, t into the window (or the next one). */
  private waitForRoom(previous: number, count: number, intoWindow: number): number {
    const untilWindowEnd = WINDOW_MS - intoWindow;
    if (count + 1 <= this.limit && previous > 0) {
      // Room in this window once last minute's share has decayed enough.
      const t = WINDOW_MS * (1 - (this.limit - count - 1) / previous);
      return Math.max(0, Math.min(untilWindowEnd, t - intoWindow));
    }
    // This window is full: after it ends, its count is the one decaying: count × (1 − t/W) + 1 ≤ limit.
    return untilWindowEnd + Math.max(0, WINDOW_MS * (1 - (this.limit - 1) / count));
  }

  private roll(now: number): void {
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (start === this.windowStart) return;
    // More than one window passed: last minute saw nothing.
    this.previous = start - this.windowStart === WINDOW_MS ? this.current : new Map();
    this.current = new Map();
    this.windowStart = start;
  }
}

/**
 * Where an anonymous client is counted when the table is full: its IPv4 /16 or IPv6 /48, so a flood from one
 * network throttles that network. Key holders are never pooled.
 */
export function overflowKeyOf(clientId: string): string | null {
  if (!clientId.startsWith('ip:')) return null;
  const address = clientId.slice(3);
  if (address.includes('.')) return `overflow:${address.split('.').slice(0, 2).join('.')}.0.0/16`;
  return `overflow:${address.split(':').slice(0, 3).join(':')}::/48`;
}

/**
 * RATE_LIMIT_PER_MINUTE per client (API key, else address). Every counted response carries the IETF draft's
 * `RateLimit-Policy` and `RateLimit-Limit` / `-Remaining` / `-Reset`; over the limit → 429 with `Retry-After`.
 */
export function rateLimit(limiter: SlidingWindowLimiter): Middleware<AppState> {
  const limit = String(limiter.limit);
  const policy = `${limiter.limit};w=${WINDOW_MS / 1000}`;
  return async (ctx, next) => {
    const decision = limiter.take(ctx.state.client.id, overflowKeyOf(ctx.state.client.id));
    ctx.set('RateLimit-Policy', policy);
    ctx.set('RateLimit-Limit', limit);
    ctx.set('RateLimit-Remaining', String(decision.remaining));
    ctx.set('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) throw new RateLimited(limiter.limit, decision.resetSeconds);
    await next();
  };
}
