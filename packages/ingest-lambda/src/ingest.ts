import { createApiClient, type RetryNotice } from './api-client.js';
import type { IngestConfig } from './config.js';
import type { Destination } from './lake/destination.js';
import { type OpenDestinationOptions, openDestination } from './lake/open.js';
import type { Logger } from './logger.js';
import type { DatasetResult, RunResult } from './results.js';
import { runIngest } from './run.js';

export interface IngestOptions {
  readonly processingDate: string;
  readonly logger: Logger;
  readonly onDataset?: (result: DatasetResult) => void;
  /** Explicit S3 credentials (tests, S3-compatible stores); the SDK's default chain otherwise. */
  readonly credentials?: OpenDestinationOptions['credentials'];
}

/** Opens the API client and the lake a configuration names, runs once, and closes both. */
export async function ingestWithConfig(config: IngestConfig, options: IngestOptions): Promise<RunResult> {
  const { logger } = options;
  const api = createApiClient({
    baseUrl: config.apiBaseUrl,
    apiKey: config.apiKey,
    concurrency: config.concurrency,
    timeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    onRetry: (notice: RetryNotice) => logger.warn('retrying API request', { ...notice }),
  });
  let destination: Destination;
  try {
    destination = await openDestination({
      lakeUri: config.lakeUri,
      awsRegion: config.awsRegion,
      s3Endpoint: config.s3Endpoint,
      credentials: options.credentials,
    });
  } catch (error) {
    await api.close();
    throw error;
  }
  try {
    return await runIngest(
      {
        datasets: config.datasets,
        processingDate: options.processingDate,
        concurrency: config.concurrency,
        keepRaw: config.keepRaw,
        minRowRatio: config.minRowRatio,
        apiBaseUrl: config.apiBaseUrl,
      },
      { api, destination, logger, ...(options.onDataset ? { onDataset: options.onDataset } : {}) },
    );
  } finally {
    await Promise.all([api.close(), destination.close()]);
  }
}
