import Koa from 'koa';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { DatasetCache } from '../upstream/dataset-cache.js';
import { STYLESHEET_PATH } from './home/stylesheet.js';
import { type ApiKeys, identifyClient, requireApiKey } from './middleware/api-key.js';
import { compressDynamicBodies } from './middleware/compression.js';
import { corsFor } from './middleware/cors.js';
import { optionsNoContent } from './middleware/options.js';
import { rateLimit, SlidingWindowLimiter } from './middleware/rate-limit.js';
import { type AppState, requestContext } from './middleware/request-context.js';
import { queryLengthLimit, requestTimeout } from './middleware/request-limits.js';
import { securityHeaders } from './middleware/security-headers.js';
import { unless } from './middleware/unless.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { homeRoutes } from './routes/home.js';
import { legacyRoutes } from './routes/legacy.js';
import { metricsRoutes } from './routes/metrics.js';
import { v1Routes } from './routes/v1.js';

/** The settings the HTTP edge reads. */
export type HttpConfig = Pick<
  ApiConfig,
  'RATE_LIMIT_PER_MINUTE' | 'CORS_ORIGINS' | 'REQUEST_TIMEOUT_MS' | 'MAX_QUERY_LENGTH' | 'TRUST_PROXY'
>;

export interface AppDependencies {
  readonly config: HttpConfig;
  /** The accepted API keys (from API_KEYS), or null for an open API. */
  readonly keys: ApiKeys | null;
  readonly cache: DatasetCache;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  /** Public URL of an upstream file, for the catalog. */
  readonly upstreamUrl: (file: string) => string;
}

// The routers match case-insensitively and ignore a trailing slash: so do these, or `/HEALTHZ/` would route to the
// probe yet be treated as protected.
const canonical = (path: string) => path.toLowerCase().replace(/\/+$/, '');
/** Probes stay reachable for load balancers and orchestrators whatever the keys and limits. */
const isProbe = (path: string) => {
  const p = canonical(path);
  return p === '/healthz' || p === '/readyz';
};
/**
 * Routes that describe the API, open even when keys are required: a client must be able to learn how to call it.
 * The home page is one (`/` canonicalizes to ''): without a key it shows links but no data.
 */
const isOpen = (path: string) => {
  const p = canonical(path);
  return (
    isProbe(p) ||
    p === '' ||
    p === `/${STYLESHEET_PATH}` ||
    p === '/favicon.ico' ||
    p === '/openapi.json' ||
    p === '/docs' ||
    p.startsWith('/docs/')
  );
};

/** The Koa application, without a listener: the server, the tests and a Lambda adapter all start from here. */
export function createApp(deps: AppDependencies): Koa<AppState> {
  const { config } = deps;
  const app = new Koa<AppState>();
  app.proxy = config.TRUST_PROXY;
  // Only the address our proxy appended (the last X-Forwarded-For entry) is trusted: entries before it are
  // whatever the client sent.
  app.maxIpsCount = 1;
  // Errors are logged by requestContext with the request id; Koa's default stderr printer would double them.
  app.silent = true;
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(securityHeaders(config.CORS_ORIGINS.length > 0));
  if (config.CORS_ORIGINS.length > 0) app.use(corsFor(config.CORS_ORIGINS));
  app.use(compressDynamicBodies());
  app.use(queryLengthLimit(config.MAX_QUERY_LENGTH));
  const { keys } = deps;
  app.use(identifyClient(keys));
  if (config.RATE_LIMIT_PER_MINUTE > 0)
    app.use(unless(isProbe, rateLimit(new SlidingWindowLimiter(config.RATE_LIMIT_PER_MINUTE))));
  if (keys) app.use(unless(isOpen, requireApiKey()));
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));
  app.use(optionsNoContent());
  for (const router of [
    homeRoutes({ cache: deps.cache, upstreamUrl: deps.upstreamUrl, keysRequired: keys !== null }),
    healthRoutes(deps.cache),
    v1Routes(deps.cache, deps.upstreamUrl),
    legacyRoutes(deps.cache),
    metricsRoutes(deps.metrics),
    docsRoutes({ authRequired: keys !== null, rateLimited: config.RATE_LIMIT_PER_MINUTE > 0 }),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
