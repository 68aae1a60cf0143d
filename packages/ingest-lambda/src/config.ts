import { DATASET_IDS, type DatasetId, isDatasetId } from '@vitibrasil/core';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** Environment variables the ingester reads; every one is optional. */
export const CONFIG_KEYS = [
  'API_BASE_URL',
  'API_KEY',
  'API_KEY_PARAMETER',
  'LAKE_URI',
  'PROCESSING_DATE',
  'DATASETS',
  'AWS_REGION',
  'S3_ENDPOINT',
  'RAW',
  'CONCURRENCY',
  'REQUEST_TIMEOUT_MS',
  'MAX_ATTEMPTS',
  'MIN_ROW_RATIO',
  'LOG_LEVEL',
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** `YYYY-MM-DD` that is also a real calendar day. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const ConfigSchema = z
  .object({
    API_BASE_URL: httpUrl
      // Credentials in the URL would end up in error messages, logs and the run log: the key goes in API_KEY.
      .refine(
        (url) => !new URL(url).username && !new URL(url).password,
        'must not contain credentials; use API_KEY',
      )
      .default('http://127.0.0.1:3000')
      .transform((url) => url.replace(/\/+$/, '')),
    API_KEY: z.string().optional(),
    API_KEY_PARAMETER: z
      .string()
      .regex(/^(\/[\w.-]+)+$|^[\w.-]+$/, 'expected an SSM parameter name such as /vitibrasil/api-keys')
      .optional(),
    LAKE_URI: z.string().min(1).default('./lake'),
    PROCESSING_DATE: z.string().refine(isIsoDate, 'expected a calendar date as YYYY-MM-DD').optional(),
    DATASETS: z
      .string()
      .transform((list, ctx): DatasetId[] => {
        const ids = [
          ...new Set(
            list
              .split(',')
              .map((id) => id.trim())
              .filter((id) => id !== ''),
          ),
        ];
        const unknown = ids.filter((id) => !isDatasetId(id));
        if (unknown.length > 0 || ids.length === 0) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown dataset id(s) ${unknown.join(', ') || '(none given)'}; expected a comma-separated subset of ${DATASET_IDS.join(', ')}`,
          });
          return z.NEVER;
        }
        return DATASET_IDS.filter((id) => ids.includes(id));
      })
      .optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    S3_ENDPOINT: httpUrl.optional(),
    RAW: z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .default('false')
      .transform((flag) => flag === 'true' || flag === '1' || flag === 'yes'),
    CONCURRENCY: integer(1, 15).default(4),
    REQUEST_TIMEOUT_MS: integer(100, 900_000).default(30_000),
    MAX_ATTEMPTS: integer(1, 10).default(4),
    MIN_ROW_RATIO: z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a number from 0 to 1')
      .transform(Number)
      .default(0.5),
    LOG_LEVEL: z
      .string()
      .transform((level) => level.toUpperCase())
      .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }))
      .default('INFO'),
  })
  .refine((c) => !(c.API_KEY && c.API_KEY_PARAMETER), {
    message: 'set either API_KEY or API_KEY_PARAMETER, not both',
    path: ['API_KEY_PARAMETER'],
  });

export interface IngestConfig {
  /** Base URL of the API, without a trailing slash. */
  readonly apiBaseUrl: string;
  /** Sent as `x-api-key` when set. */
  readonly apiKey: string | undefined;
  /** SSM parameter holding the key (its first comma-separated entry), read at run time instead of API_KEY. */
  readonly apiKeyParameter: string | undefined;
  /** `s3://bucket/prefix`, `file://` URL or local path. */
  readonly lakeUri: string;
  /** Overrides the date taken from the event time. */
  readonly processingDate: string | undefined;
  /** Datasets to ingest, in catalog order. */
  readonly datasets: readonly DatasetId[];
  readonly awsRegion: string;
  /** S3-compatible endpoint (MinIO, LocalStack, s3rver): path-style addressing. */
  readonly s3Endpoint: string | undefined;
  /** Also keep the API's NDJSON, gzip, under `raw/`. */
  readonly keepRaw: boolean;
  /** Datasets fetched and written at the same time. */
  readonly concurrency: number;
  /** Per attempt: time to the response headers, and the longest pause inside the body. */
  readonly requestTimeoutMs: number;
  /** Attempts per dataset request, the first included. */
  readonly maxAttempts: number;
  /** A dataset whose row count falls below this share of the previous manifest's is not replaced. */
  readonly minRowRatio: number;
  readonly logLevel: LogLevelName;
}

/**
 * Reads the configuration from environment variables. Empty strings count as unset, so every variable
 * can be blanked out. Throws a ConfigError naming each offending variable.
 */
export function loadConfig(env: Env): IngestConfig {
  const input: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key]?.trim();
    if (value) input[key] = value;
  }
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '(config)');
        const shown =
          key === 'API_KEY' || !(key in input) ? '' : ` (got ${JSON.stringify(input[key as ConfigKey])})`;
        return `${key}: ${issue.message}${shown}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    apiBaseUrl: c.API_BASE_URL,
    apiKey: c.API_KEY,
    apiKeyParameter: c.API_KEY_PARAMETER,
    lakeUri: c.LAKE_URI,
    processingDate: c.PROCESSING_DATE,
    datasets: c.DATASETS ?? DATASET_IDS,
    awsRegion: c.AWS_REGION,
    s3Endpoint: c.S3_ENDPOINT,
    keepRaw: c.RAW,
    concurrency: c.CONCURRENCY,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    maxAttempts: c.MAX_ATTEMPTS,
    minRowRatio: c.MIN_ROW_RATIO,
    logLevel: c.LOG_LEVEL,
  };
}
