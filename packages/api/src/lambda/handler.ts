/**
 * AWS Lambda entry of the API, behind an API Gateway HTTP API (payload format 2.0): the same Koa app as the
 * server (`createApi(config).app.callback()`) through serverless-http. Bundled by infra/scripts/bundle.ts as
 * `index.mjs`; the handler is `index.handler`. Everything is set up at init (top-level await), once per instance.
 *
 * This module imports statically only what validates the configuration and starts the reader: the reader's worker
 * thread then loads its modules on another core while this one loads the app's (server, Koa, logger), imported
 * below once the worker is on its way.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig, readerLimits } from '../config.js';
import { IsolatedReader } from '../reader/worker/isolated-reader.js';
import { keysRefresher, ssmKeysParameter } from './api-keys.js';
import { loadLambdaConfig } from './config.js';
import { isBase64Body } from './response-body.js';

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Builds the handler over an environment (process.env on Lambda). Throws on bad configuration: the init fails. */
export async function createLambdaHandler(env: Record<string, string | undefined>): Promise<HttpApiHandler> {
  const lambdaConfig = loadLambdaConfig(env);
  const baseConfig = loadConfig(env);
  const reader = new IsolatedReader(readerLimits(baseConfig));
  reader.warmUp();
  const parameterName = lambdaConfig.API_KEYS_PARAMETER;
  const [{ createApi }, { createLogger }, { default: serverless }, parameter] = await Promise.all([
    import('../server.js'),
    import('../logger.js'),
    import('serverless-http'),
    parameterName ? ssmKeysParameter(parameterName, lambdaConfig.API_KEYS_MAX_AGE_SECONDS) : null,
  ]);
  const logger = createLogger(baseConfig);
  // Read at init: without its keys the function must not start (it would serve an open API).
  const initialKeys = parameter ? await parameter.read() : null;
  const config = initialKeys ? { ...baseConfig, API_KEYS: initialKeys } : baseConfig;
  const api = await createApi(config, logger, reader);
  const refreshKeys =
    parameter && api.keys && initialKeys ? keysRefresher(parameter, api.keys, initialKeys, logger) : null;

  const handle = serverless(api.app.callback(), {
    binary: isBase64Body,
    // The app's request id is the Lambda request id (a UUID, also on the function's own log lines) unless the
    // client sent a well-formed one; API Gateway's ids end with `=`, which the app does not accept.
    requestId: '',
    request: (
      request: { headers: Record<string, string | undefined> },
      _event: unknown,
      context: Context,
    ) => {
      request.headers['x-request-id'] ??= context.awsRequestId;
    },
  });

  return async (event, context) => {
    await refreshKeys?.();
    const response = (await handle(event, context)) as APIGatewayProxyStructuredResultV2;
    // The instance is frozen once this returns: a refresh started by this request (stale-while-revalidate) would
    // stall and miss its deadline. Its request waits for it instead; the others answer at once.
    await api.cache.whenIdle();
    return response;
  };
}

export const handler: HttpApiHandler = await createLambdaHandler(process.env);
