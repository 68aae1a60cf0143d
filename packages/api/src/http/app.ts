import Koa from 'koa';
import type { Logger } from 'pino';
import type { DatasetCache } from '../upstream/dataset-cache.js';
import { type AppState, requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health.js';
import { legacyRoutes } from './routes/legacy.js';
import { v1Routes } from './routes/v1.js';

export interface AppDependencies {
  readonly cache: DatasetCache;
  readonly logger: Logger;
  /** Public URL of an upstream file, for the catalog. */
  readonly upstreamUrl: (file: string) => string;
}

/** The Koa application, without a listener: the server, the tests and a Lambda adapter all start from here. */
export function createApp(deps: AppDependencies): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = true;
  // Errors are logged by requestContext with the request id; Koa's default stderr printer would double them.
  app.silent = true;
  app.use(requestContext(deps.logger));
  for (const router of [
    healthRoutes(deps.cache),
    v1Routes(deps.cache, deps.upstreamUrl),
    legacyRoutes(deps.cache),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
