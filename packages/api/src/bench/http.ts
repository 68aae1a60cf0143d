import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { request } from 'undici';
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';
import { startStaticUpstream } from '../testing/static-upstream.js';
import { envNumber, formatTable, snapshotDir } from './common.js';

/**
 * Requests/s of the API's cached routes next to a bare node:http server answering the same bytes, then a mixed
 * load over all routes. The API and the bare server each run in their own process (one at a time under load),
 * with autocannon in this one, so the load generator does not share the server's event loop. The API runs as
 * deployed: helmet headers, metrics, API keys and the rate limiter all on (the limit set high enough never to
 * refuse). Prints figures only.
 */
const duration = envNumber('BENCH_DURATION', 10);
const connections = Math.round(envNumber('BENCH_CONNECTIONS', 64));
const mixedDuration = envNumber('BENCH_MIXED_DURATION', 30);
// Unmeasured load first, so both servers are measured with their hot paths compiled, not during JIT warm-up.
const warmup = envNumber('BENCH_WARMUP', 3);
const BENCH_KEY = 'bench-key-0123456789abcdef';

interface Compared {
  readonly path: string;
  readonly headers: Record<string, string>;
}
const COMPARED: readonly Compared[] = [
  { path: '/producaoCSV', headers: {} },
  { path: '/v1/datasets/exportacao_vinho/rows', headers: {} },
  { path: '/producaoCSV', headers: { 'accept-encoding': 'br' } },
  // The home page, rendered per view from the 15 datasets held (series and charts kept per data version).
  { path: '/', headers: {} },
];
const MIXED = [
  '/producaoCSV',
  '/comercializacaoCSV',
  ...['Viniferas', 'Americanas', 'Mesa', 'Semclass'].map((tipo) => `/processamentoCSV/tipo/${tipo}`),
  ...['Vinhos', 'Espumantes', 'Frescas', 'Passas', 'Suco'].map((tipo) => `/importacaoCSV/tipo/${tipo}`),
  ...['Vinho', 'Espumantes', 'Uva', 'Suco'].map((tipo) => `/exportacaoCSV/tipo/${tipo}`),
  '/v1/datasets',
  '/v1/datasets/producao/rows?year=2020',
  '/v1/datasets/exportacao_vinho/rows?format=ndjson',
  '/openapi.json',
  '/healthz',
];

interface Captured {
  readonly body: string; // base64: crosses the IPC channel as JSON
  readonly contentType: string;
  readonly contentEncoding: string | null;
}
type Role =
  | { role: 'api'; upstream: string; cacheDir: string }
  | { role: 'bare'; captured: Record<string, Captured> };

const key = (c: Compared) => `${c.headers['accept-encoding'] ?? 'identity'} ${c.path}`;

/** Child process: serve, report the URL, stay up until killed. */
async function serve(role: Role): Promise<string> {
  if (role.role === 'api') {
    const running = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        UPSTREAM_BASE_URL: role.upstream,
        CACHE_DIR: role.cacheDir,
        LOG_LEVEL: 'warn',
        API_KEYS: BENCH_KEY,
        RATE_LIMIT_PER_MINUTE: '1000000',
      }),
    );
    return running.url;
  }
  const routes = new Map(
    Object.entries(role.captured).map(([k, c]) => [k, { ...c, bytes: Buffer.from(c.body, 'base64') }]),
  );
  const server = createServer((req, res) => {
    const coding = req.headers['accept-encoding'] === 'br' ? 'br' : 'identity';
    const route = routes.get(`${coding} ${req.url}`);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': route.contentType,
      'content-length': route.bytes.length,
    };
    if (route.contentEncoding) headers['content-encoding'] = route.contentEncoding;
    res.writeHead(200, headers);
    res.end(route.bytes);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startChild(role: Role): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  child.send(role);
  const [url] = (await once(child, 'message')) as [string];
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function fetchOk(url: string, headers: Record<string, string> = {}): Promise<Captured> {
  // undici.request, not fetch: the bytes as sent, compressed ones included, for the bare server to replay.
  const response = await request(url, { headers: { 'x-api-key': BENCH_KEY, ...headers } });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200)
    throw new Error(`GET ${url} → ${response.statusCode}: ${body.toString().slice(0, 200)}`);
  const encoding = response.headers['content-encoding'];
  return {
    body: body.toString('base64'),
    contentType: String(response.headers['content-type'] ?? 'application/octet-stream'),
    contentEncoding: typeof encoding === 'string' ? encoding : null,
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

async function main(): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-bench-'));
  const upstream = await startStaticUpstream(snapshotDir());
  const children: ChildProcess[] = [];
  try {
    const api = await startChild({ role: 'api', upstream: upstream.url, cacheDir });
    children.push(api.child);
    // One request per route (and coding) fills the caches, so every measured request is served from memory.
    for (const path of MIXED) await fetchOk(`${api.url}${path}`);
    // The home page's datasets are the ones held: after the legacy routes above, all 15.
    const captured: Record<string, Captured> = {};
    for (const c of COMPARED) captured[key(c)] = await fetchOk(`${api.url}${c.path}`, c.headers);
    const bare = await startChild({ role: 'bare', captured });
    children.push(bare.child);

    console.log(
      `node ${process.version}, ${connections} connections, ${duration} s per run after ${warmup} s of warm-up; servers in child processes\n`,
    );
    const rows: string[][] = [HEADER];
    const ratios: string[] = [];
    for (const c of COMPARED) {
      const headers = { 'x-api-key': BENCH_KEY, ...c.headers };
      const label = `${c.path}${c.headers['accept-encoding'] ? ' (br)' : ''}`;
      for (const url of [api.url, bare.url])
        await autocannon({ url: `${url}${c.path}`, connections, duration: warmup, headers });
      const apiResult = await autocannon({ url: `${api.url}${c.path}`, connections, duration, headers });
      rows.push(row(`API  ${label}`, apiResult));
      const bareResult = await autocannon({ url: `${bare.url}${c.path}`, connections, duration, headers });
      rows.push(row(`bare ${label}`, bareResult));
      const size = Buffer.from(captured[key(c)]?.body ?? '', 'base64').length / 1024;
      ratios.push(
        `API/bare ${label} (${size.toFixed(1)} KiB): ${(apiResult.requests.mean / bareResult.requests.mean).toFixed(2)}`,
      );
    }
    console.log(formatTable(rows));
    console.log(`\n${ratios.join('\n')}`);

    console.log(
      `\nmixed: ${MIXED.length} routes in turn, every other one asking for brotli, ${connections} connections, ${mixedDuration} s`,
    );
    const mixed = await autocannon({
      url: api.url,
      connections,
      duration: mixedDuration,
      headers: { 'x-api-key': BENCH_KEY },
      requests: MIXED.flatMap((path) => [
        { method: 'GET' as const, path },
        { method: 'GET' as const, path, headers: { 'x-api-key': BENCH_KEY, 'accept-encoding': 'br, gzip' } },
      ]),
    });
    console.log(formatTable([HEADER, row('API mixed', mixed)]));
  } finally {
    for (const child of children) await stopChild(child);
    await upstream.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) {
  const [role] = (await once(process, 'message')) as [Role];
  const url = await serve(role);
  process.send?.(url);
  process.on('SIGTERM', () => process.exit(0));
} else {
  await main();
}
