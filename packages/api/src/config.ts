import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DEFAULT_SHAPE_LIMITS } from './reader/shape-limits.js';
import type { ReaderLimits } from './reader/worker/isolated-reader.js';

// zod compiles each object schema into a function (new Function) at its first parse. The API parses its schemas
// a few times each (this configuration once, a query's parameters once per request), where compiling costs more
// than it saves: some 5 ms of a cold start here against a few microseconds per request. Set for the process,
// before any parse; results are the same either way.
z.config({ jitless: true });

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const boolean = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');
/** The repository's data/vitibrasil (this module runs from packages/api/src or packages/api/dist). */
const REPOSITORY_BUNDLE = fileURLToPath(new URL('../../../data/vitibrasil/', import.meta.url));
const commaList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Every environment variable the API reads, with its default. README's configuration table mirrors this. */
export const ApiConfigSchema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    UPSTREAM_BASE_URL: z
      .url({ protocol: /^https?$/ })
      // The URL is published in the catalog and in error messages: no credentials in it.
      .refine((url) => !new URL(url).username && !new URL(url).password, 'must not contain credentials')
      .default('http://vitibrasil.cnpuv.embrapa.br/download/')
      // Relative file names resolve under the folder only when the base ends with a slash.
      .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
    CACHE_DIR: z.string().min(1).default('.cache/vitibrasil'),
    /** Set: the last good copies live in S3 instead of CACHE_DIR (Lambda, whose disk vanishes with the instance). */
    CACHE_S3_URI: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
        'expected s3://bucket/prefix/ (a bucket name in lower case)',
      )
      .transform((uri) => {
        const [bucket = '', ...rest] = uri.slice('s3://'.length).split('/');
        const path = rest.join('/').replace(/^\/+|\/+$/g, '');
        return { bucket, prefix: path ? `${path}/` : '' };
      })
      .optional(),
    /** S3-compatible endpoint for CACHE_S3_URI (s3rver, MinIO, LocalStack), path-style; unset on AWS. */
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** The last resort when the upstream fails and nothing is held; false: a 503 then. */
    BUNDLED_SNAPSHOT: boolean.default(true),
    /** Folder with the bundled files and their snapshot.json (a Lambda package carries its own copy). */
    BUNDLED_SNAPSHOT_DIR: z.string().min(1).default(REPOSITORY_BUNDLE),
    CACHE_TTL_SECONDS: positiveInt.default(21_600),
    BODY_CACHE_MB: positiveInt.max(4096).default(32),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    UPSTREAM_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
    UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
    UPSTREAM_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
    /** Shape limits of one file, checked before its cells are parsed: past them it is refused as suspicious. */
    UPSTREAM_MAX_COLUMNS: positiveInt.default(DEFAULT_SHAPE_LIMITS.maxColumns),
    UPSTREAM_MAX_ROWS: positiveInt.default(DEFAULT_SHAPE_LIMITS.maxRows),
    UPSTREAM_MAX_CELLS: positiveInt.default(DEFAULT_SHAPE_LIMITS.maxCells),
    UPSTREAM_MAX_CELL_LENGTH: positiveInt.default(DEFAULT_SHAPE_LIMITS.maxCellLength),
    UPSTREAM_MAX_TIDY_TEXT: positiveInt.default(DEFAULT_SHAPE_LIMITS.maxTidyText),
    /** Heap of the worker thread that reads files; a file needing more costs the worker, not the process. */
    READER_HEAP_MB: positiveInt.min(16).max(4096).default(256),
    READER_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
    /** Refreshes serving the same file, far smaller than the copy held, before it is accepted (1: at once)… */
    ROW_GUARD_REFRESHES: positiveInt.max(1000).default(3),
    /** …and the least time since the first of them: both are required. 0: the refreshes alone. */
    ROW_GUARD_CONFIRM_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(31 * 86_400)
      .default(3_600),
    /** Unset: the API is open. Keys are secrets: never logged, compared by digest in constant time. */
    API_KEYS: z
      .string()
      .transform(commaList)
      .pipe(
        z
          .array(
            z
              .string()
              .min(16, 'each key must have at least 16 characters')
              .regex(/^[\x21-\x7e]+$/, 'keys are printable ASCII without spaces'),
          )
          .min(1, 'must list at least one key when set'),
      )
      .optional(),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    /** `*` for any origin; unset: no CORS headers (browsers on other origins are refused). */
    CORS_ORIGINS: z
      .string()
      .transform(commaList)
      .pipe(
        z.array(
          z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)]),
        ),
      )
      .default([]),
    REQUEST_TIMEOUT_MS: positiveInt.max(300_000).default(30_000),
    MAX_QUERY_LENGTH: positiveInt.max(65_536).default(2048),
    /** Trust X-Forwarded-For / -Proto: only behind a proxy that sets them, or clients can pick their rate-limit key. */
    TRUST_PROXY: boolean.default(false),
  })
  .refine((config) => config.REQUEST_TIMEOUT_MS > config.UPSTREAM_TIMEOUT_MS, {
    message: 'must be greater than UPSTREAM_TIMEOUT_MS, or a request waiting for the upstream is cut short',
    path: ['REQUEST_TIMEOUT_MS'],
  })
  // A request with nothing cached waits for the fetch, then for the read of the file in the worker (or, the upstream
  // failing, for the bundled file's read, which may wait for the file being read): budgets that cannot hold both
  // would answer 503 while the work is still within its own limits.
  .refine((config) => config.REQUEST_TIMEOUT_MS > config.UPSTREAM_TIMEOUT_MS + config.READER_TIMEOUT_MS, {
    message:
      'must be greater than UPSTREAM_TIMEOUT_MS + READER_TIMEOUT_MS, or a request waiting for a fetch and the read ' +
      'of the file is cut short',
    path: ['REQUEST_TIMEOUT_MS'],
  });

export type ApiConfig = z.infer<typeof ApiConfigSchema>;

/** Reads the configuration from an environment; empty strings count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ApiConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ApiConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = ApiConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The reader's limits (its worker's heap and deadline, the shape of a file it accepts) from the configuration. */
export function readerLimits(config: ApiConfig): ReaderLimits {
  return {
    maxColumns: config.UPSTREAM_MAX_COLUMNS,
    maxRows: config.UPSTREAM_MAX_ROWS,
    maxCells: config.UPSTREAM_MAX_CELLS,
    maxCellLength: config.UPSTREAM_MAX_CELL_LENGTH,
    maxTidyText: config.UPSTREAM_MAX_TIDY_TEXT,
    heapMb: config.READER_HEAP_MB,
    timeoutMs: config.READER_TIMEOUT_MS,
  };
}
