import type { DatasetId } from '@vitibrasil/core';
import type { DatasetResult, FailureRecord } from './results.js';

/**
 * The run log: JSON lines, one `start`, one `dataset` line per dataset in completion order, one `end`.
 * Written to `logs/processing_date={date}/{run_id}.jsonl` as the run's last object.
 */
export type RunLogLine =
  | {
      readonly type: 'start';
      readonly time: string;
      readonly run_id: string;
      readonly processing_date: string;
      readonly api_base_url: string;
      readonly lake_uri: string;
      readonly datasets: readonly DatasetId[];
    }
  | {
      readonly type: 'dataset';
      readonly time: string;
      readonly run_id: string;
      readonly dataset: DatasetId;
      readonly outcome: DatasetResult['outcome'];
      readonly rows: number;
      readonly previous_rows: number | null;
      readonly bytes: number;
      readonly response_bytes: number;
      readonly attempts: number;
      readonly duration_ms: number;
      readonly key: string | null;
      readonly sha256: string | null;
      readonly raw_key: string | null;
      readonly quality_key: string | null;
      readonly totals_mismatches: number | null;
      /** Rows added, removed and revised since previous_processing_date; null when nothing was compared. */
      readonly added: number | null;
      readonly removed: number | null;
      readonly revised: number | null;
      readonly previous_processing_date: string | null;
      readonly revisions_key: string | null;
      readonly revisions_error: FailureRecord | null;
      readonly error: FailureRecord | null;
    }
  | {
      readonly type: 'end';
      readonly time: string;
      readonly run_id: string;
      readonly outcome: 'succeeded' | 'failed';
      readonly duration_ms: number;
      readonly datasets_written: number;
      readonly datasets_failed: readonly DatasetId[];
      readonly rows: number;
      readonly bytes: number;
      readonly manifest_key: string | null;
      readonly errors: readonly FailureRecord[];
    };

export function datasetLine(runId: string, time: Date, result: DatasetResult): RunLogLine {
  return {
    type: 'dataset',
    time: time.toISOString(),
    run_id: runId,
    dataset: result.dataset,
    outcome: result.outcome,
    rows: result.rows,
    previous_rows: result.previousRows,
    bytes: result.bytes,
    response_bytes: result.responseBytes,
    attempts: result.attempts,
    duration_ms: result.durationMs,
    key: result.key,
    sha256: result.sha256,
    raw_key: result.rawKey,
    quality_key: result.qualityKey,
    totals_mismatches: result.totalsMismatches,
    added: result.revisions?.added ?? null,
    removed: result.revisions?.removed ?? null,
    revised: result.revisions?.revised ?? null,
    previous_processing_date: result.revisions?.previousProcessingDate ?? null,
    revisions_key: result.revisions?.key ?? null,
    revisions_error: result.revisionsError,
    error: result.error,
  };
}

export function formatRunLog(lines: readonly RunLogLine[]): Uint8Array {
  return Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
}
