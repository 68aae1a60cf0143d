import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';
import { startStaticUpstream } from '../testing/static-upstream.js';
import { envNumber, formatTable, snapshotDir } from './common.js';

/**
 * Requests/s of the API's cached routes next to a bare node:http server answering the same bytes, then a mixed
 * load over all routes. Load generator, API and bare server share this process. Prints figures only.
 */
const duration = envNumber('BENCH_DURATION', 10);
const connections = Math.round(envNumber('BENCH_CONNECTIONS', 64));
const mixedDuration = envNumber('BENCH_MIXED_DURATION', 30);

const COMPARED = ['/producaoCSV', '/v1/datasets/exportacao_vinho/rows'];
const MIXED = [
  '/producaoCSV',
  '/comercializacaoCSV',
  ...['Viniferas', 'Americanas', 'Mesa', 'Semclass'].map((tipo) => `/processamentoCSV/tipo/${tipo}`),
  ...['Vinhos', 'Espumantes', 'Frescas', 'Passas', 'Suco'].map((tipo) => `/importacaoCSV/tipo/${tipo}`),
  ...['Vinho', 'Espumantes', 'Uva', 'Suco'].map((tipo) => `/exportacaoCSV/tipo/${tipo}`),
  '/v1/datasets',
  '/v1/datasets/producao/rows?year=2020',
  '/v1/datasets/exportacao_vinho/rows?format=ndjson',
  '/healthz',
];

interface Captured {
  readonly body: Buffer;
  readonly contentType: string;
}

async function fetchOk(url: string): Promise<Captured> {
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${body.toString().slice(0, 200)}`);
  return { body, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
}

/** A node:http server answering each captured path with the same bytes and content type, nothing else. */
async function startBare(
  routes: ReadonlyMap<string, Captured>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': route.contentType, 'content-length': route.body.length });
    res.end(route.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function row(label: string, r: autocannon.Result): string[] {
  return [
    label,
    r.requests.mean.toFixed(0),
    r.latency.p50.toFixed(1),
    r.latency.p99.toFixed(1),
    String(r.errors),
    String(r.non2xx),
    (r.throughput.mean / 1024 / 1024).toFixed(1),
  ];
}

const HEADER = ['run', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non2xx', 'MiB/s'];

const cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-bench-'));
const upstream = await startStaticUpstream(snapshotDir());
const api = await startServer(
  loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    UPSTREAM_BASE_URL: upstream.url,
    CACHE_DIR: cacheDir,
    LOG_LEVEL: 'warn',
  }),
);
let bare: Awaited<ReturnType<typeof startBare>> | undefined;
try {
  // One request per route fills the cache, so every measured request is served from memory.
  for (const path of new Set([...MIXED, ...COMPARED])) await fetchOk(`${api.url}${path}`);
  const captured = new Map<string, Captured>();
  for (const path of COMPARED) captured.set(path, await fetchOk(`${api.url}${path}`));
  bare = await startBare(captured);

  console.log(`node ${process.version}, ${connections} connections, ${duration} s per run\n`);
  const rows: string[][] = [HEADER];
  const ratios: string[] = [];
  for (const path of COMPARED) {
    const apiResult = await autocannon({ url: `${api.url}${path}`, connections, duration });
    rows.push(row(`API  ${path}`, apiResult));
    const bareResult = await autocannon({ url: `${bare.url}${path}`, connections, duration });
    rows.push(row(`bare ${path}`, bareResult));
    const size = (captured.get(path)?.body.length ?? 0) / 1024;
    ratios.push(
      `API/bare ${path} (${size.toFixed(1)} KiB): ${(apiResult.requests.mean / bareResult.requests.mean).toFixed(2)}`,
    );
  }
  console.log(formatTable(rows));
  console.log(`\n${ratios.join('\n')}`);

  console.log(`\nmixed: ${MIXED.length} routes in turn, ${connections} connections, ${mixedDuration} s`);
  const mixed = await autocannon({
    url: api.url,
    connections,
    duration: mixedDuration,
    requests: MIXED.map((path) => ({ method: 'GET', path })),
  });
  console.log(formatTable([HEADER, row('API mixed', mixed)]));
} finally {
  await bare?.close();
  await api.close();
  await upstream.close();
  await rm(cacheDir, { recursive: true, force: true });
}
