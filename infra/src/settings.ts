import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** A context value from `-c key=value` is a string, from cdk.json maybe a number: both read alike. */
const days = (min: number, fallback: number) => z.coerce.number().int().min(min).max(3653).default(fallback);

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const isCalendarDate = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

/**
 * What a deployment may change, read from CDK context (`cdk.json` or `-c key=value`), validated before anything
 * is built: a bad value stops the synth with a message naming it. infra/README.md's parameter table mirrors this.
 */
const SettingsSchema = z.object({
  /** EventBridge Scheduler expression of the ingester's runs, in `scheduleTimeZone`. */
  scheduleExpression: z
    .string()
    .regex(
      /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/,
      'expected cron(…) or rate(…) as EventBridge Scheduler takes them',
    )
    .default('cron(0 6 * * ? *)'),
  /** IANA time zone of the schedule; the processing date is always São Paulo's calendar day. */
  scheduleTimeZone: z.string().refine(isTimeZone, 'expected an IANA time zone').default('America/Sao_Paulo'),
  /**
   * SSM parameter (a SecureString, created before deploying) with the API's comma-separated keys; unset: the API
   * is open. The API reads it at init, the ingester at each run, and sends its first key.
   */
  apiKeysParameter: z
    .string()
    .regex(/^(\/[\w.-]+)+$/, 'expected an SSM parameter name such as /vitibrasil/api-keys')
    .optional(),
  /** CloudWatch Logs retention of both functions and of the HTTP API's access logs. */
  logRetentionDays: z.coerce
    .number()
    .refine(
      (value) => RETENTION_DAYS.has(value),
      'expected a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)',
    )
    .default(90),
  /** Lake `raw/` objects expire after this many days (to Standard-IA after 30, Glacier IR after 90 when kept). */
  rawRetentionDays: days(1, 730),
  /** Lake `logs/` (run logs) expire after this many days. */
  runLogRetentionDays: days(1, 365),
  /** Replaced and deleted object versions are kept this long (versioning is on). */
  noncurrentVersionDays: days(1, 30),
  /** Athena query results expire after this many days. */
  athenaResultsRetentionDays: days(1, 7),
  /** The lake bucket's S3 server access logs expire after this many days. */
  accessLogRetentionDays: days(1, 90),
  /** HTTP API stage throttling: steady requests per second, and burst. */
  throttleRateLimit: z.coerce.number().positive().max(10_000).default(50),
  throttleBurstLimit: z.coerce.number().int().positive().max(5_000).default(100),
  /** First processing date Athena projects (`yyyy-MM-dd`); the range ends at NOW. */
  projectionStartDate: z.string().refine(isCalendarDate, 'expected yyyy-MM-dd').default('2025-01-01'),
  /** Athena refuses a query that would scan more (the workgroup's per-query cutoff), in MB. */
  athenaScanCutoffMb: z.coerce.number().int().min(10).max(1_000_000).default(1024),
  /** Subscribed to the alarm topic (confirmation mail from AWS); unset: subscribe yourself. */
  alarmEmail: z.email().optional(),
  /** Memory of the API function, MB (CPU grows with it; see the bundle benchmark). */
  apiMemoryMb: z.coerce.number().int().min(128).max(10_240).default(512),
  /**
   * Memory of the ingester, MB. A run that compares with the previous partition and reads its key from SSM peaks
   * well under 128 MB (bench:bundles, infra/README.md); more memory only buys CPU.
   */
  ingestMemoryMb: z.coerce.number().int().min(128).max(10_240).default(128),
  /** Embrapa's download folder, or a mirror; unset: the API's default. */
  upstreamBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
  glueDatabaseName: z
    .string()
    .regex(/^[a-z0-9_]{1,255}$/, 'lower-case letters, digits and _')
    .default('vitibrasil'),
  athenaWorkGroupName: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,128}$/)
    .default('vitibrasil'),
});

export type Settings = z.infer<typeof SettingsSchema>;
export const SETTING_KEYS = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

export class SettingsError extends Error {}

/** Reads every setting through `lookup` (CDK context); empty strings count as unset. */
export function loadSettings(lookup: (key: string) => unknown): Settings {
  const input: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = lookup(key);
    if (value !== undefined && value !== null && String(value).trim() !== '') {
      input[key] = typeof value === 'string' ? value.trim() : value;
    }
  }
  const parsed = SettingsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new SettingsError(`invalid context:\n${lines.join('\n')}`);
  }
  if (parsed.data.throttleBurstLimit < parsed.data.throttleRateLimit) {
    throw new SettingsError('invalid context:\n  throttleBurstLimit: must be at least throttleRateLimit');
  }
  return parsed.data;
}
