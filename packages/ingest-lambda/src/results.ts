import type { ChangeCounts, DatasetId } from '@vitibrasil/core';
import type { RowIssue } from './errors.js';

export interface FailureRecord {
  readonly code: string;
  readonly message: string;
  /** First invalid lines, for ROWS_INVALID. */
  readonly issues?: readonly RowIssue[];
}

/** The comparison of a written dataset with its previous partition. */
export interface RevisionsResult extends ChangeCounts {
  /** The partition compared with. */
  readonly previousProcessingDate: string;
  /** The revisions/ object written. */
  readonly key: string;
}

/** What happened to one dataset in a run: in the run log, the manifest, the CLI summary and the logs. */
export interface DatasetResult {
  readonly dataset: DatasetId;
  readonly outcome: 'written' | 'failed';
  /** Rows validated (and written, when the outcome is `written`). */
  readonly rows: number;
  /** Row count of the dataset's previous written object, from the latest manifest. */
  readonly previousRows: number | null;
  /** Size of the Parquet object. */
  readonly bytes: number;
  /** Size of the API's NDJSON response. */
  readonly responseBytes: number;
  readonly attempts: number;
  readonly durationMs: number;
  readonly key: string | null;
  readonly sha256: string | null;
  readonly rawKey: string | null;
  /** The quality/ object written (the totals that disagree with their items), and how many rows it holds. */
  readonly qualityKey: string | null;
  readonly totalsMismatches: number | null;
  /** Null when nothing was compared: no earlier partition (first run), a failed dataset, or revisionsError. */
  readonly revisions: RevisionsResult | null;
  /** The earlier partition could not be read: the data is written, the comparison is not. */
  readonly revisionsError: FailureRecord | null;
  readonly error: FailureRecord | null;
}

export interface RunResult {
  readonly runId: string;
  readonly processingDate: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly outcome: 'succeeded' | 'failed';
  readonly datasets: readonly DatasetResult[];
  /** Failures of the run itself (manifest or log not written), apart from the datasets'. */
  readonly errors: readonly FailureRecord[];
  readonly manifestKey: string;
  readonly logKey: string;
  readonly lakeUri: string;
}

/**
 * The message of a run's last log line. The CDK stack's metric filter matches it and reads `datasets_written`:
 * an alarm fires when no run wrote anything for a day.
 */
export const RUN_FINISHED = 'run finished';

/** The fields of that line (besides Powertools' own: level, message, timestamp, service). */
export interface RunFinishedFields {
  readonly outcome: RunResult['outcome'];
  readonly duration_ms: number;
  readonly datasets_written: number;
  readonly rows_written: number;
  readonly failed: readonly string[];
  readonly errors: readonly FailureRecord[];
}
