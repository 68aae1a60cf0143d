import type { Context } from 'koa';
import type { CachedBody } from '../data/cached-body.js';
import type { ServedData } from '../upstream/dataset-cache.js';
import { codingFor } from './content-coding.js';

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/**
 * RFC 9110 §13.2.2, as an origin server: If-None-Match decides when present (weak comparison, `*` or a list),
 * and only without it does If-Modified-Since count. Unlike `ctx.fresh` (written for caches), a request's
 * `Cache-Control: no-cache` does not stop the 304: a revalidation is exactly what the client asked for.
 */
function notModified(ctx: Context, etag: string): boolean {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
  const ifNoneMatch = ctx.get('If-None-Match');
  if (ifNoneMatch !== '') {
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  const since = Date.parse(ctx.get('If-Modified-Since'));
  const modified = Date.parse(ctx.response.get('Last-Modified'));
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * Sends a prepared body in the coding the client prefers (compressed once, then reused), with that
 * representation's ETag; a matching If-None-Match gets 304. Cache-Control is the caller's.
 */
export async function sendBody(ctx: Context, body: CachedBody): Promise<void> {
  const coding = body.compressible ? codingFor(ctx.get('accept-encoding')) : 'identity';
  if (body.compressible) ctx.vary('Accept-Encoding');
  ctx.status = 200;
  ctx.set('ETag', body.etagFor(coding));
  if (notModified(ctx, body.etagFor(coding))) {
    ctx.status = 304;
    return;
  }
  ctx.set('Content-Type', body.contentType);
  if (coding === 'identity') {
    ctx.body = body.body;
    return;
  }
  const encoded = body.encoded(coding);
  ctx.body = encoded instanceof Buffer ? encoded : await encoded;
  ctx.set('Content-Encoding', coding);
}

export interface DataResponseOptions {
  /** Link rel=next of a paginated body. */
  readonly nextUrl?: string;
  /** When the body last changed, if not with the content (the version's changed_at). */
  readonly lastModified?: Date;
}

/**
 * Sends a dataset body with its validators and provenance: Last-Modified (when the content last changed, unless the
 * body changes at other times), Cache-Control (what is left of the TTL; private when an API key was required), and
 * X-Data-Source / X-Data-Fetched-At / X-Data-Age saying where the data came from and how old it is.
 */
export function sendData(
  ctx: Context,
  served: ServedData,
  body: CachedBody,
  { nextUrl, lastModified = served.snapshot.changedAt }: DataResponseOptions = {},
): Promise<void> {
  ctx.set('Last-Modified', lastModified.toUTCString());
  // Data behind a key must not be stored by shared caches, which would hand it to clients without one.
  const scope = ctx.state.client?.authenticated ? 'private' : 'public';
  ctx.set('Cache-Control', `${scope}, max-age=${served.freshForSeconds}`);
  ctx.set('X-Data-Source', `${served.origin}; state=${served.state}`);
  ctx.set('X-Data-Fetched-At', served.fetchedAt.toISOString());
  ctx.set('X-Data-Age', String(Math.max(0, Math.floor((Date.now() - served.fetchedAt.getTime()) / 1000))));
  if (nextUrl) ctx.set('Link', `<${nextUrl}>; rel="next"`);
  return sendBody(ctx, body);
}
