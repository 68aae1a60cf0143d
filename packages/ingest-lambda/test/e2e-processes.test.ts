/**
 * End to end, as in production: the bundled CSV files served by a loopback "Embrapa", the API's real entry point
 * in its own process on a real port, and the ingester's CLI in its own process, writing into a local folder and
 * into s3rver. DuckDB reads both lakes back; they must equal what the API serves on /v1, row for row.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type StaticUpstream, startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASET_IDS, type DatasetId } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunManifest } from '../src/manifest.js';
import { datasetRows, queryLake } from './helpers/duckdb.js';
import { downloadPrefix, type LocalS3, S3RVER_CREDENTIALS, startS3rver } from './helpers/s3rver.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUNDLE = path.join(ROOT, 'data/vitibrasil');
const API_MAIN = path.join(ROOT, 'packages/api/dist/main.js');
const INGEST_CLI = path.join(ROOT, 'packages/ingest-lambda/dist/cli.js');
const DATE = '2025-06-30';

/** The API's entry point in a child process; resolves with its URL once it logs that it listens. */
async function startApiProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [API_MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`API exited with ${code} before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) resolve(entry.url);
    });
  });
  return { url, child };
}

/** One run of the ingester's CLI in a child process: its exit status and what it printed. */
async function runIngestCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, [INGEST_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, output };
}

describe('the chain in separate processes: upstream → API → ingester CLI → lake → DuckDB', () => {
  let upstream: StaticUpstream;
  let api: { url: string; child: ChildProcess };
  let s3: LocalS3;
  const temps: string[] = [];
  const servedByDataset = new Map<DatasetId, Record<string, unknown>[]>();

  const temp = async (label: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), label));
    temps.push(dir);
    return dir;
  };

  beforeAll(async () => {
    // The processes run the compiled entry points; make sure they are current (incremental: fast when unchanged).
    await promisify(execFile)(
      path.join(ROOT, 'node_modules/.bin/tsc'),
      ['-b', 'packages/core', 'packages/api', 'packages/ingest-lambda'],
      { cwd: ROOT },
    );
    upstream = await startStaticUpstream(BUNDLE);
    api = await startApiProcess({ UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: await temp('e2e-api-cache-') });
    s3 = await startS3rver();
    for (const dataset of DATASET_IDS) {
      const response = await fetch(`${api.url}/v1/datasets/${dataset}/rows?format=ndjson`);
      const text = await response.text();
      expect(response.status, text.slice(0, 200)).toBe(200);
      expect(response.headers.get('x-data-source'), dataset).toMatch(/^upstream; /);
      servedByDataset.set(
        dataset,
        text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
    }
  }, 120_000);

  afterAll(async () => {
    if (api?.child.exitCode === null) {
      api.child.kill('SIGTERM');
      await once(api.child, 'exit');
    }
    await Promise.all([upstream?.close(), s3?.close()]);
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const ingest = (lake: string, extra: Record<string, string> = {}) =>
    runIngestCli(['--api', api.url, '--lake', lake, '--date', DATE], {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ...extra,
    });

  /** The run manifest of a local lake (one per run id), read back to learn the run's id and start time. */
  async function manifestOf(root: string, output: string): Promise<RunManifest> {
    const runId = /^run (\S+) /m.exec(output)?.[1];
    expect(runId, output).toBeTruthy();
    const file = path.join(root, `manifests/processing_date=${DATE}/${runId}.json`);
    return JSON.parse(await readFile(file, 'utf8')) as RunManifest;
  }

  async function expectLakeEqualsApi(root: string, manifest: RunManifest) {
    for (const dataset of DATASET_IDS) {
      const served = servedByDataset.get(dataset) ?? [];
      expect(served.length, dataset).toBeGreaterThan(0);
      expect(await datasetRows(root, dataset, DATE), dataset).toEqual(
        served.map((row) => ({
          ...row,
          processed_at: new Date(manifest.started_at),
          run_id: manifest.run_id,
          processing_date: DATE,
        })),
      );
    }
    const logs = await readdir(path.join(root, `logs/processing_date=${DATE}`));
    expect(logs).toContain(`${manifest.run_id}.jsonl`);
  }

  it('into a local folder: equal to the API row for row; a second run of the date leaves the same rows', async () => {
    const root = await temp('e2e-lake-');
    const first = await ingest(root);
    expect(first.code, first.output).toBe(0);
    const manifest = await manifestOf(root, first.output);
    expect(manifest.outcome).toBe('succeeded');
    await expectLakeEqualsApi(root, manifest);

    const rowsSql = 'SELECT * EXCLUDE (file_row_number, processed_at, run_id) FROM {curated} ORDER BY ALL';
    const before = await queryLake(root, rowsSql);
    const second = await ingest(root);
    expect(second.code, second.output).toBe(0);
    const secondManifest = await manifestOf(root, second.output);
    expect(secondManifest.run_id).not.toBe(manifest.run_id);
    await expectLakeEqualsApi(root, secondManifest);
    expect(await queryLake(root, rowsSql)).toEqual(before);
  });

  it('into S3 (s3rver): equal to the API row for row, with its manifest and run log', async () => {
    const result = await ingest(`s3://${s3.bucket}/e2e`, { S3_ENDPOINT: s3.endpoint, RAW: 'true' });
    expect(result.code, result.output).toBe(0);
    const copy = await temp('e2e-s3-copy-');
    const keys = await downloadPrefix(s3, 'e2e/', copy);
    expect(keys.filter((k) => k.startsWith('e2e/curated/') && k.endsWith('.parquet'))).toHaveLength(15);
    expect(keys.filter((k) => k.startsWith('e2e/quality/') && k.endsWith('.parquet'))).toHaveLength(15);
    expect(keys.filter((k) => k.startsWith('e2e/revisions/'))).toEqual([]); // a first run compares nothing
    expect(keys.filter((k) => k.endsWith('.ndjson.gz'))).toHaveLength(15);
    await expectLakeEqualsApi(copy, await manifestOf(copy, result.output));
  });
});
