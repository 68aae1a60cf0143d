import { describe, expect, it } from 'vitest';
import { ApiKeys, addressKey } from './api-key.js';

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

describe('addressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:85a3:1:2:3:4:5', '2001:db8:85a3:1::/64'],
    ['2001:db8:85a3:1:ffff:ffff:ffff:ffff', '2001:db8:85a3:1::/64'],
    ['2001:DB8:0:0::1', '2001:db8:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
