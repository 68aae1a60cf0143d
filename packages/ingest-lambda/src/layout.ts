import type { DatasetId } from '@vitibrasil/core';

/**
 * The lake's top-level folders (key prefixes under LAKE_URI). The CDK stack scopes the function's S3 permissions,
 * the lifecycle rules and the Glue table location to these.
 */
export const LAKE_FOLDERS = {
  /** Parquet, one object per dataset and processing date: the Glue table's location. */
  curated: 'curated/',
  /** Parquet: rows added, removed and revised since the dataset's previous partition. */
  revisions: 'revisions/',
  /** Parquet: category totals that disagree with their items. */
  quality: 'quality/',
  /** The API's NDJSON, gzip (RAW=true). */
  raw: 'raw/',
  /** Run manifests and `latest.json` (read back by the next run). */
  manifests: 'manifests/',
  /** Run logs (JSON lines). */
  logs: 'logs/',
} as const;

/**
 * Object keys inside the lake, relative to LAKE_URI. Keys are deterministic for a dataset and a processing
 * date, so re-running a date replaces its objects instead of adding to them.
 */
export const lakeLayout = {
  curatedPrefix: (dataset: DatasetId, date: string) =>
    `${LAKE_FOLDERS.curated}dataset=${dataset}/processing_date=${date}/`,
  curatedKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.curatedPrefix(dataset, date)}${dataset}.parquet`,
  /** The dataset's curated partitions, all dates: where the previous partition is looked for. */
  curatedDatasetPrefix: (dataset: DatasetId) => `${LAKE_FOLDERS.curated}dataset=${dataset}/`,
  revisionsPrefix: (dataset: DatasetId, date: string) =>
    `${LAKE_FOLDERS.revisions}dataset=${dataset}/processing_date=${date}/`,
  revisionsKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.revisionsPrefix(dataset, date)}${dataset}.parquet`,
  qualityPrefix: (dataset: DatasetId, date: string) =>
    `${LAKE_FOLDERS.quality}dataset=${dataset}/processing_date=${date}/`,
  qualityKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.qualityPrefix(dataset, date)}${dataset}.parquet`,
  rawPrefix: (dataset: DatasetId, date: string) =>
    `${LAKE_FOLDERS.raw}dataset=${dataset}/processing_date=${date}/`,
  rawKey: (dataset: DatasetId, date: string) => `${lakeLayout.rawPrefix(dataset, date)}${dataset}.ndjson.gz`,
  logKey: (date: string, runId: string) => `${LAKE_FOLDERS.logs}processing_date=${date}/${runId}.jsonl`,
  manifestKey: (date: string, runId: string) =>
    `${LAKE_FOLDERS.manifests}processing_date=${date}/${runId}.json`,
  /** Each dataset's last written object, carried across runs: the baseline of the row-count guard. */
  latestManifestKey: `${LAKE_FOLDERS.manifests}latest.json`,
} as const;
