import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BodyBuilder } from './body-builder.js';
import { cachedBody } from './cached-body.js';

describe('BodyBuilder', () => {
  it('builds the bytes written, with the ETag a body built at once has', async () => {
    const builder = new BodyBuilder();
    const parts: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const part = `{"n":${i},"name":"ação ${i}"}\n`;
      parts.push(part);
      builder.write(part);
      if (i % 500 === 0) await builder.pause();
    }
    const bytes = new TextEncoder().encode('["tail é"]');
    await builder.writeBytes(bytes.subarray(1));
    const built = await builder.finish('application/x-ndjson', { nextCursor: 'next', effort: 'fast' });
    const whole = `${parts.join('')}${'"tail é"]'}`;
    expect(built.body.toString()).toBe(whole);
    expect(built.etag).toBe(cachedBody(whole, 'application/x-ndjson').etag);
    expect(built.etag).toBe(`"${createHash('sha256').update(whole).digest('base64url').slice(0, 32)}"`);
    expect([built.contentType, built.nextCursor]).toEqual(['application/x-ndjson', 'next']);
  });

  it('lets the event loop turn while it builds a large body', async () => {
    const builder = new BodyBuilder();
    let turns = 0;
    const ticking = setInterval(() => turns++, 1);
    const line = 'x'.repeat(200);
    for (let i = 0; i < 200_000; i++) {
      builder.write(line);
      if (i % 512 === 511) await builder.pause();
    }
    await builder.writeBytes(new Uint8Array(8 << 20));
    clearInterval(ticking);
    expect((await builder.finish('text/plain')).body.length).toBe(200 * 200_000 + (8 << 20));
    expect(turns).toBeGreaterThan(0);
  });

  it('builds an empty body', async () => {
    expect((await new BodyBuilder().finish('text/plain')).body.length).toBe(0);
  });
});
