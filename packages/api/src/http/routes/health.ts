import { Router } from '@koa/router';
import type { DatasetCache } from '../../upstream/dataset-cache.js';
import type { AppState } from '../middleware/request-context.js';
import type { Health, Ready } from '../openapi/schemas.js';
import { noQueryParameters } from '../query.js';

// The smallest file: proving the upstream reachable costs it half a kilobyte.
const PROBE_DATASET = 'processamento_semclass';

/** /healthz: the process answers. /readyz: it can serve data (something cached, or the upstream reachable). */
export function healthRoutes(cache: DatasetCache): Router<AppState> {
  const router = new Router<AppState>();
  const noQuery = noQueryParameters();
  router.get('/healthz', noQuery, (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' } satisfies Health;
  });
  router.get('/readyz', noQuery, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (!cache.hasAnyData()) await cache.get(PROBE_DATASET); // throws UpstreamUnavailable → 503 problem
    ctx.body = { status: 'ready' } satisfies Ready;
  });
  return router;
}
