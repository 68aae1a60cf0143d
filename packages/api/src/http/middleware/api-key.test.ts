import { describe, expect, it } from 'vitest';
import { ApiKeys } from './api-key.js';

describe('ApiKeys', () => {
  const keys = new ApiKeys(['first-key-0123456789', 'second-key-0123456789']);

  it('matches each configured key to its position', () => {
    expect(keys.match('first-key-0123456789')).toBe(0);
    expect(keys.match('second-key-0123456789')).toBe(1);
  });

  it('matches nothing else: prefixes, extensions, case changes, empty', () => {
    for (const candidate of [
      'first-key-012345678',
      'first-key-01234567890',
      'FIRST-KEY-0123456789',
      '',
      ' ',
    ]) {
      expect(keys.match(candidate)).toBe(-1);
    }
  });

  it('does not keep the keys themselves', () => {
    expect(JSON.stringify(keys)).not.toContain('first-key');
  });
});
