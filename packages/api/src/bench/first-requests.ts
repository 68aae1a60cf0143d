import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { longCategoryFile } from '../testing/hostile-files.js';
import { startStaticUpstream } from '../testing/static-upstream.js';
import { formatTable, snapshotDir } from './common.js';

/**
 * What a file at the reader's limits costs the real process (docs/performance.md#reader-limits): served as
 * Producao.csv by a loopback upstream, then, once the process is warm (a first request for another dataset), each
 * first request of the new version is made while /healthz is probed every 10 ms. Prints each request's time, the slowest probe during it (how long the event loop stalled) and the
 * process's RSS after it. Needs the built server (`pnpm bench:first-requests` builds it).
 */
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/** `rows` rows of `years` years, each named by `nameLength` characters (accented: two bytes each in UTF-8). */
function longNamesFile(rows: number, years: number, nameLength: number): Buffer {
  const labels = Array.from({ length: years }, (_, i) => 2000 + i);
  const lines = [`id;control;produto;${labels.join(';')}`];
  for (let id = 1; id <= rows; id++) {
    const name = `${id} `.padEnd(nameLength, 'ç');
    lines.push(`${id};vm_x;${name};${labels.map(() => String(id)).join(';')}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

const files = [
  { name: '40-character category, 8,000 items × 20 years', bytes: longCategoryFile(40, 8_000, 20) },
  { name: '7,000 rows × 24 years, 40-character names', bytes: longNamesFile(7_000, 24, 40) },
  { name: "Producao.csv (today's)", bytes: await readFile(join(snapshotDir(), 'Producao.csv')) },
];
const requests: Array<[string, string]> = [
  ['first JSON page (reads the file)', '/v1/datasets/producao/rows'],
  ['first item filter', '/v1/datasets/producao/rows?item=item1&format=ndjson'],
  ['first whole CSV', '/v1/datasets/producao/rows?format=csv'],
  ['first whole NDJSON', '/v1/datasets/producao/rows?format=ndjson'],
  ['first legacy', '/producaoCSV'],
  ['first quality report', '/v1/datasets/producao/quality'],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMb = async (child: ChildProcess) => {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  return (Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024).toFixed(0);
};

const upstream = await startStaticUpstream(snapshotDir());
const table: string[][] = [['file', 'request', 'MB', 'ms', 'slowest probe ms', 'RSS MB']];
for (const { name, bytes } of files) {
  upstream.setFault((file, _req, res) => {
    if (file !== 'Producao.csv') return false;
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': bytes.length }).end(bytes);
    return true;
  });
  const cacheDir = await mkdtemp(join(tmpdir(), 'bench-first-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      UPSTREAM_BASE_URL: upstream.url,
      CACHE_DIR: cacheDir,
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) resolve(entry.url);
    });
  });
  // A first request for another dataset warms the process (its HTTP client loaded, Koa's paths compiled): the
  // requests below then measure the new file, not the process's own first request.
  await (await fetch(`${url}/v1/datasets/comercializacao/rows`)).arrayBuffer();
  table.push([name, 'started and warmed', '', '', '', await rssMb(child)]);
  for (const [what, path] of requests) {
    let slowest = 0;
    let stop = false;
    const probe = (async () => {
      while (!stop) {
        const start = performance.now();
        await (await fetch(`${url}/healthz`)).arrayBuffer();
        slowest = Math.max(slowest, performance.now() - start);
        await sleep(10);
      }
    })();
    const start = performance.now();
    const body = await (await fetch(`${url}${path}`)).arrayBuffer();
    const ms = performance.now() - start;
    stop = true;
    await probe;
    table.push([
      '',
      what,
      (body.byteLength / 1e6).toFixed(1),
      ms.toFixed(0),
      slowest.toFixed(0),
      await rssMb(child),
    ]);
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  await rm(cacheDir, { recursive: true, force: true });
}
await upstream.close();
console.log(`node ${process.version}\n${formatTable(table)}`);
