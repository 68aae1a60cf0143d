import { describe, expect, it } from 'vitest';
import { type GuardInput, judgeCopy } from './row-guard.js';

const counts = (rows: number, observations = rows * 54) => ({ rows, observations });
const input = (overrides: Partial<GuardInput>): GuardInput => ({
  candidate: counts(51),
  held: counts(51),
  previous: null,
  sightings: 1,
  confirmations: 3,
  override: false,
  ...overrides,
});

describe('judgeCopy', () => {
  it('accepts a first copy, and any file with at least half the rows and observations of the copy served', () => {
    expect(judgeCopy(input({ held: null, candidate: counts(1) }))).toEqual({
      accept: true,
      reason: 'first_copy',
    });
    expect(judgeCopy(input({ candidate: counts(26) }))).toEqual({ accept: true, reason: 'plausible' });
    expect(judgeCopy(input({ candidate: counts(153) }))).toEqual({ accept: true, reason: 'plausible' });
  });

  it('refuses far fewer rows, or far fewer observations (years dropped), than both reference copies', () => {
    expect(judgeCopy(input({ candidate: counts(25) }))).toEqual({ accept: false, reason: 'fewer_rows' });
    expect(judgeCopy(input({ candidate: counts(51, 51 * 20) }))).toEqual({
      accept: false,
      reason: 'fewer_rows',
    });
    expect(judgeCopy(input({ candidate: counts(10), previous: counts(40) }))).toEqual({
      accept: false,
      reason: 'fewer_rows',
    });
  });

  it('accepts a return to the copy before the last change at once', () => {
    expect(judgeCopy(input({ held: counts(153), previous: counts(51) }))).toEqual({
      accept: true,
      reason: 'like_previous',
    });
  });

  it('accepts a refused file once served on the configured number of consecutive refreshes, or on override', () => {
    const shrunk = { candidate: counts(10) };
    expect(judgeCopy(input({ ...shrunk, sightings: 2 })).accept).toBe(false);
    expect(judgeCopy(input({ ...shrunk, sightings: 3 }))).toEqual({ accept: true, reason: 'confirmed' });
    expect(judgeCopy(input({ ...shrunk, confirmations: 1 }))).toEqual({ accept: true, reason: 'confirmed' });
    expect(judgeCopy(input({ ...shrunk, override: true }))).toEqual({ accept: true, reason: 'override' });
  });
});
