/**
 * Benchmark of the two function bundles as Lambda runs them (local/lambda-host.mjs: a fresh Node process per cold
 * start, the bundle's folder as task root, the template's environment). Prints, per bundle: bytes, cold init
 * (process start to handler module imported), first response, and peak RSS, as min / median / max of RUNS.
 *
 * API: cold start + first `/v1/datasets/producao/rows?year=2020` with the store empty and the upstream on
 * loopback (it fetches the file), and with the store (S3 on s3rver, CACHE_S3_URI) holding the 15 files (it
 * restores them at init and answers from memory); then peak RSS once all 15 datasets were served.
 * Ingest: cold start + one scheduled run (the schedule's rendered input, the API key read from SSM on loopback)
 * against the API on loopback, into S3 (s3rver), comparing with the previous day's partition; then the same with
 * the heap flags the Node.js runtime's bootstrap puts on the command line for 128 MB, which win over NODE_OPTIONS.
 *
 * Targets (not asserted: printed, compared by the reader): API cold init + first response, store empty, under
 * 300 ms here; the ingester within 128 MB. `RUNS=9 pnpm bench:bundles`; SNAPSHOT_DIR serves other files (longer
 * datasets: bench/grow-snapshot.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASET_IDS } from '@vitibrasil/core';
import { S3RVER_CREDENTIALS, startS3rver } from '../../packages/ingest-lambda/test/helpers/s3rver.js';
import { startFakeSsm } from '../../packages/ingest-lambda/test/helpers/ssm.js';
import { answerOf, functionEnvironment, httpApiEvent, renderScheduleInput } from '../local/events.js';
import {
  type Invocation,
  type LocalLambda,
  runtimeBootstrapArguments,
  startLocalLambda,
} from '../local/local-lambda.js';
import { removeSyntheses, synthesize } from '../local/synth.js';
import { type Bundle, bundleFunctions, DEFAULT_BUILD_DIR } from '../scripts/bundle.js';
import { HANDLER } from '../src/lambda-conventions.js';

const RUNS = Number(process.env.RUNS ?? 5);
const API_MAIN = fileURLToPath(new URL('../../packages/api/dist/main.js', import.meta.url));

/**
 * The API the ingester calls, as a server runs it: its built entry (`pnpm bench:bundles` builds it first) in a
 * process of its own, so its reader's worker threads load compiled JavaScript.
 */
async function startApiProcess(
  env: Record<string, string>,
): Promise<{ url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [API_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API exited (${code}) before listening`)));
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) resolve(entry.url);
    });
  });
  return {
    url,
    async close() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
const FIRST_PATH = '/v1/datasets/producao/rows?year=2020';
// The upstream's files: the bundled snapshot, or a grown copy of it (bench/grow-snapshot.ts).
const SNAPSHOT_DIR = process.env.SNAPSHOT_DIR ?? new URL('../../data/vitibrasil/', import.meta.url).pathname;
const MB = 1024 * 1024;
const scratch: string[] = [];

interface Sample {
  readonly initMs: number;
  readonly importMs: number;
  readonly initCpuMs: number;
  readonly firstMs: number;
  readonly firstCpuMs: number;
  readonly peakRssMb: number;
  readonly allDatasetsRssMb?: number;
}

const stats = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return { min: sorted[0] ?? Number.NaN, median, max: sorted.at(-1) ?? Number.NaN };
};
const show = (values: readonly number[], digits = 0) => {
  const { min, median, max } = stats(values);
  return `${min.toFixed(digits)} / ${median.toFixed(digits)} / ${max.toFixed(digits)}`;
};

function succeeded(invocation: Invocation): unknown {
  if (invocation.type === 'error') throw new Error(`${invocation.error.name}: ${invocation.error.message}`);
  return invocation.result;
}

function emptyTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-tmp-'));
  scratch.push(dir);
  return dir;
}

function describeBundle(bundle: Bundle): string {
  const total = bundle.files.reduce((sum, file) => sum + file.bytes, 0);
  const code = bundle.files.filter((file) => file.path.endsWith('.mjs'));
  const codeBytes = code.reduce((sum, file) => sum + file.bytes, 0);
  // What init reads: the entry and what it imports, but for the chunks loaded on demand (AWS SDK, undici, the
  // OpenAPI document).
  const outputs = bundle.metafile.outputs;
  const initBytes = bundle.loadedAtInit.reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  return (
    `${bundle.name}: ${(total / 1024).toFixed(0)} KiB in ${bundle.files.length} files; JavaScript ` +
    `${(codeBytes / 1024).toFixed(0)} KiB in ${code.length} files, of which ${(initBytes / 1024).toFixed(0)} KiB ` +
    'loaded at init'
  );
}

async function measure(
  start: () => Promise<LocalLambda>,
  first: (fn: LocalLambda) => Promise<Invocation>,
  after?: (fn: LocalLambda) => Promise<number>,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let run = 0; run < RUNS; run++) {
    const fn = await start();
    try {
      const invocation = await first(fn);
      succeeded(invocation);
      samples.push({
        initMs: fn.init.sinceStartMs,
        importMs: fn.init.importMs,
        initCpuMs: fn.init.cpuMs,
        firstMs: invocation.ms,
        firstCpuMs: invocation.cpuMs,
        peakRssMb: invocation.peakRssBytes / MB,
        ...(after ? { allDatasetsRssMb: (await after(fn)) / MB } : {}),
      });
    } finally {
      await fn.close();
    }
  }
  return samples;
}

function report(title: string, samples: readonly Sample[]): void {
  const line = (label: string, values: readonly number[], unit: string, digits = 0) =>
    console.log(`  ${label.padEnd(46)}${show(values, digits)} ${unit}`);
  console.log(`\n${title} (${samples.length} cold starts; min / median / max)`);
  line(
    'cold init, process start → handler imported',
    samples.map((s) => s.initMs),
    'ms',
  );
  line(
    "  of which the handler module's import",
    samples.map((s) => s.importMs),
    'ms',
  );
  line(
    'first response (handler)',
    samples.map((s) => s.firstMs),
    'ms',
  );
  line(
    'cold init + first response',
    samples.map((s) => s.initMs + s.firstMs),
    'ms',
  );
  line(
    '  CPU time of the two (all threads)',
    samples.map((s) => s.initCpuMs + s.firstCpuMs),
    'ms',
  );
  line(
    'peak RSS after the first response',
    samples.map((s) => s.peakRssMb),
    'MB',
    1,
  );
  const all = samples.flatMap((s) => (s.allDatasetsRssMb === undefined ? [] : [s.allDatasetsRssMb]));
  if (all.length) line('peak RSS after serving all 15 datasets', all, 'MB', 1);
}

const bundles = await bundleFunctions(DEFAULT_BUILD_DIR);
const { template } = synthesize({}, DEFAULT_BUILD_DIR);
const upstream = await startStaticUpstream(SNAPSHOT_DIR);
const s3 = await startS3rver('lake');
const apiCache = mkdtempSync(join(tmpdir(), 'bench-api-cache-'));
scratch.push(apiCache);
const API_KEY = 'bench-ingester-key-0123456789';
const api = await startApiProcess({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  UPSTREAM_BASE_URL: upstream.url,
  CACHE_DIR: apiCache,
  API_KEYS: API_KEY,
  RATE_LIMIT_PER_MINUTE: '0',
});
const ssm = await startFakeSsm();
ssm.setParameter('/vitibrasil/api-keys', API_KEY);
const aws = {
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
};

try {
  console.log(`Node ${process.version}, ${process.arch}; RUNS=${RUNS}`);
  for (const bundle of Object.values(bundles)) console.log(describeBundle(bundle));

  const apiEnvironment = (store: 'empty' | 'S3') =>
    functionEnvironment(
      template,
      'ApiFunction',
      store === 'S3'
        ? {
            UPSTREAM_BASE_URL: upstream.url,
            CACHE_S3_URI: `s3://${s3.bucket}/cache/`,
            S3_ENDPOINT: s3.endpoint,
            ...aws,
          }
        : { UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: emptyTmp() },
      store === 'S3' ? [] : ['CACHE_S3_URI'],
    );
  const startApi = (store: 'empty' | 'S3') => () =>
    startLocalLambda({
      dir: bundles.api.dir,
      handler: HANDLER,
      environment: apiEnvironment(store),
      memorySizeMb: 512,
    });
  const firstRequest = (fn: LocalLambda) => fn.invoke(httpApiEvent(FIRST_PATH, { 'accept-encoding': 'br' }));
  const serveAll = async (fn: LocalLambda) => {
    let peak = 0;
    for (const id of DATASET_IDS) {
      const invocation = await fn.invoke(
        httpApiEvent(`/v1/datasets/${id}/rows?limit=1000`, { 'accept-encoding': 'br' }),
      );
      const answer = answerOf(succeeded(invocation) as Parameters<typeof answerOf>[0]);
      if (answer.status !== 200) throw new Error(`${id}: ${answer.status}`);
      peak = invocation.peakRssBytes;
    }
    return peak;
  };

  report('API, store empty, upstream on loopback', await measure(startApi('empty'), firstRequest, serveAll));

  // Fill the S3 store: one instance fetches every file once.
  const filler = await startApi('S3')();
  await serveAll(filler);
  await filler.close();
  report(
    'API, store (S3 on s3rver) holding the 15 files',
    await measure(startApi('S3'), firstRequest, serveAll),
  );

  // As deployed with apiKeysParameter: the key read from SSM at run time (the SSM client counts in the RSS).
  const { template: keyed } = synthesize({ apiKeysParameter: '/vitibrasil/api-keys' }, DEFAULT_BUILD_DIR);
  const ingestEnvironment = functionEnvironment(keyed, 'IngesterFunction', {
    API_BASE_URL: `${api.url}/`,
    LAKE_URI: `s3://${s3.bucket}`,
    S3_ENDPOINT: s3.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    ...aws,
  });
  // The day before, unmeasured: each measured run then reads that partition back and compares, as every daily
  // run after the first does.
  const dayBefore = await startLocalLambda({
    dir: bundles.ingest.dir,
    handler: HANDLER,
    environment: ingestEnvironment,
  });
  succeeded(await dayBefore.invoke(renderScheduleInput(keyed, '2025-12-31T09:00:00Z')));
  await dayBefore.close();
  const input = renderScheduleInput(keyed, '2026-01-01T09:00:00Z');
  const INGEST_MEMORY_MB = 128;
  const measureIngest = (nodeArguments: readonly string[]) =>
    measure(
      () =>
        startLocalLambda({
          dir: bundles.ingest.dir,
          handler: HANDLER,
          environment: ingestEnvironment,
          memorySizeMb: INGEST_MEMORY_MB,
          nodeArguments,
        }),
      (fn) => fn.invoke(input),
    );
  const ingestSettings = `NODE_OPTIONS=${ingestEnvironment.NODE_OPTIONS}, CONCURRENCY=${ingestEnvironment.CONCURRENCY}`;
  report(
    `Ingest (${ingestSettings}, key from SSM), one scheduled run of 15 datasets into S3`,
    await measureIngest([]),
  );
  // Should Lambda's bootstrap put its own heap flags on Node's command line, they win over NODE_OPTIONS.
  const bootstrap = runtimeBootstrapArguments(INGEST_MEMORY_MB);
  report(
    `Ingest, the same with the runtime bootstrap's ${bootstrap.join(' ')} on the command line`,
    await measureIngest(bootstrap),
  );
} finally {
  await api.close();
  await ssm.close();
  await s3.close();
  await upstream.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  removeSyntheses();
}
