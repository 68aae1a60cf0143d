import { DATASET_IDS, type DatasetId } from '@vitibrasil/core';
import { z } from 'zod';
import { IngestError, LakeError } from './errors.js';
import type { Destination } from './lake/destination.js';
import { lakeLayout } from './layout.js';
import { PARQUET_SCHEMA_VERSION } from './parquet.js';
import type { DatasetResult, FailureRecord, RunResult } from './results.js';

export const MANIFEST_VERSION = 1;

const WrittenEntrySchema = z.object({
  outcome: z.literal('written'),
  key: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  schema_version: z.number().int(),
  raw_key: z.string().nullable(),
  run_id: z.string(),
  processing_date: z.string(),
});

/** A dataset's object in a manifest: where it is, how many rows, and its SHA-256. */
export type WrittenEntry = z.infer<typeof WrittenEntrySchema>;

/** A dataset the run did not write, and why. */
export interface FailedEntry {
  readonly outcome: 'failed';
  readonly error: FailureRecord;
  readonly rows: number;
  readonly previous_rows: number | null;
}

/** One run's manifest: `manifests/processing_date={date}/{run_id}.json`, written after every data object. */
export interface RunManifest {
  readonly manifest_version: number;
  readonly run_id: string;
  readonly processing_date: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly lake_uri: string;
  readonly schema_version: number;
  readonly datasets: Partial<Record<DatasetId, WrittenEntry | FailedEntry>>;
}

const LatestManifestSchema = z.object({
  manifest_version: z.literal(MANIFEST_VERSION),
  updated_at: z.string(),
  updated_by_run: z.string(),
  datasets: z.partialRecord(z.enum(DATASET_IDS), WrittenEntrySchema),
});

/**
 * `manifests/latest.json`: each dataset's most recently written object, whatever run wrote it. A failed
 * dataset keeps its previous entry, so the row-count guard always compares against the last good data.
 */
export type LatestManifest = z.infer<typeof LatestManifestSchema>;

export function manifestEntry(
  result: DatasetResult,
  runId: string,
  processingDate: string,
): WrittenEntry | FailedEntry {
  if (result.outcome === 'written' && result.key !== null && result.sha256 !== null) {
    return {
      outcome: 'written',
      key: result.key,
      rows: result.rows,
      bytes: result.bytes,
      sha256: result.sha256,
      schema_version: PARQUET_SCHEMA_VERSION,
      raw_key: result.rawKey,
      run_id: runId,
      processing_date: processingDate,
    };
  }
  const error: FailureRecord = result.error ?? { code: 'UNEXPECTED', message: 'no error recorded' };
  return { outcome: 'failed', error, rows: result.rows, previous_rows: result.previousRows };
}

export function buildRunManifest(
  run: Omit<RunResult, 'errors' | 'logKey' | 'manifestKey' | 'durationMs'>,
): RunManifest {
  return {
    manifest_version: MANIFEST_VERSION,
    run_id: run.runId,
    processing_date: run.processingDate,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    outcome: run.outcome,
    lake_uri: run.lakeUri,
    schema_version: PARQUET_SCHEMA_VERSION,
    datasets: Object.fromEntries(
      run.datasets.map((d) => [d.dataset, manifestEntry(d, run.runId, run.processingDate)]),
    ),
  };
}

/** The previous latest manifest with this run's written datasets replacing their entries. */
export function mergeLatest(
  previous: LatestManifest | null,
  manifest: RunManifest,
  now: Date,
): LatestManifest {
  const datasets: LatestManifest['datasets'] = { ...(previous?.datasets ?? {}) };
  for (const [id, entry] of Object.entries(manifest.datasets) as [DatasetId, WrittenEntry | FailedEntry][]) {
    if (entry.outcome === 'written') datasets[id] = entry;
  }
  return {
    manifest_version: MANIFEST_VERSION,
    updated_at: now.toISOString(),
    updated_by_run: manifest.run_id,
    datasets,
  };
}

/** Reads `manifests/latest.json`; null when the lake has none yet. A corrupt one fails the run. */
export async function readLatestManifest(destination: Destination): Promise<LatestManifest | null> {
  const key = lakeLayout.latestManifestKey;
  const bytes = await destination.get(key);
  if (bytes === null) return null;
  let parsed: ReturnType<typeof LatestManifestSchema.safeParse>;
  try {
    parsed = LatestManifestSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    throw new LakeError('LAKE_READ', key, error);
  }
  if (!parsed.success) {
    throw new LakeError(
      'LAKE_READ',
      key,
      new IngestError(
        'LAKE_READ',
        `not a latest manifest (${parsed.error.issues[0]?.message ?? 'invalid'}); fix or delete it to reset the row-count guard`,
      ),
    );
  }
  return parsed.data;
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}
