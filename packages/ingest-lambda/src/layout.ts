import type { DatasetId } from '@vitibrasil/core';

/**
 * Object keys inside the lake, relative to LAKE_URI. Keys are deterministic for a dataset and a processing
 * date, so re-running a date replaces its objects instead of adding to them.
 */
export const lakeLayout = {
  curatedPrefix: (dataset: DatasetId, date: string) => `curated/dataset=${dataset}/processing_date=${date}/`,
  curatedKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.curatedPrefix(dataset, date)}${dataset}.parquet`,
  /** The dataset's curated partitions, all dates: where the previous partition is looked for. */
  curatedDatasetPrefix: (dataset: DatasetId) => `curated/dataset=${dataset}/`,
  revisionsPrefix: (dataset: DatasetId, date: string) =>
    `revisions/dataset=${dataset}/processing_date=${date}/`,
  revisionsKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.revisionsPrefix(dataset, date)}${dataset}.parquet`,
  qualityPrefix: (dataset: DatasetId, date: string) => `quality/dataset=${dataset}/processing_date=${date}/`,
  qualityKey: (dataset: DatasetId, date: string) =>
    `${lakeLayout.qualityPrefix(dataset, date)}${dataset}.parquet`,
  rawPrefix: (dataset: DatasetId, date: string) => `raw/dataset=${dataset}/processing_date=${date}/`,
  rawKey: (dataset: DatasetId, date: string) => `${lakeLayout.rawPrefix(dataset, date)}${dataset}.ndjson.gz`,
  logKey: (date: string, runId: string) => `logs/processing_date=${date}/${runId}.jsonl`,
  manifestKey: (date: string, runId: string) => `manifests/processing_date=${date}/${runId}.json`,
  /** Each dataset's last written object, carried across runs: the baseline of the row-count guard. */
  latestManifestKey: 'manifests/latest.json',
} as const;
