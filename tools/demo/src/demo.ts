import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig as loadApiConfig, type RunningServer, startServer } from '@vitibrasil/api';
import { type StaticUpstream, startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASETS, LAKE_QUERIES } from '@vitibrasil/core';
import {
  createLogger as createIngestLogger,
  ingestWithConfig,
  loadConfig as loadIngestConfig,
  processingDateOf,
  progressLine,
} from '@vitibrasil/ingest-lambda';
import { formatBytes, table } from './format.js';
import { runLakeQueries } from './lake-sql.js';

const USAGE = `Usage: pnpm demo [-- options]

Runs the whole chain: a local upstream serving the bundled snapshot (data/vitibrasil) on 127.0.0.1, the API on
a free port, the ingester into a local lake, then the lake's SQL (packages/core/src/queries.ts) with DuckDB.

  --lake DIR   where the lake is written (default ./lake)
  --serve      keep the API running after the queries, until Ctrl-C (PORT picks its port; default a free one)
  --live       read Embrapa's site (UPSTREAM_BASE_URL) instead of the bundled files; the API falls back on
               the bundle for any file it cannot get, as it does in production
  -h, --help

Exit status: 0 when every dataset was ingested and every query ran, 1 otherwise, 2 on bad arguments.`;

/** The repository's bundled snapshot: this module runs from tools/demo/dist. */
const BUNDLE_DIR = fileURLToPath(new URL('../../../data/vitibrasil/', import.meta.url));

interface Options {
  readonly lake: string;
  readonly serve: boolean;
  readonly live: boolean;
}

export interface DemoIo {
  write(text: string): unknown;
  /** With --serve: resolves when the API should stop (Ctrl-C in the terminal). */
  readonly stopped: () => Promise<void>;
}

function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      lake: { type: 'string' },
      serve: { type: 'boolean' },
      live: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.lake !== undefined && values.lake.trim() === '') throw new Error('--lake needs a folder');
  return { lake: resolve(values.lake ?? 'lake'), serve: values.serve ?? false, live: values.live ?? false };
}

/** Runs the demo; resolves to the exit status. */
export async function runDemo(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: DemoIo,
): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.write(`${USAGE}\n`);
    return 0;
  }
  return run(options, env, io);
}

async function run(
  options: Options,
  env: Readonly<Record<string, string | undefined>>,
  io: DemoIo,
): Promise<number> {
  const say = (line: string) => io.write(`${line}\n`);
  const step = (n: number, label: string, text: string) => say(`[${n}/5] ${label.padEnd(8)} ${text}`);
  const started = performance.now();
  const cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-demo-cache-'));
  let upstream: StaticUpstream | null = null;
  let api: RunningServer | null = null;
  try {
    say(
      `Vitibrasil demo: upstream → API → ingester → Parquet lake → SQL${options.live ? ' (live upstream)' : ''}\n`,
    );
    let upstreamUrl: string | undefined;
    if (options.live) {
      upstreamUrl = env.UPSTREAM_BASE_URL?.trim() || undefined;
      step(
        1,
        'upstream',
        `${upstreamUrl ?? "Embrapa's site (the API's default)"}, bundled snapshot as fallback`,
      );
    } else {
      upstream = await startStaticUpstream(BUNDLE_DIR);
      upstreamUrl = upstream.url;
      step(
        1,
        'upstream',
        `the bundled files (${relative(process.cwd(), BUNDLE_DIR) || '.'}) served at ${upstream.url}`,
      );
    }

    api = await startServer(
      loadApiConfig({
        PORT: (options.serve && env.PORT) || '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: env.LOG_LEVEL ?? 'error',
        CACHE_DIR: cacheDir,
        UPSTREAM_BASE_URL: upstreamUrl,
      }),
    );
    step(2, 'api', `listening at ${api.url} (cache in a temporary folder)`);

    const processingDate = processingDateOf(new Date());
    const ingestConfig = loadIngestConfig({
      API_BASE_URL: api.url,
      LAKE_URI: options.lake,
      LOG_LEVEL: 'ERROR',
    });
    step(3, 'ingest', `15 datasets from the API into ${options.lake}, processing_date=${processingDate}`);
    const result = await ingestWithConfig(ingestConfig, {
      processingDate,
      logger: createIngestLogger(ingestConfig.logLevel),
      onDataset: (d) => say(`    ${progressLine(d).trim()}`),
    });

    step(4, 'lake', `run ${result.runId}: ${result.outcome}`);
    const running = api;
    say(
      table(
        result.datasets.map((d) => {
          const served = running.api.cache.status(d.dataset).served;
          return {
            dataset: d.dataset,
            rows: d.rows,
            parquet: d.outcome === 'written' ? formatBytes(d.bytes) : d.outcome,
            'served from': served ? `${served.origin}${served.release ? ` ${served.release}` : ''}` : '-',
          };
        }),
        '    ',
      ),
    );
    const written = result.datasets.filter((d) => d.outcome === 'written');
    say(
      `    ${written.length} of ${DATASETS.length} datasets, ${written.reduce((s, d) => s + d.rows, 0).toLocaleString('en-US')} rows, ` +
        `${formatBytes(written.reduce((s, d) => s + d.bytes, 0))} of Parquet`,
    );

    const demoQueries = LAKE_QUERIES.filter((q) => q.demo);
    step(5, 'queries', `DuckDB over ${options.lake}/curated (the SQL the Athena named queries use)`);
    for (const { query, rows } of await runLakeQueries(options.lake, demoQueries)) {
      say(`\n    ${query.title}\n    ${query.description}`);
      say(table(rows, '    '));
    }

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say(`\nDone in ${seconds} s. The lake is in ${options.lake}:`);
    say(
      `    duckdb -c "SELECT dataset, count(*) FROM read_parquet('${relative(process.cwd(), options.lake) || '.'}/curated/**/*.parquet', hive_partitioning = true) GROUP BY ALL"`,
    );
    if (result.outcome !== 'succeeded') return 1;

    if (options.serve) {
      say(`\nThe API keeps running (Ctrl-C stops it):`);
      say(`    ${api.url}/                 home page: the datasets, their state and charts`);
      say(`    ${api.url}/docs/            interactive documentation (OpenAPI)`);
      say(`    ${api.url}/v1/datasets      the catalog`);
      say(`    ${api.url}/producaoCSV      a legacy route of the original service`);
      await io.stopped();
      say('stopping');
    }
    return 0;
  } finally {
    await api?.close();
    await upstream?.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}
