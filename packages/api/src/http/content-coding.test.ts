import { describe, expect, it } from 'vitest';
import { chooseCoding } from './content-coding.js';

describe('chooseCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['deflate', 'identity'],
    ['br;q=0.5, gzip', 'gzip'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['identity', 'identity'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*;q=0', 'identity'],
    ['BR', 'br'],
    ['gzip;q=abc', 'identity'],
    ['gzip;q=2', 'identity'],
    ['gzip;q=0.8', 'gzip'],
    ['br;q=0.9, gzip;q=0.8', 'br'],
    ['gzip;q=0.8, identity', 'identity'],
    ['deflate;q=0.5', 'identity'],
    [' , ;;, =', 'identity'],
  ] as const)('%j → %s', (header, expected) => {
    expect(chooseCoding(header)).toBe(expected);
  });
});
