import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './rate-limit.js';

const MINUTE = 60_000;

describe('SlidingWindowLimiter', () => {
  it('allows the limit within a minute, then refuses, per client', () => {
    let now = 10 * MINUTE;
    const limiter = new SlidingWindowLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').remaining)).toEqual([2, 1, 0]);
    const refused = limiter.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.resetSeconds).toBe(60); // this window must end before anything frees up
    expect(limiter.take('b').allowed).toBe(true);
    now += 30_000;
    expect(limiter.take('a').allowed).toBe(false); // refused requests were not counted, but the window is full
  });

  it("weights last minute's count by its overlap with the sliding window", () => {
    let now = 10 * MINUTE;
    const limiter = new SlidingWindowLimiter(10, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.take('a').allowed).toBe(true);
    // 15 s into the next window: 10 × 0.75 = 7.5 of last minute's requests still count, so 2 more fit.
    now = 11 * MINUTE + 15_000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    const refused = limiter.take('a');
    expect(refused.allowed).toBe(false);
    // Room for one more when 10 × (1 − t/60) + 2 + 1 ≤ 10, at t = 18 s: 3 s from now.
    expect(refused.resetSeconds).toBe(3);
    now = 11 * MINUTE + 18_000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('forgets clients after two quiet minutes', () => {
    let now = 10 * MINUTE;
    const limiter = new SlidingWindowLimiter(2, () => now);
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    now = 12 * MINUTE + 1;
    expect(limiter.take('a').remaining).toBe(1);
  });
});
