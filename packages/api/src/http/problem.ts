import type { Context } from 'koa';
import { AppError } from '../errors.js';

export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem document. `type` names the failure kind stably; `code` is the same in SCREAMING_CASE. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly [extension: string]: unknown;
}

export const problemType = (code: string): string =>
  `urn:vitibrasil:problem:${code.toLowerCase().replaceAll('_', '-')}`;

interface HttpErrorLike {
  status: number;
  expose?: boolean;
  message: string;
}

const isClientHttpError = (error: unknown): error is HttpErrorLike =>
  typeof error === 'object' &&
  error !== null &&
  'status' in error &&
  typeof error.status === 'number' &&
  error.status >= 400 &&
  error.status < 500;

const REPRESENTATION_HEADERS = [
  'ETag',
  'Last-Modified',
  'Content-Encoding',
  'Link',
  'X-Data-Source',
  'X-Data-Fetched-At',
  'X-Data-Age',
];

/** Writes an error as problem+json. Returns false for an unexpected error (the caller logs it; the client gets 500). */
export function sendProblem(ctx: Context, error: unknown): boolean {
  let problem: Problem;
  let expected = true;
  if (error instanceof AppError) {
    problem = {
      type: problemType(error.code),
      title: error.title,
      status: error.status,
      detail: error.message,
      instance: ctx.path,
      code: error.code,
      ...error.extensions(),
    };
    ctx.set(error.responseHeaders());
  } else if (isClientHttpError(error)) {
    // Koa's own client errors keep their status.
    const code = error.status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST';
    problem = {
      type: problemType(code),
      title: error.status === 405 ? 'Method not allowed' : 'Bad request',
      status: error.status,
      detail: error.expose ? error.message : 'the request could not be processed',
      instance: ctx.path,
      code,
    };
  } else {
    expected = false;
    problem = {
      type: problemType('INTERNAL'),
      title: 'Internal error',
      status: 500,
      detail: 'an unexpected error occurred; it has been logged with the request id',
      instance: ctx.path,
      code: 'INTERNAL',
    };
  }
  // Headers of a representation that was being prepared when the error struck do not describe a problem.
  for (const name of REPRESENTATION_HEADERS) ctx.remove(name);
  ctx.status = problem.status;
  ctx.set('Content-Type', PROBLEM_TYPE);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(problem);
  return expected;
}

export interface NodeLevelFailure {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
}

const NODE_LEVEL_FAILURES: Record<string, NodeLevelFailure> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    title: 'Request headers too large',
    detail: 'the request line and headers exceed the server limit',
  },
  // Node's parser knows some 35 methods and refuses others outright; every route is read-only anyway.
  HPE_INVALID_METHOD: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    title: 'Method not allowed',
    detail: 'this method is not allowed; allowed: HEAD, GET',
  },
  CONNECT: {
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    title: 'Method not allowed',
    detail: 'CONNECT is not allowed; allowed: HEAD, GET',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'CLIENT_TIMEOUT',
    title: 'Request not received in time',
    detail: 'the request was not received completely in time',
  },
  EXPECTATION: {
    status: 417,
    code: 'EXPECTATION_FAILED',
    title: 'Expectation failed',
    detail: 'the only expectation this server meets is 100-continue',
  },
};

/** What Node's own refusals (parser errors, CONNECT, Expect) become: see nodeLevelResponse. */
export function nodeLevelFailure(errorCode: string | undefined): NodeLevelFailure {
  return (
    NODE_LEVEL_FAILURES[errorCode ?? ''] ?? {
      status: 400,
      code: 'MALFORMED_REQUEST',
      title: 'Malformed request',
      detail: 'the request is not valid HTTP/1.1',
    }
  );
}

/** Status, headers and body of a Node-level refusal: a problem document like every other error. */
export function nodeLevelResponse(
  failure: NodeLevelFailure,
  instance: string,
  requestId: string,
): { readonly headers: Record<string, string>; readonly body: string } {
  const body = JSON.stringify({ type: problemType(failure.code), ...failure, instance });
  return {
    headers: {
      'Content-Type': PROBLEM_TYPE,
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Request-Id': requestId,
      ...(failure.status === 405 ? { Allow: 'HEAD, GET' } : {}),
      Connection: 'close',
    },
    body,
  };
}

/** The same, as raw bytes for a socket no response object exists for. */
export function rawNodeLevelResponse(failure: NodeLevelFailure, instance: string, requestId: string): string {
  const { headers, body } = nodeLevelResponse(failure, instance, requestId);
  return [
    `HTTP/1.1 ${failure.status} ${failure.title}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    body,
  ].join('\r\n');
}
