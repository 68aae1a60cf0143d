import type { Middleware } from 'koa';

/**
 * OPTIONS on a route gets 204 No Content with `Allow`, the usual answer, rather than the 200 with an empty
 * text/plain body that the routers' `allowedMethods` give (their 405 with `Allow` for other methods stays).
 */
export function optionsNoContent(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method === 'OPTIONS' && ctx.status === 200 && ctx.response.get('Allow') !== '') ctx.status = 204;
  };
}
