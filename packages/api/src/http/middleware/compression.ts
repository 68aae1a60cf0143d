import type { Middleware } from 'koa';
import { compress, MIN_COMPRESSIBLE_BYTES } from '../../data/compression.js';
import { codingFor } from '../content-coding.js';

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|problem\+json|x-ndjson|javascript|openapi\+json))/;

/**
 * Compresses the bodies built per request (catalog, metrics) when the client accepts it. Problem documents are
 * written outside this middleware and go uncompressed: they are small, and an error path should do little. Prepared
 * bodies (datasets, documents) arrive already encoded by sendBody and are left alone.
 */
export function compressDynamicBodies(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.response.get('Content-Encoding') || ctx.status === 204 || ctx.status === 304) return;
    if (!COMPRESSIBLE.test(ctx.response.get('Content-Type'))) return;
    const { body } = ctx;
    let bytes: Buffer;
    if (typeof body === 'string') bytes = Buffer.from(body);
    else if (Buffer.isBuffer(body)) bytes = body;
    else if (body !== null && typeof body === 'object' && !('pipe' in body))
      bytes = Buffer.from(JSON.stringify(body));
    else return;
    // Content-Type is already set, so assigning a Buffer keeps it; the JSON made here is not made again by Koa.
    ctx.body = bytes;
    if (bytes.length < MIN_COMPRESSIBLE_BYTES) return;
    ctx.vary('Accept-Encoding');
    const coding = codingFor(ctx.get('accept-encoding'));
    if (coding === 'identity') return;
    ctx.body = await compress(bytes, coding, 'fast');
    ctx.set('Content-Encoding', coding);
  };
}
