import { describe, expect, it } from 'vitest';
import { newRunId, processingDateOf } from './processing-date.js';

describe('processingDateOf', () => {
  it('takes the calendar day in America/Sao_Paulo, not UTC', () => {
    expect(processingDateOf(new Date('2026-01-01T02:00:00Z'))).toBe('2025-12-31');
    expect(processingDateOf(new Date('2026-01-01T03:00:00Z'))).toBe('2026-01-01');
    expect(processingDateOf(new Date('2025-06-15T23:30:00-03:00'))).toBe('2025-06-15');
  });

  it('rejects an invalid time', () => {
    expect(() => processingDateOf(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('newRunId', () => {
  it('sorts by start time and carries a random suffix', () => {
    expect(newRunId(new Date('2026-01-01T02:03:04.567Z'), () => 'abcd1234')).toBe(
      '20260101T020304Z-abcd1234',
    );
    expect(newRunId(new Date())).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
  });
});
