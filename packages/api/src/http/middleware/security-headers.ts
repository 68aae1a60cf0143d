import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Middleware } from 'koa';

/**
 * Helmet's headers, computed once: helmet's output does not depend on the request, so it runs at start against a
 * recording response and every request gets the recorded list (no per-request middleware chain).
 * `upgrade-insecure-requests` is dropped: the API is often reached over plain HTTP (localhost, behind a proxy),
 * where it would break the docs page's assets. With CORS on, resources may be read cross-origin.
 */
export function securityHeaderList(corsEnabled: boolean): ReadonlyArray<readonly [string, string]> {
  const recorded: Array<readonly [string, string]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      recorded.push([name, String(value)]);
    },
    removeHeader() {},
  };
  let failure: unknown;
  helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    crossOriginResourcePolicy: { policy: corsEnabled ? 'cross-origin' : 'same-origin' },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return recorded;
}

export function securityHeaders(corsEnabled: boolean): Middleware {
  const headers = securityHeaderList(corsEnabled);
  return async (ctx, next) => {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    await next();
  };
}
