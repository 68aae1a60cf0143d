import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { resourceOf } from './synth.js';

/** The host API Gateway puts in the requests it forwards (and the one the HTTP server is asked with). */
const API_HOST = 'abc123defg.execute-api.sa-east-1.amazonaws.com';

/**
 * A GET as an HTTP API sends it to a Lambda integration with payload format 2.0: lower-case headers, the raw
 * path and query, the parsed query (repeated names joined with commas), the request context.
 */
export function httpApiEvent(
  pathAndQuery: string,
  headers: Record<string, string> = {},
): APIGatewayProxyEventV2 {
  const url = new URL(pathAndQuery, `https://${API_HOST}`);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: {
      accept: '*/*',
      'content-length': '0',
      host: API_HOST,
      'user-agent': 'curl/8.5.0',
      'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    },
    ...(url.search ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123defg',
      domainName: API_HOST,
      domainPrefix: 'abc123defg',
      http: {
        method: 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as the client sees it, content coding removed. */
  readonly body: Buffer;
}

function decode(bytes: Buffer, coding: string | undefined): Buffer {
  switch ((coding ?? 'identity').trim()) {
    case 'br':
      return brotliDecompressSync(bytes);
    case 'gzip':
      return gunzipSync(bytes);
    case 'deflate':
      return inflateSync(bytes);
    case 'identity':
      return bytes;
    default:
      throw new Error(`unexpected content-encoding ${coding}`);
  }
}

/** What API Gateway makes of a payload 2.0 result: base64 bodies decoded, then the coding removed here. */
export function answerOf(result: APIGatewayProxyStructuredResultV2): Answer {
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const raw = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  return { status: result.statusCode ?? 200, headers, body: decode(raw, headers['content-encoding']) };
}

/** A GET to the HTTP server over a real socket, without any automatic decompression. */
export function httpGet(
  base: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(pathAndQuery, base), { headers: { host: API_HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat = Object.fromEntries(
          Object.entries(res.headers).map(([name, value]) => [name, [value].flat().join(', ')]),
        );
        try {
          resolve({
            status: res.statusCode ?? 0,
            headers: flat,
            body: decode(Buffer.concat(chunks), flat['content-encoding']),
          });
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A function's environment from the synthesized template. Values CloudFormation resolves at deploy time (a bucket
 * name, the API's endpoint) must be given by the test in `given`, which also adds variables; `drop` removes some.
 */
export function functionEnvironment(
  template: Template,
  logicalIdPrefix: string,
  given: Record<string, string> = {},
  drop: readonly string[] = [],
): Record<string, string> {
  const [, fn] = resourceOf(template, 'AWS::Lambda::Function', logicalIdPrefix);
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (drop.includes(name) || given[name] !== undefined) continue;
    if (typeof value !== 'string') {
      throw new Error(`${name} is resolved at deploy time (${JSON.stringify(value)}): the test must give it`);
    }
    environment[name] = value;
  }
  return { ...environment, ...given };
}

/** The schedule's input as EventBridge Scheduler renders it for one invocation. */
export function renderScheduleInput(template: Template, scheduledTime: string): unknown {
  const [, schedule] = resourceOf(template, 'AWS::Scheduler::Schedule', 'IngesterSchedule');
  const input = (schedule.Properties.Target as { Input: string }).Input;
  return JSON.parse(
    input
      .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime)
      .replaceAll(
        '<aws.scheduler.schedule-arn>',
        'arn:aws:scheduler:sa-east-1:123456789012:schedule/default/Vitibrasil',
      )
      .replaceAll('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3')
      .replaceAll('<aws.scheduler.attempt-number>', '1'),
  );
}
