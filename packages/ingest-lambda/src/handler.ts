import type { Context, ScheduledEvent } from 'aws-lambda';
import { type Env, loadConfig } from './config.js';
import { ConfigError, RunFailedError } from './errors.js';
import { ingestWithConfig } from './ingest.js';
import { createLogger } from './logger.js';
import { processingDateOf } from './processing-date.js';
import type { RunResult } from './results.js';

export interface HandlerResult {
  readonly run_id: string;
  readonly processing_date: string;
  readonly outcome: RunResult['outcome'];
  readonly manifest_key: string;
  readonly log_key: string;
  /** Per dataset, with the rows added, removed and revised since its previous partition (null: not compared). */
  readonly datasets: readonly {
    readonly dataset: string;
    readonly outcome: string;
    readonly rows: number;
    readonly added: number | null;
    readonly removed: number | null;
    readonly revised: number | null;
  }[];
}

/** The processing date of a scheduled event: PROCESSING_DATE when set, else the event time's day in São Paulo. */
export function eventProcessingDate(
  event: Pick<ScheduledEvent, 'time'>,
  override: string | undefined,
): string {
  if (override) return override;
  const time = new Date(event.time);
  if (Number.isNaN(time.getTime())) {
    throw new ConfigError([`event.time: expected an ISO 8601 time (got ${JSON.stringify(event.time)})`]);
  }
  return processingDateOf(time);
}

/**
 * Builds the Lambda handler over an environment (process.env in Lambda). It ends with a RunFailedError
 * when any dataset failed, after the others, the manifest and the run log were written, so that Lambda's
 * retries and failure destination see the failure.
 */
export function createHandler(env: Env = process.env) {
  return async (event: ScheduledEvent, context?: Context): Promise<HandlerResult> => {
    const config = loadConfig(env);
    const logger = createLogger(config.logLevel);
    if (context) logger.addContext(context);
    const processingDate = eventProcessingDate(event, config.processingDate);
    logger.info('scheduled event', {
      event_id: event.id,
      event_time: event.time,
      processing_date: processingDate,
    });
    const result = await ingestWithConfig(config, { processingDate, logger });
    if (result.outcome === 'failed') {
      const failed = result.datasets.filter((d) => d.outcome === 'failed');
      const detail = [
        ...failed.map((d) => `${d.dataset}: ${d.error?.message}`),
        ...result.errors.map((e) => e.message),
      ];
      throw new RunFailedError(
        result.runId,
        failed.map((d) => d.dataset),
        detail.join('; '),
      );
    }
    return {
      run_id: result.runId,
      processing_date: result.processingDate,
      outcome: result.outcome,
      manifest_key: result.manifestKey,
      log_key: result.logKey,
      datasets: result.datasets.map((d) => ({
        dataset: d.dataset,
        outcome: d.outcome,
        rows: d.rows,
        added: d.revisions?.added ?? null,
        removed: d.revisions?.removed ?? null,
        revised: d.revisions?.revised ?? null,
      })),
    };
  };
}

/**
 * What the function's `NODE_OPTIONS` environment variable must hold (the deployment sets it; the bench
 * measures with it). V8 grows the young generation up to 2 × 16 MB while a run allocates, a quarter of a
 * 128 MB function; capped at 2 × 4 MB, a whole run's peak RSS stays well under 128 MB.
 */
export const LAMBDA_NODE_OPTIONS = '--max-semi-space-size=4';

/** The Lambda entry point: `dist/handler.handler`. */
export const handler = createHandler();
