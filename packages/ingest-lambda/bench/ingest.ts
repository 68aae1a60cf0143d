/**
 * Benchmark: all 15 datasets from a local API (the real one, over the CSV snapshot served from loopback)
 * into a local lake and into s3rver. Each ingestion runs the Lambda handler in a child process of its own
 * (bench/run-once.ts) so its wall time and peak RSS are the ingester's alone: the API, the fake upstream and
 * s3rver live in this process. Targets: under 2 s and under 128 MB (Lambda's smallest memory size).
 *
 *   pnpm --filter @vitibrasil/ingest-lambda bench      (builds first; SNAPSHOT_DIR, RUNS, BENCH_NODE_OPTIONS)
 *
 * The child runs with NODE_OPTIONS=LAMBDA_NODE_OPTIONS and CONCURRENCY=LAMBDA_CONCURRENCY, as the function does;
 * BENCH_NODE_OPTIONS and BENCH_CONCURRENCY override them.
 *
 * Peak RSS is the child's own getrusage maxRSS and, where GNU time is installed, the one wait4 reports for the
 * whole child process (start-up and exit included); the verdict takes the larger.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig as loadApiConfig, startServer } from '@vitibrasil/api';
import { startStaticUpstream } from '@vitibrasil/api/testing';
import { LAMBDA_CONCURRENCY, LAMBDA_NODE_OPTIONS } from '@vitibrasil/ingest-lambda';
import { startS3rver } from '../test/helpers/s3rver.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.resolve(here, '../..');
const repoRoot = path.resolve(packageRoot, '../..');
const snapshot = process.env.SNAPSHOT_DIR ?? path.resolve(repoRoot, 'data/vitibrasil');
const runs = Number(process.env.RUNS ?? 5);
const GNU_TIME = '/usr/bin/time';
const LIMIT_MS = 2000;
const LIMIT_MB = 128;
/** The day before the measured runs' processing date (bench/run-once.ts: 2025-06-30). */
const DAY_BEFORE = '2025-06-29';

/** What bench/run-once.ts prints. */
interface ChildFigures {
  lake: string;
  outcome: string;
  datasets: number;
  rows: number;
  compared: number;
  ingest_ms: number;
  ingest_cpu_ms: number;
  loaded_rss_mb: number;
  max_rss_mb: number;
}

/** Plus the child's wall time from spawn to exit: Node's start-up, module loading and exit included. */
interface Figures extends ChildFigures {
  process_ms: number;
}

interface Measured extends Figures {
  target: string;
  run: number;
  /** Peak RSS of the whole child process as wait4 reports it (GNU time), when available. */
  wait4_rss_mb: number | null;
  peak_mb: number;
}

async function measure(
  child: string,
  env: Record<string, string>,
  rssFile: string,
): Promise<{ figures: Figures; wait4: number | null }> {
  const timed = existsSync(GNU_TIME);
  const [file, args] = timed
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, child]]
    : [process.execPath, [child]];
  // Wall time measured here, from spawn to exit: the child's own clock would miss its exit.
  const spawned = performance.now();
  // A failed run exits with status 1 but still prints its figures.
  const stdout = await run(file, args, { env, maxBuffer: 16 * 1024 * 1024 }).then(
    (done) => done.stdout,
    (error: { stdout?: string; message: string }) => {
      if (!error.stdout?.trim()) throw error;
      return error.stdout;
    },
  );
  const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
  // The handler's structured logs come first; the figures are the last line.
  const reported = JSON.parse(lastLine(stdout)) as ChildFigures;
  const figures: Figures = { ...reported, process_ms: Math.round(performance.now() - spawned) };
  // GNU time puts "Command exited with non-zero status" before the figure when the run failed.
  const wait4 = timed
    ? Math.round((Number(lastLine(await readFile(rssFile, 'utf8'))) / 1024) * 10) / 10
    : null;
  return { figures, wait4 };
}

function stats(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : Math.round((((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2) * 10) / 10;
  return { min: sorted[0] as number, median, max: sorted.at(-1) as number };
}

async function main(): Promise<void> {
  if (!existsSync(snapshot)) throw new Error(`CSV snapshot not found at ${snapshot} (set SNAPSHOT_DIR)`);

  const work = await mkdtemp(path.join(tmpdir(), 'ingest-bench-'));
  const upstream = await startStaticUpstream(snapshot);
  const api = await startServer(
    loadApiConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      UPSTREAM_BASE_URL: upstream.url,
      CACHE_DIR: path.join(work, 'api-cache'),
      LOG_LEVEL: 'silent',
    }),
  );
  const s3 = await startS3rver('bench');
  const child = path.resolve(here, 'run-once.js');
  const rssFile = path.join(work, 'wait4-rss');
  // Only what the ingester reads, so no NODE_OPTIONS or AWS profile of the caller leaks into the measurement.
  // NODE_OPTIONS is how the Lambda function gets its Node flags: the child gets the same ones, unless
  // BENCH_NODE_OPTIONS says otherwise (BENCH_NODE_OPTIONS= measures without any).
  const base = {
    PATH: process.env.PATH ?? '',
    API_BASE_URL: api.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    NODE_NO_WARNINGS: '1',
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? LAMBDA_NODE_OPTIONS,
    CONCURRENCY: process.env.BENCH_CONCURRENCY ?? String(LAMBDA_CONCURRENCY),
  };
  const targets: Record<string, Record<string, string>> = {
    local: { LAKE_URI: path.join(work, 'lake') },
    s3rver: { LAKE_URI: `s3://${s3.bucket}/lake`, S3_ENDPOINT: s3.endpoint },
  };
  try {
    // Warm the API's cache, and give both lakes a latest manifest and the day before's partitions as a scheduled
    // run finds them: the bench measures the ingester (reading yesterday's Parquet back and comparing included),
    // not the first download from Embrapa.
    for (const env of Object.values(targets)) {
      await measure(child, { ...base, ...env, PROCESSING_DATE: DAY_BEFORE }, rssFile);
    }
    const results: Measured[] = [];
    for (let i = 1; i <= runs; i++) {
      for (const [target, env] of Object.entries(targets)) {
        const { figures, wait4 } = await measure(child, { ...base, ...env }, rssFile);
        results.push({
          target,
          run: i,
          ...figures,
          wait4_rss_mb: wait4,
          peak_mb: Math.max(figures.max_rss_mb, wait4 ?? 0),
        });
      }
    }
    console.log(
      `node ${process.version}, NODE_OPTIONS=${JSON.stringify(base.NODE_OPTIONS)}, CONCURRENCY=${base.CONCURRENCY}, ${runs} run(s) per target`,
    );
    console.table(
      results.map((r) => ({
        target: r.target,
        run: r.run,
        outcome: r.outcome,
        datasets: r.datasets,
        rows: r.rows,
        compared: r.compared,
        'ingest ms': r.ingest_ms,
        'process ms': r.process_ms,
        'ingest CPU ms': r.ingest_cpu_ms,
        'RSS after load MB': r.loaded_rss_mb,
        'peak RSS MB': r.max_rss_mb,
        'peak RSS MB (wait4)': r.wait4_rss_mb ?? '-',
      })),
    );
    for (const target of Object.keys(targets)) {
      const mine = results.filter((r) => r.target === target);
      const wall = stats(mine.map((r) => r.process_ms));
      const ingest = stats(mine.map((r) => r.ingest_ms));
      const peak = stats(mine.map((r) => r.peak_mb));
      const ok =
        wall.max < LIMIT_MS &&
        peak.max < LIMIT_MB &&
        mine.every((r) => r.outcome === 'succeeded' && r.compared === r.datasets);
      const show = ({ min, median, max }: { min: number; median: number; max: number }) =>
        `${min} / ${median} / ${max}`;
      console.log(
        `${target} (min / median / max of ${mine.length}): whole process ${show(wall)} ms, ingest ${show(ingest)} ms, peak RSS ${show(peak)} MB -> ${ok ? 'within' : 'OVER'} target (< ${LIMIT_MS} ms, < ${LIMIT_MB} MB)`,
      );
      if (!ok) process.exitCode = 1;
    }
  } finally {
    await Promise.all([api.close(), upstream.close(), s3.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
