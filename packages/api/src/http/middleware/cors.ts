import cors from '@koa/cors';
import type { Middleware } from 'koa';

// Response headers a browser script may read: validators, pagination, provenance, rate-limit state.
const EXPOSED = [
  'ETag',
  'Last-Modified',
  'Link',
  'Retry-After',
  'X-Request-Id',
  'X-Data-Source',
  'X-Data-Fetched-At',
  'X-Data-Age',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
];

/**
 * CORS for the origins in CORS_ORIGINS (`*` for any). An origin not listed gets no CORS headers, so browsers
 * refuse it; preflights are answered here, before access control, since they carry no credentials.
 */
export function corsFor(origins: readonly string[]): Middleware {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      // No Origin: not a CORS request, nothing to add.
      if (origin === '') return '';
      return anyOrigin ? '*' : allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    allowHeaders: ['x-api-key', 'authorization', 'if-none-match', 'if-modified-since', 'x-request-id'],
    exposeHeaders: EXPOSED,
    maxAge: 600,
    // The CORS headers are already on the response when an error passes; @koa/cors would otherwise copy them onto
    // the error object, overwriting a member of ours.
    keepHeadersOnError: false,
  });
}
