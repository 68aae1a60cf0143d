import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { MethodNotAllowed, RouteNotFound } from '../../errors.js';
import type { ApiMetrics } from '../../metrics/api-metrics.js';
import { sendProblem } from '../problem.js';
import type { ClientIdentity } from './api-key.js';

export interface AppState {
  requestId: string;
  client: ClientIdentity;
}

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Outermost middleware: a request id (the client's `x-request-id` when well-formed), errors turned into
 * problem+json and logged with that id, unmatched routes into 404 problems, and the request's count and latency
 * in metrics. Access logs are at debug level: the hot path does no logging work at the default level.
 */
export function requestContext(logger: Logger, metrics: ApiMetrics): Middleware<AppState> {
  return async (ctx, next) => {
    const started = performance.now();
    const given = ctx.get('x-request-id');
    const requestId = CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    // A child logger only when something is logged: building one per request costs more than the rest of a hit.
    const log = () => logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
      // The routers answer unmatched paths and methods with a bare status (and `Allow`); give them a problem body.
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new RouteNotFound(`no route for ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405)
          throw new MethodNotAllowed(`${ctx.method} is not allowed; allowed: ${ctx.response.get('Allow')}`);
        if (ctx.status === 501) {
          // The router's 501 for methods it does not know: a client error all the same (every route is read-only).
          ctx.set('Allow', 'HEAD, GET');
          throw new MethodNotAllowed(`${ctx.method} is not allowed; allowed: HEAD, GET`);
        }
      }
    } catch (error) {
      try {
        if (!sendProblem(ctx, error)) {
          log().error({ err: error, method: ctx.method, path: ctx.path }, 'unhandled error');
        } else if (ctx.status >= 500) {
          log().warn({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
        }
      } catch (failure) {
        // Turning the error into a problem failed (a defect): still answer with a problem, and say so.
        log().error(
          { err: failure, cause: error, method: ctx.method, path: ctx.path },
          'error handling failed',
        );
        sendProblem(ctx, failure);
      }
    }
    const ms = performance.now() - started;
    // The route template, not the path: label values must come from a bounded set.
    const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
    metrics.observeRequest(ctx.method, typeof route === 'string' ? route : 'unrouted', ctx.status, ms / 1000);
    if (logger.isLevelEnabled('debug')) {
      log().debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms) }, 'request');
    }
  };
}
