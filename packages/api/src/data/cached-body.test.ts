import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cachedBody } from './cached-body.js';
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
