import type { Middleware } from 'koa';
import { RateLimited } from '../../errors.js';
import type { AppState } from './request-context.js';

const WINDOW_MS = 60_000;
// Clients tracked per window. Past it, new clients share one budget: a flood of distinct addresses is throttled
// together instead of growing memory without bound.
const MAX_TRACKED_CLIENTS = 100_000;
const OVERFLOW_CLIENT = 'overflow';

export interface RateDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Allowed: seconds until the current window ends. Refused: seconds until there is room for one request. */
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

  /** Counts one request for the client, unless it is over the limit (refused requests are not counted). */
  take(requested: string): RateDecision {
    const now = this.now();
    this.roll(now);
    const client =
      this.current.size >= MAX_TRACKED_CLIENTS && !this.current.has(requested) ? OVERFLOW_CLIENT : requested;
    const intoWindow = now - this.windowStart;
    const previous = this.previous.get(client) ?? 0;
    const count = this.current.get(client) ?? 0;
    const estimate = previous * (1 - intoWindow / WINDOW_MS) + count;
    const untilWindowEnd = WINDOW_MS - intoWindow;
    if (estimate + 1 > this.limit) {
      // This window full: once it ends, its count is the one decaying; room for one more request when
      // count × (1 − t/W) + 1 ≤ limit, t into the next window.
      let waitMs = untilWindowEnd + Math.max(0, WINDOW_MS * (1 - (this.limit - 1) / count));
      if (count + 1 <= this.limit && previous > 0) {
        // previous × (1 − t/W) + count + 1 ≤ limit, solved for t: the moment last minute's share has decayed enough.
        const t = WINDOW_MS * (1 - (this.limit - count - 1) / previous);
        waitMs = Math.min(untilWindowEnd, t - intoWindow);
      }
      return {
        allowed: false,
        remaining: 0,
        resetSeconds: Math.max(1, Math.ceil(Math.round(waitMs) / 1000)),
      };
    }
    this.current.set(client, count + 1);
    return {
      allowed: true,
      remaining: Math.floor(this.limit - estimate - 1),
      resetSeconds: Math.ceil(untilWindowEnd / 1000),
    };
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
 * RATE_LIMIT_PER_MINUTE per client (API key, else address). Every counted response carries the IETF draft's
 * `RateLimit-Policy` and `RateLimit-Limit` / `-Remaining` / `-Reset`; over the limit → 429 with `Retry-After`.
 */
export function rateLimit(limiter: SlidingWindowLimiter): Middleware<AppState> {
  const limit = String(limiter.limit);
  const policy = `${limiter.limit};w=${WINDOW_MS / 1000}`;
  return async (ctx, next) => {
    const decision = limiter.take(ctx.state.client.id);
    ctx.set('RateLimit-Policy', policy);
    ctx.set('RateLimit-Limit', limit);
    ctx.set('RateLimit-Remaining', String(decision.remaining));
    ctx.set('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) throw new RateLimited(limiter.limit, decision.resetSeconds);
    await next();
  };
}
