import { setTimeout as delay } from 'node:timers/promises';
import type { DatasetId } from '@vitibrasil/core';
import { Agent, type Dispatcher, request } from 'undici';
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
  /** Per attempt: time to the response headers, and the longest pause inside the body. */
  readonly timeoutMs: number;
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

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP-date), or null if absent/unparsable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
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

/**
 * HTTP client for `GET /v1/datasets/{id}/rows?format=ndjson`: a bounded connection pool, per-attempt
 * timeouts, and retries with exponential backoff and full jitter on network errors, 408, 429 and 5xx
 * (a Retry-After header sets the wait instead).
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
    sleep = (ms: number) => delay(ms),
    random = Math.random,
    onRetry,
  } = options;
  const dispatcher: Dispatcher = new Agent({
    connections: concurrency,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  const headers: Record<string, string> = { accept: 'application/x-ndjson' };
  if (apiKey) headers['x-api-key'] = apiKey;

  async function attempt(url: string): Promise<Attempt> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: 'GET', headers, dispatcher });
    } catch (cause) {
      return { ok: false, status: null, cause };
    }
    const { statusCode, body } = response;
    if (statusCode === 200) {
      try {
        return { ok: true, body: Buffer.from(await body.arrayBuffer()) };
      } catch (cause) {
        return { ok: false, status: null, cause };
      }
    }
    const detail = await body.text().then(
      (text) => text.slice(0, 300).trim(),
      () => '',
    );
    return {
      ok: false,
      status: statusCode,
      detail,
      retryAfterMs: parseRetryAfter(response.headers['retry-after']),
    };
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
      if (n >= maxAttempts || (result.status !== null && !RETRYABLE_STATUS.has(result.status))) throw failure;
      const backoff = Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1)) * random());
      const delayMs = (result.status !== null ? result.retryAfterMs : null) ?? backoff;
      if (delayMs > maxRetryAfterMs) throw failure;
      onRetry?.({ url, attempt: n, delayMs, reason: failure.message });
      await sleep(delayMs);
    }
  }

  return { fetchRows, close: () => dispatcher.close() };
}
