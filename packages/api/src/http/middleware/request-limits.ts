import type { Middleware } from 'koa';
import { RequestTimeout, UriTooLong } from '../../errors.js';

/** Refuses query strings over `maxLength` characters before anything parses them. */
export function queryLengthLimit(maxLength: number): Middleware {
  return async (ctx, next) => {
    const length = ctx.querystring.length;
    if (length > maxLength) throw new UriTooLong(length, maxLength);
    await next();
  };
}

/**
 * Answers 503 when the handler takes longer than `timeoutMs` (a cold cache waiting on a slow upstream). The
 * handler is not cancelled: its upstream fetch still completes and fills the cache for the next request.
 */
export function requestTimeout(timeoutMs: number): Middleware {
  return async (_ctx, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new RequestTimeout(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
