/**
 * One measured ingestion, in a process of its own so that its peak RSS is the ingester's alone. It goes
 * the way Lambda does: the package's `handler` (the same modules as `dist/handler.handler`), configuration
 * from the environment, a scheduled event whose time gives the processing date, logs at the default level
 * on stdout. The last stdout line is one JSON object of figures.
 */
import { performance } from 'node:perf_hooks';
import { handler } from '@vitibrasil/ingest-lambda';
import type { ScheduledEvent } from 'aws-lambda';

const loadedRssMb = mb(process.memoryUsage().rss);
const event: ScheduledEvent = {
  version: '0',
  id: 'bench',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  // 02:00 UTC is the day before in São Paulo: processing_date=2025-06-30.
  time: '2025-07-01T02:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
};
const cpuBefore = process.cpuUsage();
const started = performance.now();
let outcome = 'succeeded';
let figures: { lake: string; datasets: number; rows: number; compared: number } = {
  lake: '',
  datasets: 0,
  rows: 0,
  compared: 0,
};
try {
  const result = await handler(event);
  figures = {
    lake: process.env.LAKE_URI ?? '',
    datasets: result.datasets.length,
    rows: result.datasets.reduce((sum, d) => sum + d.rows, 0),
    // Datasets compared with an earlier partition (read back from the lake): the revisions path was measured.
    compared: result.datasets.filter((d) => d.added !== null).length,
  };
} catch (error) {
  outcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
}
const ingestMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({
    ...figures,
    outcome,
    ingest_ms: Math.round(ingestMs),
    ingest_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    loaded_rss_mb: loadedRssMb,
    max_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  })}\n`,
);
if (outcome !== 'succeeded') process.exitCode = 1;

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}
