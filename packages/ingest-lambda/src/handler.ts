import type { Context } from 'aws-lambda';
import { readApiKeyParameter } from './api-key-parameter.js';
import { type Env, loadConfig } from './config.js';
import { RunFailedError } from './errors.js';
import { ingestWithConfig } from './ingest.js';
import { createLogger } from './logger.js';
import { processingDateOf } from './processing-date.js';
import type { RunResult } from './results.js';
import { parseScheduledInput, type ScheduledInput } from './scheduled-input.js';

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

/** The processing date of an invocation: PROCESSING_DATE when set, else the scheduled time's day in São Paulo. */
export function eventProcessingDate(
  input: Pick<ScheduledInput, 'time'>,
  override: string | undefined,
): string {
  return override ?? processingDateOf(new Date(input.time));
}

/**
 * Builds the Lambda handler over an environment (process.env in Lambda). The input is validated first (an
 * InvalidInputError names what is wrong); the run ends with a RunFailedError when any dataset failed, after the
 * others, the manifest and the run log were written, so that Lambda's retries and failure destination see it.
 */
export function createHandler(env: Env = process.env) {
  return async (event: unknown, context?: Context): Promise<HandlerResult> => {
    const input = parseScheduledInput(event);
    const config = loadConfig(env);
    const logger = createLogger(config.logLevel);
    if (context) logger.addContext(context);
    const processingDate = eventProcessingDate(input, config.processingDate);
    logger.info('scheduled invocation', {
      scheduled_time: input.time,
      schedule: input.schedule,
      execution: input.execution,
      attempt: input.attempt,
      event_id: input.id,
      processing_date: processingDate,
    });
    const apiKey = config.apiKeyParameter ? await readApiKeyParameter(config.apiKeyParameter) : config.apiKey;
    const result = await ingestWithConfig({ ...config, apiKey }, { processingDate, logger });
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
 * What the function's `NODE_OPTIONS` environment variable must hold (the deployment sets it; the benches
 * measure with it). Node sizes V8's heap from the machine's memory, not the function's: on a large machine the
 * old generation is collected so late that a run's garbage alone took a 128 MB function to its limit. An old
 * generation of at most 64 MB (the heap may not hold more beside Node itself) is collected as a run goes, and
 * young generations of 2 × 2 MB instead of up to 2 × 16 MB keep less garbage between scavenges, at no measured
 * CPU cost. Flags on Node's command line win over these (packages/ingest-lambda/README.md, Performance).
 */
export const LAMBDA_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=64';

/**
 * The function's `CONCURRENCY`: one dataset in flight, so that the function holds one response body and one
 * previous partition at a time. A run is CPU-bound at 128 MB (a fraction of a vCPU): fetching ahead would not
 * shorten it.
 */
export const LAMBDA_CONCURRENCY = 1;

/** The Lambda entry point: `dist/handler.handler`. */
export const handler = createHandler();
