import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { DatasetId } from '@vitibrasil/core';
import { ApiNetworkError, ApiStatusError } from './errors.js';

/** One dataset's rows as the API served them: NDJSON, one tidy row per line. */
export interface RowsResponse {
  readonly url: string;
  readonly body: Buffer;
  /** Attempts it took, the successful one included. */
  readonly attempts: number;
}

export interface ApiClient {
  fetchRows(dataset: DatasetId): Promise<RowsResponse>;
  close(): Promise<void>;
}

export interface RetryNotice {
  readonly url: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  /** Connections opened to the API at most. */
  readonly concurrency: number;
  /** Per attempt, wall clock: connecting, TLS, the response headers and the whole body. */
  readonly timeoutMs: number;
  /** Largest body accepted (a Lambda's memory is small); larger is a permanent failure. */
  readonly maxBodyBytes?: number;
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** First backoff step; doubles each attempt, with full jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** 408, 429 and server errors are worth another attempt; 501 and 505 (the server cannot do it) are not. */
const isRetryableStatus = (status: number) =>
  status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);

/**
 * Failures another attempt cannot fix: a header value Node refuses (a bad API key), a certificate the client
 * rejects, a body too large or in an encoding we did not ask for.
 */
const PERMANENT_CAUSES = new Set([
  'ERR_INVALID_CHAR',
  'ERR_INVALID_URL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_CONTENT_ENCODING',
]);
const isPermanent = (cause: unknown) =>
  typeof cause === 'object' && cause !== null && 'code' in cause && PERMANENT_CAUSES.has(String(cause.code));

/** The response cannot be accepted as a complete NDJSON body. */
class ResponseError extends Error {
  constructor(
    readonly code: 'BODY_TOO_LARGE' | 'UNSUPPORTED_CONTENT_ENCODING' | 'UNFRAMED_BODY' | 'NO_RESPONSE',
    message: string,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

/** Characters of an error response's body kept in the error message. */
const DETAIL_CHARS = 300;

// RFC 9110 §5.6.7 IMF-fixdate, the only date form a server may send; anything else is not a Retry-After.
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Milliseconds to wait from a Retry-After header (delta-seconds or IMF-fixdate), or null when it is absent or
 * malformed, so that the normal backoff applies rather than no wait at all.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | null {
  const header = (Array.isArray(value) ? value[0] : value)?.trim();
  if (header === undefined || header === '') return null;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  if (!IMF_FIXDATE.test(header)) return null;
  return Math.max(0, Date.parse(header) - now);
}

type Attempt =
  | { readonly ok: true; readonly body: Buffer }
  | {
      readonly ok: false;
      readonly status: number;
      readonly detail: string;
      readonly retryAfterMs: number | null;
    }
  | { readonly ok: false; readonly status: null; readonly cause: unknown };

/** The attempt did not complete (connect, TLS, headers and whole body) within the per-attempt timeout. */
class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(timeoutMs: number) {
    super(`request timeout: the API did not deliver the whole response within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * HTTP client for `GET /v1/datasets/{id}/rows?format=ndjson`: a bounded keep-alive connection pool,
 * per-attempt timeouts, and retries with exponential backoff and full jitter on network errors, 408, 429
 * and 5xx (a Retry-After header sets the wait instead). Built on `node:http`/`node:https` rather than
 * undici: loading undici alone costs about 18 MB of RSS, a seventh of the 128 MB Lambda the ingester runs in.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const {
    baseUrl,
    apiKey,
    concurrency,
    timeoutMs,
    maxAttempts,
    baseDelayMs = 250,
    maxDelayMs = 10_000,
    maxRetryAfterMs = 60_000,
    maxBodyBytes = 32 * 1024 * 1024,
    sleep = (ms: number) => delay(ms),
    random = Math.random,
    onRetry,
  } = options;
  const secure = new URL(baseUrl).protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency })
    : new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const send = secure ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { accept: 'application/x-ndjson' };
  if (apiKey) headers['x-api-key'] = apiKey;

  function attempt(url: string): Promise<Attempt> {
    return new Promise<Attempt>((resolve) => {
      let timedOut = false;
      // Once the response has started, a failure is settled by the body reader, not here.
      let responded = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (result: Attempt) => {
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (cause: unknown) => settle({ ok: false, status: null, cause });
      let req: ClientRequest;
      try {
        req = send(url, { method: 'GET', headers, agent }, (res) => {
          responded = true;
          readResponse(res, () => timedOut).then(settle, (error: unknown) => {
            res.destroy();
            fail(error);
          });
        });
      } catch (error) {
        // e.g. an API key Node refuses as a header value: a failed attempt, like any other.
        fail(error);
        return;
      }
      // One wall-clock deadline per attempt: an idle timer alone lets a server that trickles bytes, or a
      // stalled TLS handshake, hold the request far longer.
      timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new RequestTimeoutError(timeoutMs));
      }, timeoutMs);
      req.on('error', (error) => {
        if (!responded) fail(timedOut ? new RequestTimeoutError(timeoutMs) : error);
      });
      // A connection can end with neither a response nor an error (an unrequested 101 Switching Protocols).
      req.on('close', () => {
        if (!responded) fail(new ResponseError('NO_RESPONSE', 'the connection closed without a response'));
      });
      req.end();
    });
  }

  async function readResponse(res: IncomingMessage, timedOut: () => boolean): Promise<Attempt> {
    const status = res.statusCode ?? 0;
    if (status === 200) {
      try {
        return { ok: true, body: await readBody(res, maxBodyBytes) };
      } catch (error) {
        // The socket holds an unread or broken body: never hand it back to the pool.
        res.destroy();
        // Destroying the request on timeout surfaces here as a bare `aborted`: report the real reason.
        return { ok: false, status: null, cause: timedOut() ? new RequestTimeoutError(timeoutMs) : error };
      }
    }
    const detail = await readPrefix(res, DETAIL_CHARS * 4).then(
      (bytes) => bytes.toString('utf8').slice(0, DETAIL_CHARS).trim(),
      () => '',
    );
    return { ok: false, status, detail, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  }

  async function fetchRows(dataset: DatasetId): Promise<RowsResponse> {
    const url = `${baseUrl}/v1/datasets/${encodeURIComponent(dataset)}/rows?format=ndjson`;
    for (let n = 1; ; n++) {
      const result = await attempt(url);
      if (result.ok) return { url, body: result.body, attempts: n };
      const failure =
        result.status === null
          ? new ApiNetworkError(url, n, result.cause)
          : new ApiStatusError(url, result.status, n, result.detail);
      const retryable =
        result.status === null ? !isPermanent(result.cause) : isRetryableStatus(result.status);
      if (n >= maxAttempts || !retryable) throw failure;
      const backoff = Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1)) * random());
      const delayMs = (result.status !== null ? result.retryAfterMs : null) ?? backoff;
      if (delayMs > maxRetryAfterMs) throw failure;
      onRetry?.({ url, attempt: n, delayMs, reason: failure.message });
      await sleep(delayMs);
    }
  }

  return {
    fetchRows,
    close: async () => {
      agent.destroy();
    },
  };
}

/**
 * The whole body in one Buffer, refused unless it is provably complete and plain: framed by Content-Length
 * or chunked encoding (a body only the connection's end delimits could be cut on a line boundary and still
 * parse), not encoded (we never ask for compression), and within `maxBytes`. With a Content-Length the Buffer
 * is allocated once and filled as chunks arrive, so the body is never held twice.
 */
async function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = res.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new ResponseError(
      'UNSUPPORTED_CONTENT_ENCODING',
      `the body is ${encoding}-encoded; none was asked for`,
    );
  }
  const tooLarge = () => new ResponseError('BODY_TOO_LARGE', `the body exceeds ${maxBytes} bytes`);
  const lengthHeader = res.headers['content-length'];
  if (lengthHeader !== undefined) {
    const declared = Number(lengthHeader);
    if (!Number.isSafeInteger(declared) || declared < 0)
      throw new Error(`invalid Content-Length ${lengthHeader}`);
    if (declared > maxBytes) throw tooLarge();
    const body = Buffer.allocUnsafeSlow(declared);
    let filled = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      // Node's parser never delivers more than Content-Length bytes.
      filled += chunk.copy(body, filled);
    }
    // Unfilled bytes of an unsafe allocation are garbage: never hand them on as rows.
    if (filled !== declared) throw new Error(`body ended after ${filled} of ${declared} bytes`);
    return body;
  }
  if (!/\bchunked\b/i.test(String(res.headers['transfer-encoding'] ?? ''))) {
    throw new ResponseError('UNFRAMED_BODY', 'the body has neither Content-Length nor chunked encoding');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The first `limit` bytes of a body; the rest is read and dropped so the connection can be reused. */
async function readPrefix(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (kept < limit) {
      chunks.push(chunk.subarray(0, limit - kept));
      kept += Math.min(chunk.length, limit - kept);
    }
  }
  return Buffer.concat(chunks);
}
