import { Router } from '@koa/router';
import type { ApiMetrics } from '../../metrics/api-metrics.js';
import type { AppState } from '../middleware/request-context.js';
import { noQueryParameters } from '../query.js';

/** Prometheus exposition of the service's metrics. */
export function metricsRoutes(metrics: ApiMetrics): Router<AppState> {
  const router = new Router<AppState>();
  const noQuery = noQueryParameters();
  router.get('/metrics', noQuery, async (ctx) => {
    const text = await metrics.registry.metrics();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', metrics.registry.contentType);
    ctx.body = text;
  });
  return router;
}
