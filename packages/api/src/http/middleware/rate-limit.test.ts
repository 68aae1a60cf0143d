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
    // After this window, its 3 requests decay: 3 × (1 − t/60) + 1 ≤ 3 at t = 20 s into the next one.
    expect(refused.resetSeconds).toBe(80);
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

  it('admits a refused client exactly when Retry-After says, whatever the moment it was refused', () => {
    for (const offset of [0, 1_000, 29_500, 58_000, 59_999]) {
      let now = 10 * MINUTE;
      const limiter = new SlidingWindowLimiter(3, () => now);
      now += offset;
      for (let i = 0; i < 3; i++) limiter.take('a');
      const refused = limiter.take('a');
      expect(refused.allowed).toBe(false);
      now += refused.resetSeconds * 1000 - 1000;
      if (refused.resetSeconds > 1) expect(limiter.take('a').allowed, `offset ${offset}`).toBe(false);
      now += 1000;
      expect(limiter.take('a').allowed, `offset ${offset}`).toBe(true);
    }
  });

  it('makes new clients share one budget past the tracking cap, so memory stays bounded', () => {
    const limiter = new SlidingWindowLimiter(5, () => 10 * MINUTE);
    for (let i = 0; i < 100_000; i++) limiter.take(`ip:${i}`);
    for (let i = 0; i < 5; i++) expect(limiter.take(`new:${i}`).allowed).toBe(true);
    expect(limiter.take('new:5').allowed).toBe(false);
    expect(limiter.take('ip:7').allowed).toBe(true); // known clients keep their own budget
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
