export {
  type ApiClient,
  type ApiClientOptions,
  createApiClient,
  parseRetryAfter,
  type RowsResponse,
} from './api-client.js';
export { progressLine, runCli, summaryTable } from './cli.js';
export { CONFIG_KEYS, type Env, type IngestConfig, isIsoDate, loadConfig } from './config.js';
export * from './errors.js';
export { checkRowCount } from './guard.js';
export {
  createHandler,
  eventProcessingDate,
  type HandlerResult,
  handler,
  LAMBDA_CONCURRENCY,
  LAMBDA_NODE_OPTIONS,
} from './handler.js';
export { type IngestOptions, ingestWithConfig } from './ingest.js';
export type { Destination, LakeLocation } from './lake/destination.js';
export { LocalDestination } from './lake/local.js';
export { openDestination, parseLakeUri } from './lake/open.js';
export type { S3DestinationOptions } from './lake/s3.js';
export { LAKE_FOLDERS, lakeLayout } from './layout.js';
export { createLogger, SERVICE_NAME } from './logger.js';
export {
  type FailedEntry,
  type LatestManifest,
  MANIFEST_VERSION,
  type RunManifest,
  readLatestManifest,
  type WrittenEntry,
} from './manifest.js';
export { parseRows } from './ndjson.js';
export {
  type ColumnKind,
  encodeParquet,
  PARQUET_COLUMNS,
  PARQUET_SCHEMA_VERSION,
  type ParquetColumn,
  QUALITY_PARQUET_COLUMNS,
  REVISIONS_PARQUET_COLUMNS,
} from './parquet.js';
export { newRunId, PROCESSING_TIME_ZONE, processingDateOf } from './processing-date.js';
export {
  type DatasetResult,
  type FailureRecord,
  type RevisionsResult,
  RUN_FINISHED,
  type RunFinishedFields,
  type RunResult,
} from './results.js';
export { PARQUET_CONTENT_TYPE, type RunDependencies, type RunOptions, runIngest } from './run.js';
export type { RunLogLine } from './run-log.js';
export {
  parseScheduledInput,
  type ScheduledInput,
  ScheduledInputSchema,
  type ScheduleInputTemplate,
} from './scheduled-input.js';
