/**
 * Benchmark: all 15 datasets from a local API (the real one, over the CSV snapshot served from loopback)
 * into a local lake and into s3rver. Each ingestion runs in a child process so its wall time and peak RSS
 * are the ingester's alone. Targets: under 2 s and under 128 MB (Lambda's smallest memory size).
 *
 *   pnpm --filter @vitibrasil/ingest-lambda bench      (builds first; SNAPSHOT_DIR and RUNS optional)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig as loadApiConfig, startServer } from '@vitibrasil/api';
import { startStaticUpstream } from '@vitibrasil/api/testing';
import { startS3rver } from '../test/helpers/s3rver.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.resolve(here, '../..');
const repoRoot = path.resolve(packageRoot, '../..');
const snapshot = process.env.SNAPSHOT_DIR ?? path.resolve(repoRoot, '../shared/vitibrasil/2025-06');
const runs = Number(process.env.RUNS ?? 3);

interface Figures {
  lake: string;
  outcome: string;
  datasets: number;
  rows: number;
  parquet_bytes: number;
  ingest_ms: number;
  process_ms: number;
  max_rss_mb: number;
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
  const base = {
    PATH: process.env.PATH ?? '',
    API_BASE_URL: api.url,
    PROCESSING_DATE: '2025-06-30',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    NODE_NO_WARNINGS: '1',
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '',
  };
  const targets: Record<string, Record<string, string>> = {
    local: { LAKE_URI: path.join(work, 'lake') },
    s3rver: { LAKE_URI: `s3://${s3.bucket}/lake`, S3_ENDPOINT: s3.endpoint },
  };
  try {
    // Warm the API's cache: the bench measures the ingester, not the first download from Embrapa.
    await run(process.execPath, [child], { env: { ...base, ...targets.local } });
    const results: (Figures & { target: string; run: number })[] = [];
    for (let i = 1; i <= runs; i++) {
      for (const [target, env] of Object.entries(targets)) {
        const { stdout } = await run(process.execPath, [child], { env: { ...base, ...env } });
        results.push({ target, run: i, ...(JSON.parse(stdout.trim()) as Figures) });
      }
    }
    console.table(
      results.map(
        ({ target, run: n, outcome, datasets, rows, parquet_bytes, ingest_ms, process_ms, max_rss_mb }) => ({
          target,
          run: n,
          outcome,
          datasets,
          rows,
          'parquet KB': Math.round(parquet_bytes / 1024),
          'ingest ms': ingest_ms,
          'process ms': process_ms,
          'peak RSS MB': max_rss_mb,
        }),
      ),
    );
    for (const target of Object.keys(targets)) {
      const mine = results.filter((r) => r.target === target);
      const worst = (key: 'ingest_ms' | 'process_ms' | 'max_rss_mb') => Math.max(...mine.map((r) => r[key]));
      const ok = worst('process_ms') < 2000 && worst('max_rss_mb') < 128;
      console.log(
        `${target}: worst ingest ${worst('ingest_ms')} ms, whole process ${worst('process_ms')} ms, peak RSS ${worst('max_rss_mb')} MB -> ${ok ? 'within' : 'OVER'} target (< 2 s, < 128 MB)`,
      );
      if (!ok || mine.some((r) => r.outcome !== 'succeeded')) process.exitCode = 1;
    }
  } finally {
    await Promise.all([api.close(), upstream.close(), s3.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
