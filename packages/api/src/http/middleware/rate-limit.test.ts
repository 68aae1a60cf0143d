import { describe, expect, it } from 'vitest';
import { overflowKeyOf, SlidingWindowLimiter } from './rate-limit.js';

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

  it('past the tracking cap, pools new anonymous clients per network, never key holders', () => {
    const limiter = new SlidingWindowLimiter(5, () => 10 * MINUTE);
    for (let i = 0; i < 100_000; i++) limiter.take(`ip:10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const take = (id: string) => limiter.take(id, overflowKeyOf(id));
    for (let i = 0; i < 5; i++) expect(take(`ip:192.0.${i}.1`).allowed).toBe(true);
    expect(take('ip:192.0.77.1').allowed).toBe(false); // same /16: one shared budget
    expect(take('ip:198.51.100.1').allowed).toBe(true); // another network is not locked out
    for (let i = 0; i < 5; i++) expect(take('key:0').allowed).toBe(true); // key holders keep their own
    expect(take('ip:10.0.0.7').allowed).toBe(true); // known clients keep theirs
  });

  it('sends, with nothing remaining, when one more request fits, and otherwise when the whole quota is back', () => {
    let now = 10 * MINUTE + 30_000;
    const limiter = new SlidingWindowLimiter(3, () => now);
    expect(limiter.take('a').resetSeconds).toBe(90); // this window's requests decay over the next one
    limiter.take('a');
    const last = limiter.take('a');
    expect(last.remaining).toBe(0);
    now += last.resetSeconds * 1000 - 1000;
    expect(limiter.take('a').allowed).toBe(false);
    now += 1000;
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

describe('overflowKeyOf', () => {
  it('pools addresses by IPv4 /16 or IPv6 /48, and never keys', () => {
    expect(overflowKeyOf('ip:192.0.2.7')).toBe('overflow:192.0.0.0/16');
    expect(overflowKeyOf('ip:2001:db8:85a3:1::/64')).toBe('overflow:2001:db8:85a3::/48');
    expect(overflowKeyOf('key:3')).toBeNull();
  });
});
