/**
 * Every failure the service models. Each carries a stable `code`; those that can reach a client also carry the
 * HTTP `status` and a `title`, and the HTTP edge turns them into problem+json (RFC 9457) in one place.
 */

export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra members for the problem document. */
  extensions(): Record<string, unknown> {
    return {};
  }
  /** Response headers the failure implies (`Retry-After`, `WWW-Authenticate`). */
  responseHeaders(): Record<string, string> {
    return {};
  }
}

/** A query parameter, path segment or header the client sent is not acceptable. */
export class InvalidParameter extends AppError {
  readonly code = 'INVALID_PARAMETER';
  readonly status = 400;
  readonly title = 'Invalid request parameter';
  constructor(readonly params: readonly InvalidParam[]) {
    super(params.map((p) => `${p.name}: ${p.reason}`).join('; '));
  }
  override extensions() {
    return { invalid_params: this.params };
  }
}

export class UnknownDataset extends AppError {
  readonly code = 'UNKNOWN_DATASET';
  readonly status = 404;
  readonly title = 'Unknown dataset';
  constructor(
    readonly dataset: string,
    readonly validValues: readonly string[],
  ) {
    super(`dataset '${dataset}' does not exist; valid values: ${validValues.join(', ')}`);
  }
  override extensions() {
    return { valid_values: this.validValues };
  }
}

export class UnknownTipo extends AppError {
  readonly code = 'UNKNOWN_TIPO';
  readonly status = 404;
  readonly title = 'Unknown tipo';
  constructor(
    readonly tipo: string,
    readonly validValues: readonly string[],
  ) {
    super(`tipo '${tipo}' does not exist here; valid values: ${validValues.join(', ')}`);
  }
  override extensions() {
    return { valid_values: this.validValues };
  }
}

export class RouteNotFound extends AppError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly title = 'Not found';
}

export class MethodNotAllowed extends AppError {
  readonly code = 'METHOD_NOT_ALLOWED';
  readonly status = 405;
  readonly title = 'Method not allowed';
}

/** Revisions asked for a dataset of which this process holds one version only. */
export class NoPreviousVersion extends AppError {
  readonly code = 'NO_PREVIOUS_VERSION';
  readonly status = 404;
  readonly title = 'No previous version held';
  constructor(
    readonly dataset: string,
    readonly contentHash: string,
  ) {
    super(
      `no earlier version of '${dataset}' is held: since it started, this server has read only version ` +
        `${contentHash.slice(0, 12)}. Revisions appear once the upstream publishes a new version; the lake's ` +
        'revisions/ table keeps them across restarts.',
    );
  }
}

/** The client accepts none of the media types a route can send. */
export class NotAcceptable extends AppError {
  readonly code = 'NOT_ACCEPTABLE';
  readonly status = 406;
  readonly title = 'Not acceptable';
  constructor(readonly available: readonly string[]) {
    super(`this route sends ${available.join(' or ')}; the Accept header allows none of them`);
  }
  override extensions() {
    return { valid_values: this.available };
  }
}

/** The data changed between two pages of the same query: the client restarts from the first page. */
export class StaleCursor extends AppError {
  readonly code = 'STALE_CURSOR';
  readonly status = 409;
  readonly title = 'The data changed since the first page';
}

/** Nothing is cached for a dataset and the upstream cannot deliver it now. */
export class UpstreamUnavailable extends AppError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  readonly status = 503;
  readonly title = 'Upstream unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  override responseHeaders() {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** No API key, or one that is not configured, on a route that requires one. */
export class Unauthorized extends AppError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
  readonly title = 'API key required';
  constructor(readonly reason: 'missing' | 'invalid') {
    super(
      reason === 'missing'
        ? 'this route requires an API key: send it as x-api-key or Authorization: Bearer <key>'
        : 'the API key is not valid',
    );
  }
  override responseHeaders() {
    // RFC 6750: a request without credentials gets the challenge alone; a rejected one says why.
    return {
      'WWW-Authenticate':
        this.reason === 'missing'
          ? 'Bearer realm="vitibrasil"'
          : 'Bearer realm="vitibrasil", error="invalid_token"',
    };
  }
}

/** The client made more requests in the window than RATE_LIMIT_PER_MINUTE allows. */
export class RateLimited extends AppError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  readonly title = 'Too many requests';
  constructor(
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`more than ${limit} requests per minute; retry in ${retryAfterSeconds} s`);
  }
  override extensions() {
    return { retry_after_seconds: this.retryAfterSeconds };
  }
  override responseHeaders() {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** The query string is longer than MAX_QUERY_LENGTH. */
export class UriTooLong extends AppError {
  readonly code = 'URI_TOO_LONG';
  readonly status = 414;
  readonly title = 'Query string too long';
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`the query string has ${length} characters; at most ${limit} are accepted`);
  }
}

/** The request did not complete within REQUEST_TIMEOUT_MS (typically a slow upstream and nothing cached). */
export class RequestTimeout extends AppError {
  readonly code = 'REQUEST_TIMEOUT';
  readonly status = 503;
  readonly title = 'Request timed out';
  constructor(readonly timeoutMs: number) {
    super(`the request did not complete within ${timeoutMs} ms; retry later`);
  }
  override responseHeaders() {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.timeoutMs / 1000))) };
  }
}

// Failures of the upstream that never reach a client directly: the cache keeps the last good copy,
// logs them, and only wraps them in UpstreamUnavailable when it has nothing to serve.

/** The upstream answered with an HTTP status that is not 200/304. */
export class UpstreamHttpError extends Error {
  readonly code = 'UPSTREAM_HTTP_ERROR';
  constructor(
    readonly url: string,
    readonly statusCode: number,
  ) {
    super(`upstream answered ${statusCode} for ${url}`);
  }
  get retryable(): boolean {
    return this.statusCode >= 500 || this.statusCode === 429;
  }
}

/** The connection failed, stalled or exceeded the deadline. */
export class UpstreamNetworkError extends Error {
  readonly code = 'UPSTREAM_NETWORK_ERROR';
  constructor(
    readonly url: string,
    options: { cause: unknown },
  ) {
    super(`upstream request to ${url} failed: ${describeCause(options.cause)}`, options);
  }
}

export class UpstreamTooLarge extends Error {
  readonly code = 'UPSTREAM_TOO_LARGE';
  constructor(
    readonly url: string,
    readonly limitBytes: number,
  ) {
    super(`upstream body for ${url} exceeds ${limitBytes} bytes`);
  }
}

/** The bytes are not a well-formed file of the expected family (HTML page, empty, wrong header, ragged rows…). */
export class MalformedUpstreamFile extends Error {
  readonly code = 'MALFORMED_UPSTREAM_FILE';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * A file beyond the reader's shape limits (columns, rows, cells), or implausible next to the last good copy (far
 * fewer rows).
 */
export class SuspiciousUpstreamFile extends Error {
  readonly code = 'SUSPICIOUS_UPSTREAM_FILE';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

// The reader runs in a worker thread with a heap cap and a deadline: a file that exhausts either costs the worker,
// which is replaced, never the process. The file is then treated like a malformed one.

/** Reading the file needed more than READER_HEAP_MB of heap. */
export class ReaderOutOfMemory extends Error {
  readonly code = 'READER_OUT_OF_MEMORY';
  constructor(
    readonly file: string,
    readonly heapMb: number,
  ) {
    super(`${file}: reading it needed more than the reader's ${heapMb} MB heap`);
  }
}

/** Reading the file took longer than READER_TIMEOUT_MS. */
export class ReaderTimedOut extends Error {
  readonly code = 'READER_TIMEOUT';
  constructor(
    readonly file: string,
    readonly timeoutMs: number,
  ) {
    super(`${file}: reading it took longer than ${timeoutMs} ms`);
  }
}

/** The reader's worker failed otherwise (it could not start, or exited or threw unexpectedly). */
export class ReaderCrashed extends Error {
  readonly code = 'READER_CRASHED';
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`${file}: the reader's worker failed: ${describeCause(options.cause)}`, options);
  }
}

/** The bundled snapshot cannot serve a file: its manifest is missing or invalid, or a file does not match it. */
export class BundledSnapshotInvalid extends Error {
  readonly code = 'BUNDLED_SNAPSHOT_INVALID';
  constructor(
    readonly dir: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`bundled snapshot at ${dir}: ${reason}`, options);
  }
}

/** snapshot:update will not replace a folder that is not a bundled snapshot (it would delete what it holds). */
export class SnapshotTargetRefused extends Error {
  readonly code = 'SNAPSHOT_TARGET_REFUSED';
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`refusing to replace ${dir}: ${reason}`);
  }
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_ERROR';
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** A short code for logs and the catalog, whatever was thrown. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'UNEXPECTED';
}
