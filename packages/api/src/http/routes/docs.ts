import { Router } from '@koa/router';
import { type CachedBody, cachedBody } from '../../data/cached-body.js';
import { RouteNotFound } from '../../errors.js';
import { sendBody } from '../data-response.js';
import { cacheControlFor, DOCS_PAGE, docsFile, FAVICON } from '../docs/assets.js';
import type { AppState } from '../middleware/request-context.js';
import type { OpenApiOptions } from '../openapi/document.js';
import { noQueryParameters } from '../query.js';

/** The document, built from the zod schemas: imported at its first request, so a cold start neither loads nor runs it. */
async function openApiBody(options: OpenApiOptions): Promise<CachedBody> {
  const { buildOpenApiDocument } = await import('../openapi/document.js');
  return cachedBody(JSON.stringify(buildOpenApiDocument(options)), 'application/json; charset=utf-8');
}

/**
 * GET /openapi.json, and the Swagger UI page at /docs/ with all its assets served from here (no CDN: clients may
 * be offline). The document is built once, at its first request: it only changes with the code and config.
 */
export function docsRoutes(options: OpenApiOptions): Router<AppState> {
  // Strict: /docs and /docs/ are different routes, so that relative asset URLs always resolve under /docs/.
  const router = new Router<AppState>({ strict: true });
  const noQuery = noQueryParameters();
  // Built at the first request and kept (a failed build is not: the next request tries again).
  let openapi: Promise<CachedBody> | undefined;

  router.get('/openapi.json', noQuery, async (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    if (!openapi) {
      openapi = openApiBody(options);
      openapi.catch(() => {
        openapi = undefined;
      });
    }
    await sendBody(ctx, await openapi);
  });

  router.get('/docs', noQuery, (ctx) => {
    ctx.status = 301;
    // Relative, so it also works behind a proxy that mounts the API under a prefix.
    ctx.set('Location', 'docs/');
  });

  router.get('/docs/', noQuery, (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    return sendBody(ctx, DOCS_PAGE);
  });

  // Browsers ask every origin for /favicon.ico (on JSON pages too): Swagger UI's icon, rather than a 404.
  router.get('/favicon.ico', noQuery, async (ctx) => {
    ctx.set('Cache-Control', cacheControlFor(FAVICON));
    await sendBody(ctx, await (docsFile(FAVICON) as Promise<CachedBody>));
  });

  router.get('/docs/:file', noQuery, async (ctx) => {
    const name = ctx.params.file ?? '';
    const file = docsFile(name);
    if (!file) throw new RouteNotFound(`no documentation file ${name}`);
    ctx.set('Cache-Control', cacheControlFor(name));
    await sendBody(ctx, await file);
  });

  return router;
}
