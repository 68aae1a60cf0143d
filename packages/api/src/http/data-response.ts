import type { Context } from 'koa';
import type { CachedBody } from '../data/cached-body.js';
import type { ServedData } from '../upstream/dataset-cache.js';

/**
 * Sends a prepared body with its validators and provenance: ETag (If-None-Match → 304), Last-Modified (when the
 * content last changed), Cache-Control (what is left of the TTL), and X-Data-Source / X-Data-Fetched-At /
 * X-Data-Age saying where the data came from and how old it is.
 */
export function sendData(ctx: Context, served: ServedData, body: CachedBody, nextUrl?: string): void {
  ctx.status = 200;
  ctx.set('ETag', body.etag);
  ctx.set('Last-Modified', served.snapshot.changedAt.toUTCString());
  ctx.set('Cache-Control', `public, max-age=${served.freshForSeconds}`);
  ctx.set('X-Data-Source', `${served.origin}; state=${served.state}`);
  ctx.set('X-Data-Fetched-At', served.fetchedAt.toISOString());
  ctx.set('X-Data-Age', String(Math.max(0, Math.floor((Date.now() - served.fetchedAt.getTime()) / 1000))));
  if (nextUrl) ctx.set('Link', `<${nextUrl}>; rel="next"`);
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.set('Content-Type', body.contentType);
  ctx.body = body.body;
}
