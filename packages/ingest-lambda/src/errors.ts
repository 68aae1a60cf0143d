/**
 * Every failure the ingester reports is one of these classes: a stable `code` for logs, the run log and
 * the manifest, a human message, and the underlying `cause` when there is one.
 */

export type IngestErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'API_KEY_UNAVAILABLE'
  | 'API_HTTP_STATUS'
  | 'API_NETWORK'
  | 'ROWS_INVALID'
  | 'ROWS_EMPTY'
  | 'ROWS_DROPPED'
  | 'LAKE_WRITE'
  | 'LAKE_READ'
  | 'RUN_FAILED';

export class IngestError extends Error {
  readonly code: IngestErrorCode;

  constructor(code: IngestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An environment variable or command-line option has an unusable value. */
export class ConfigError extends IngestError {
  /** One entry per offending variable, e.g. `PROCESSING_DATE: expected YYYY-MM-DD`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The function was invoked with an input that is not what the schedule sends. */
export class InvalidInputError extends IngestError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'INPUT_INVALID',
      `invalid invocation input: ${problems.join('; ')}; expected {"time": "<ISO 8601 time>", …} as the ` +
        'schedule sends it, or an EventBridge event',
    );
    this.problems = problems;
  }
}

/** API_KEY_PARAMETER is set but its value could not be read (SSM unreachable, access denied, empty). */
export class ApiKeyUnavailableError extends IngestError {
  constructor(parameter: string, cause: unknown) {
    super(
      'API_KEY_UNAVAILABLE',
      `could not read the API key from SSM parameter ${parameter}: ${describeCause(cause)}`,
      {
        cause,
      },
    );
  }
}

/** The API answered with a status that is not 200 (after retries, when the status was retryable). */
export class ApiStatusError extends IngestError {
  readonly status: number;
  readonly url: string;
  readonly attempts: number;

  constructor(url: string, status: number, attempts: number, detail: string) {
    super(
      'API_HTTP_STATUS',
      `GET ${url} answered ${status} after ${attempts} attempt(s)${detail ? `: ${detail}` : ''}`,
    );
    this.status = status;
    this.url = url;
    this.attempts = attempts;
  }
}

/** The API could not be reached or the response broke off (connection refused, reset, timeout). */
export class ApiNetworkError extends IngestError {
  readonly url: string;
  readonly attempts: number;

  constructor(url: string, attempts: number, cause: unknown) {
    super('API_NETWORK', `GET ${url} failed after ${attempts} attempt(s): ${describeCause(cause)}`, {
      cause,
    });
    this.url = url;
    this.attempts = attempts;
  }
}

export interface RowIssue {
  /** 1-based line number in the NDJSON body. */
  readonly line: number;
  readonly message: string;
}

/** At least one line of a dataset's NDJSON is not valid JSON or does not match the tidy row schema. */
export class RowValidationError extends IngestError {
  readonly invalidRows: number;
  /** The first few problems, enough to find the cause without flooding the log. */
  readonly issues: readonly RowIssue[];

  constructor(dataset: string, invalidRows: number, totalRows: number, issues: readonly RowIssue[]) {
    const first = issues[0];
    super(
      'ROWS_INVALID',
      `${dataset}: ${invalidRows} of ${totalRows} row(s) failed validation` +
        (first ? ` (first at line ${first.line}: ${first.message})` : ''),
    );
    this.invalidRows = invalidRows;
    this.issues = issues;
  }
}

/** The row-count guard refused to replace a dataset: it validated no rows, or far fewer than last time. */
export class RowCountGuardError extends IngestError {
  readonly rows: number;
  readonly previousRows: number | null;

  constructor(
    code: 'ROWS_EMPTY' | 'ROWS_DROPPED',
    message: string,
    rows: number,
    previousRows: number | null,
  ) {
    super(code, message);
    this.rows = rows;
    this.previousRows = previousRows;
  }
}

/** Writing to, reading from or listing the lake failed. */
export class LakeError extends IngestError {
  readonly key: string;

  constructor(code: 'LAKE_WRITE' | 'LAKE_READ', key: string, cause: unknown) {
    super(code, `${code === 'LAKE_WRITE' ? 'writing' : 'reading'} ${key} failed: ${describeCause(cause)}`, {
      cause,
    });
    this.key = key;
  }
}

/** Thrown at the end of a run in which any dataset failed, after everything else was written. */
export class RunFailedError extends IngestError {
  readonly runId: string;
  readonly failedDatasets: readonly string[];

  constructor(runId: string, failedDatasets: readonly string[], detail: string) {
    super('RUN_FAILED', `run ${runId} failed for ${failedDatasets.length} dataset(s): ${detail}`);
    this.runId = runId;
    this.failedDatasets = failedDatasets;
  }
}

/** A one-line description of any thrown value, including the code Node puts on system errors. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code} ${cause.message}`
      : cause.message;
  }
  return String(cause);
}

/** The `{ code, message }` pair the run log and the manifest record for a failure. */
export function errorSummary(error: unknown): { code: string; message: string } {
  if (error instanceof IngestError) return { code: error.code, message: error.message };
  return { code: 'UNEXPECTED', message: describeCause(error) };
}
