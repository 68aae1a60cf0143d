/**
 * One measured ingestion, in a process of its own so that its peak RSS is the ingester's alone:
 * configuration from the environment (like the CLI and the Lambda), one JSON line of figures on stdout.
 */
import { performance } from 'node:perf_hooks';
import { createLogger, ingestWithConfig, loadConfig } from '@vitibrasil/ingest-lambda';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'SILENT' });
const loadedMs = performance.now();
const loadedRssMb = Math.round(process.memoryUsage().rss / 104857.6) / 10;
const started = performance.now();
const result = await ingestWithConfig(config, {
  processingDate: config.processingDate ?? '2025-06-30',
  logger: createLogger('SILENT'),
});
const ingestMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    lake: result.lakeUri,
    outcome: result.outcome,
    datasets: result.datasets.length,
    rows: result.datasets.reduce((sum, d) => sum + d.rows, 0),
    parquet_bytes: result.datasets.reduce((sum, d) => sum + d.bytes, 0),
    ingest_ms: Math.round(ingestMs),
    process_ms: Math.round(loadedMs + ingestMs),
    loaded_rss_mb: loadedRssMb,
    max_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  })}\n`,
);
if (result.outcome !== 'succeeded') process.exitCode = 1;
