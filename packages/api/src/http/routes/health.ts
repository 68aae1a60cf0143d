import { Router } from '@koa/router';
import type { DatasetCache } from '../../upstream/dataset-cache.js';
import type { AppState } from '../middleware/request-context.js';
import type { Health, Ready } from '../openapi/schemas.js';
import { noQueryParameters } from '../query.js';

// The smallest file: proving the upstream reachable costs it half a kilobyte.
const PROBE_DATASET = 'processamento_semclass';

/**
 * /healthz: the process answers. /readyz: it can serve data (something cached, the upstream reachable, or the
 * bundled snapshot), and says `degraded` while any dataset is served from the bundle.
 */
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
    cache.retryBundled();
    const bundled = cache.bundledDatasets();
    ctx.body = { status: bundled.length > 0 ? 'degraded' : 'ready', bundled } satisfies Ready;
  });
  return router;
}
