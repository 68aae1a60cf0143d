import type { DatasetId, RowsByIndex } from '@vitibrasil/core';
import { LakeError } from './errors.js';
import type { Destination } from './lake/destination.js';
import { lakeLayout } from './layout.js';
import { readComparedRows } from './parquet-reader.js';

/** The dataset's curated partition a run compares its rows with, as stored (Parquet bytes). */
export interface PreviousPartition {
  /** Its processing date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** A previous partition read back: its date and its rows. */
export interface ComparedPartition {
  readonly date: string;
  readonly rows: RowsByIndex;
}

const PARTITION = /^processing_date=(\d{4}-\d{2}-\d{2})\//;

/**
 * The dataset's latest curated partition dated before `date`; null when there is none (the dataset's first run).
 * Earlier, not merely latest: re-running a date compares with the same partition as the first run of that date
 * did, so the revisions it writes are the same. Throws LakeError('LAKE_READ').
 */
export async function fetchPreviousPartition(
  destination: Destination,
  dataset: DatasetId,
  date: string,
): Promise<PreviousPartition | null> {
  const prefix = lakeLayout.curatedDatasetPrefix(dataset);
  let previous: string | null = null;
  for (const key of await destination.list(prefix)) {
    const found = PARTITION.exec(key.slice(prefix.length))?.[1];
    if (found === undefined || found >= date || key !== lakeLayout.curatedKey(dataset, found)) continue;
    if (previous === null || found > previous) previous = found;
  }
  if (previous === null) return null;
  const key = lakeLayout.curatedKey(dataset, previous);
  const bytes = await destination.get(key);
  if (bytes === null) throw new LakeError('LAKE_READ', key, new Error('listed, then gone'));
  return { date: previous, key, bytes };
}

/**
 * Decodes a previous partition's rows. Done only when they are about to be compared: a run keeps the compressed
 * bytes of several datasets while the API answers, and the decoded rows of one at a time. Throws LakeError.
 */
export async function readPreviousRows(
  dataset: DatasetId,
  partition: PreviousPartition,
): Promise<ComparedPartition> {
  try {
    return { date: partition.date, rows: await readComparedRows(dataset, partition.bytes) };
  } catch (error) {
    throw new LakeError('LAKE_READ', partition.key, error);
  }
}
