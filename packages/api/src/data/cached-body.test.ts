import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyCache, cachedBody } from './cached-body.js';
import { compress } from './compression.js';

const text = JSON.stringify(
  Array.from({ length: 2000 }, (_, i) => ({ item: `Tinto ${i % 40}`, year: 1970 + (i % 55) })),
);

describe('CachedBody', () => {
  it('compresses each coding once, shares the pending work, then answers from memory', async () => {
    const body = cachedBody(text, 'application/json');
    const first = body.encoded('br');
    const second = body.encoded('br');
    expect(second).toBe(first); // the same pending compression, not a second one
    const bytes = await first;
    expect(body.encoded('br')).toBe(bytes); // a Buffer now: no promise, no work
    expect(brotliDecompressSync(bytes).toString()).toBe(text);
  });

  it('uses the effort it was built with: thorough by default, fast for query-derived bodies', async () => {
    const source = Buffer.from(text);
    expect(await cachedBody(text, 'application/json').encoded('br')).toEqual(
      await compress(source, 'br', 'thorough'),
    );
    expect(await cachedBody(text, 'application/json', { effort: 'fast' }).encoded('gzip')).toEqual(
      await compress(source, 'gzip', 'fast'),
    );
  });

  it('gives each representation its own ETag and leaves small bodies uncompressed', () => {
    const body = cachedBody(text, 'application/json');
    expect(new Set([body.etagFor('identity'), body.etagFor('br'), body.etagFor('gzip')]).size).toBe(3);
    expect(body.etagFor('br')).toMatch(/^"[\w-]+-br"$/);
    expect(cachedBody('{}', 'application/json').compressible).toBe(false);
  });
});

describe('BodyCache', () => {
  const body = (size: number) => cachedBody('x'.repeat(size), 'text/plain');

  it('keeps entries within its budget, evicting the least recently used first', async () => {
    // Each 2,000-byte body costs 2 × 2,000 + key + 512 bytes: three fit in 15,000, a fourth evicts one.
    const cache = new BodyCache(15_000);
    let builds = 0;
    const get = (key: string) =>
      cache.getOrBuild(key, () => {
        builds++;
        return body(2_000);
      });
    await get('a');
    await get('b');
    await get('c');
    await get('a'); // a is now the most recent
    expect(builds).toBe(3);
    await get('d'); // evicts b, the least recently used
    await get('a');
    await get('c');
    expect(builds).toBe(4);
    await get('b');
    expect(builds).toBe(5);
  });

  it('keeps an entry larger than the whole budget only until the next one arrives', async () => {
    const cache = new BodyCache(1_000);
    let builds = 0;
    const big = () => {
      builds++;
      return body(5_000);
    };
    await cache.getOrBuild('big', big);
    await cache.getOrBuild('big', big);
    expect(builds).toBe(1);
    await cache.getOrBuild('small', () => body(10));
    await cache.getOrBuild('big', big);
    expect(builds).toBe(2);
  });

  it('gives the requests that come while a body is built that body, and keeps no failed build', async () => {
    const cache = new BodyCache(1 << 20);
    let builds = 0;
    const slow = async () => {
      builds++;
      await new Promise((resolve) => setImmediate(resolve));
      return body(100);
    };
    const [a, b] = await Promise.all([cache.getOrBuild('k', slow), cache.getOrBuild('k', slow)]);
    expect(a).toBe(b);
    expect(builds).toBe(1);
    const failing = () => Promise.reject(new Error('no body'));
    await expect(cache.getOrBuild('f', failing)).rejects.toThrow('no body');
    await expect(cache.getOrBuild('f', () => body(1))).resolves.toBeDefined();
  });
});
