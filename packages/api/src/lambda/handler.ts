/**
 * AWS Lambda entry of the API, behind an API Gateway HTTP API (payload format 2.0): the same Koa app as the
 * server (`createApi(config).app.callback()`) through serverless-http. Bundled by infra/scripts/bundle.ts as
 * `index.mjs`; the handler is `index.handler`. Everything is set up at init (top-level await), once per instance.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import serverless from 'serverless-http';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createApi } from '../server.js';
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
  const logger = createLogger(baseConfig);
  const parameterName = lambdaConfig.API_KEYS_PARAMETER;
  const parameter = parameterName
    ? await ssmKeysParameter(parameterName, lambdaConfig.API_KEYS_MAX_AGE_SECONDS)
    : null;
  // Read at init: without its keys the function must not start (it would serve an open API).
  const initialKeys = parameter ? await parameter.read() : null;
  const config = initialKeys ? { ...baseConfig, API_KEYS: initialKeys } : baseConfig;
  const api = await createApi(config, logger);
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
