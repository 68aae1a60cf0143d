import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { countChanges, type DatasetId, diffRows, type TidyRow, totalsMismatches } from '@vitibrasil/core';
import type { ApiClient } from './api-client.js';
import { mapWithConcurrency } from './concurrency.js';
import {
  ApiNetworkError,
  ApiStatusError,
  errorSummary,
  RowCountGuardError,
  RowValidationError,
} from './errors.js';
import { checkRowCount } from './guard.js';
import type { Destination } from './lake/destination.js';
import { lakeLayout } from './layout.js';
import type { Logger } from './logger.js';
import {
  buildRunManifest,
  encodeJson,
  type LatestManifest,
  mergeLatest,
  readLatestManifest,
} from './manifest.js';
import { parseRows } from './ndjson.js';
import { encodeParquet, encodeQuality, encodeRevisions, type RunStamp } from './parquet.js';
import { type ComparedPartition, fetchPreviousPartition, readPreviousRows } from './previous-partition.js';
import { newRunId } from './processing-date.js';
import {
  type DatasetResult,
  type FailureRecord,
  type RevisionsResult,
  RUN_FINISHED,
  type RunFinishedFields,
  type RunResult,
} from './results.js';
import { datasetLine, formatRunLog, type RunLogLine } from './run-log.js';

const gzipAsync = promisify(gzip);

export interface RunOptions {
  readonly datasets: readonly DatasetId[];
  /** `YYYY-MM-DD`: the partition this run writes. */
  readonly processingDate: string;
  readonly concurrency: number;
  readonly keepRaw: boolean;
  readonly minRowRatio: number;
  /** Recorded in the run log. */
  readonly apiBaseUrl: string;
}

export interface RunDependencies {
  readonly api: Pick<ApiClient, 'fetchRows'>;
  readonly destination: Destination;
  readonly logger: Logger;
  /** Wall clock: the run's start is every row's `processed_at`. */
  readonly clock?: () => Date;
  readonly createRunId?: (startedAt: Date) => string;
  /** Called as each dataset finishes, written or failed (CLI progress). */
  readonly onDataset?: (result: DatasetResult) => void;
}

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * One ingestion run: fetch every dataset from the API, validate, write one Parquet object per dataset,
 * then the manifest, the latest manifest and the run log. A dataset's failure never stops the others;
 * the run's outcome is `failed` when any dataset, the manifest or the log failed. Never throws for a
 * dataset's failure: callers decide how to surface a failed run.
 */
export async function runIngest(options: RunOptions, deps: RunDependencies): Promise<RunResult> {
  const { api, destination } = deps;
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();
  const runId = (deps.createRunId ?? newRunId)(startedAt);
  const date = options.processingDate;
  const stamp: RunStamp = { processedAt: startedAt, runId };
  const t0 = performance.now();
  const manifestKey = lakeLayout.manifestKey(date, runId);
  const logKey = lakeLayout.logKey(date, runId);
  const runErrors: FailureRecord[] = [];
  const lines: RunLogLine[] = [
    {
      type: 'start',
      time: startedAt.toISOString(),
      run_id: runId,
      processing_date: date,
      api_base_url: options.apiBaseUrl,
      lake_uri: destination.uri,
      datasets: options.datasets,
    },
  ];
  const logger = deps.logger.createChild({ persistentKeys: { run_id: runId, processing_date: date } });
  logger.info('run started', {
    datasets: options.datasets,
    lake_uri: destination.uri,
    api_base_url: options.apiBaseUrl,
  });

  let latest: LatestManifest | null = null;
  let datasets: DatasetResult[];
  try {
    latest = await readLatestManifest(destination);
    datasets = await mapWithConcurrency(options.datasets, options.concurrency, async (dataset) => {
      const result = await ingestDataset(dataset, latest?.datasets[dataset]?.rows ?? null);
      lines.push(datasetLine(runId, clock(), result));
      if (result.outcome === 'written') {
        logger.info('dataset written', { dataset, rows: result.rows, bytes: result.bytes, key: result.key });
      } else {
        logger.error('dataset failed', { dataset, error: result.error });
      }
      deps.onDataset?.(result);
      return result;
    });
  } catch (error) {
    // Only reading the latest manifest gets here: nothing has been written yet.
    runErrors.push(errorSummary(error));
    logger.error('run aborted before any dataset', { error: errorSummary(error) });
    datasets = [];
  }

  const failed = datasets.filter((d) => d.outcome === 'failed').map((d) => d.dataset);
  let finishedAt = clock();
  const outcome = () => (failed.length > 0 || runErrors.length > 0 ? 'failed' : 'succeeded');
  let manifestWritten = false;
  if (datasets.length > 0) {
    const manifest = buildRunManifest({
      runId,
      processingDate: date,
      startedAt,
      finishedAt,
      outcome: outcome(),
      datasets,
      lakeUri: destination.uri,
    });
    try {
      await destination.put(manifestKey, encodeJson(manifest), 'application/json');
      manifestWritten = true;
      if (datasets.some((d) => d.outcome === 'written')) {
        await destination.put(
          lakeLayout.latestManifestKey,
          encodeJson(mergeLatest(latest, manifest, finishedAt)),
          'application/json',
        );
      }
    } catch (error) {
      runErrors.push(errorSummary(error));
      logger.error('manifest not written', { error: errorSummary(error) });
    }
  }

  finishedAt = clock();
  const durationMs = Math.round(performance.now() - t0);
  lines.push({
    type: 'end',
    time: finishedAt.toISOString(),
    run_id: runId,
    outcome: outcome(),
    duration_ms: durationMs,
    datasets_written: datasets.length - failed.length,
    datasets_failed: failed,
    rows: datasets.reduce((sum, d) => sum + (d.outcome === 'written' ? d.rows : 0), 0),
    bytes: datasets.reduce((sum, d) => sum + d.bytes, 0),
    manifest_key: manifestWritten ? manifestKey : null,
    errors: [...runErrors],
  });
  try {
    await destination.put(logKey, formatRunLog(lines), 'application/x-ndjson');
  } catch (error) {
    runErrors.push(errorSummary(error));
    logger.error('run log not written', { error: errorSummary(error) });
  }

  const result: RunResult = {
    runId,
    processingDate: date,
    startedAt,
    finishedAt,
    durationMs,
    outcome: outcome(),
    datasets,
    errors: runErrors,
    manifestKey,
    logKey,
    lakeUri: destination.uri,
  };
  const summary: RunFinishedFields = {
    outcome: result.outcome,
    duration_ms: durationMs,
    datasets_written: datasets.length - failed.length,
    rows_written: datasets.reduce((sum, d) => sum + (d.outcome === 'written' ? d.rows : 0), 0),
    failed,
    errors: runErrors,
  };
  if (result.outcome === 'failed') logger.error(RUN_FINISHED, { ...summary });
  else logger.info(RUN_FINISHED, { ...summary });
  return result;

  async function ingestDataset(dataset: DatasetId, previousRows: number | null): Promise<DatasetResult> {
    const started = performance.now();
    let attempts = 0;
    let rows = 0;
    let responseBytes = 0;
    // Fetched while the API answers. A partition that cannot be read costs the comparison, never the data: it
    // would fail every later run too.
    const previousLoad = fetchPreviousPartition(destination, dataset, date).then(
      (partition) => ({ partition, error: null }),
      (error: unknown) => ({ partition: null, error: errorSummary(error) }),
    );

    // Each stage in a function of its own, so that what it held is garbage once it returns: the response body
    // once parsed, the rows and the previous partition once encoded. Only the encoded objects are written.
    async function fetchParsed() {
      const response = await api.fetchRows(dataset);
      attempts = response.attempts;
      responseBytes = response.body.byteLength;
      const raw = options.keepRaw ? await gzipAsync(response.body) : null;
      return { parsed: parseRows(dataset, response.body), raw };
    }
    async function fetchEncoded() {
      const { parsed, raw } = await fetchParsed();
      const loaded = await previousLoad;
      let revisionsError = loaded.error;
      let previous: ComparedPartition | null = null;
      if (loaded.partition) {
        try {
          previous = await readPreviousRows(dataset, loaded.partition);
        } catch (error) {
          revisionsError = errorSummary(error);
        }
      }
      if (revisionsError) logger.warn('previous partition not compared', { dataset, error: revisionsError });
      return { encoded: toParquet(dataset, parsed, previousRows, previous), raw, revisionsError };
    }

    try {
      const { encoded, raw, revisionsError } = await fetchEncoded();
      rows = encoded.rows;
      let rawKey: string | null = null;
      if (raw) {
        rawKey = lakeLayout.rawKey(dataset, date);
        await replaceObject(lakeLayout.rawPrefix(dataset, date), rawKey, raw, 'application/gzip');
      }
      // One object per partition under a key of its own, so a re-run replaces it in one request. With nothing
      // compared, an earlier run's revisions of this date would describe another comparison: removed.
      const qualityKey = lakeLayout.qualityKey(dataset, date);
      const revisionsKey = lakeLayout.revisionsKey(dataset, date);
      const compared = encoded.revisions;
      await Promise.all([
        destination.put(qualityKey, encoded.quality, PARQUET_CONTENT_TYPE),
        compared
          ? destination.put(revisionsKey, compared.bytes, PARQUET_CONTENT_TYPE)
          : destination.delete(revisionsKey),
      ]);
      const revisions: RevisionsResult | null = compared
        ? {
            previousProcessingDate: compared.previousProcessingDate,
            added: compared.added,
            removed: compared.removed,
            revised: compared.revised,
            key: revisionsKey,
          }
        : null;
      // The curated object last: a run that fails before it leaves the lake's latest data as it was.
      const key = lakeLayout.curatedKey(dataset, date);
      await replaceObject(
        lakeLayout.curatedPrefix(dataset, date),
        key,
        encoded.curated,
        PARQUET_CONTENT_TYPE,
      );
      return {
        dataset,
        outcome: 'written',
        rows,
        previousRows,
        bytes: encoded.curated.byteLength,
        responseBytes,
        attempts,
        durationMs: Math.round(performance.now() - started),
        key,
        sha256: createHash('sha256').update(encoded.curated).digest('hex'),
        rawKey,
        qualityKey,
        totalsMismatches: encoded.totalsMismatches,
        revisions,
        revisionsError,
        error: null,
      };
    } catch (error) {
      const summary = errorSummary(error);
      if (error instanceof ApiStatusError || error instanceof ApiNetworkError) attempts = error.attempts;
      if (error instanceof RowCountGuardError) rows = error.rows;
      return {
        dataset,
        outcome: 'failed',
        rows,
        previousRows,
        bytes: 0,
        responseBytes,
        attempts,
        durationMs: Math.round(performance.now() - started),
        key: null,
        sha256: null,
        rawKey: null,
        qualityKey: null,
        totalsMismatches: null,
        revisions: null,
        revisionsError: null,
        error: error instanceof RowValidationError ? { ...summary, issues: error.issues } : summary,
      };
    }
  }

  /** Guards, compares and encodes one dataset's validated rows. */
  function toParquet(
    dataset: DatasetId,
    parsed: readonly TidyRow[],
    previousRows: number | null,
    previous: ComparedPartition | null,
  ) {
    checkRowCount(dataset, parsed.length, previousRows, options.minRowRatio);
    const mismatches = totalsMismatches(parsed);
    const changes = previous ? diffRows(previous.rows, parsed) : null;
    return {
      rows: parsed.length,
      curated: encodeParquet(parsed, stamp),
      quality: encodeQuality(mismatches, stamp),
      totalsMismatches: mismatches.length,
      revisions:
        previous && changes
          ? {
              previousProcessingDate: previous.date,
              ...countChanges(changes),
              bytes: encodeRevisions(changes, previous.date, stamp),
            }
          : null,
    };
  }

  /** Writes `key`, then removes any other object in its partition folder: the partition holds only this run's. */
  async function replaceObject(
    prefix: string,
    key: string,
    body: Uint8Array,
    contentType: string,
  ): Promise<void> {
    await destination.put(key, body, contentType);
    for (const stale of await destination.list(prefix)) {
      if (stale !== key) await destination.delete(stale);
    }
  }
}
