import { once } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { longCategoryFile, longFile, wideFile } from '../src/testing/hostile-files.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { sha256Hex } from '../src/upstream/copy-store.js';
import { DiskStore } from '../src/upstream/disk-store.js';
import { buildMain, type Child, startMain } from './child.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, replaceFile, sleep } from './support.js';

interface CatalogEntry {
  cached: { published_rows: number; content_hash: string; origin: string } | null;
  last_error: { code: string; message: string } | null;
}

const GOOD = () => readFile(join(SNAPSHOT_DIR, 'Producao.csv'));

/** Serves `body` in place of Producao.csv; every other file as published. */
const serveProducao = (upstream: StaticUpstream, body: Buffer | null) =>
  replaceFile(upstream, 'Producao.csv', body);

const failEverything = (upstream: StaticUpstream) =>
  upstream.setFault((_file, _req, res) => {
    res.writeHead(500).end();
    return true;
  });

const entryOf = async (child: Child): Promise<CatalogEntry> =>
  (await (await fetch(`${child.url}/v1/datasets/producao`)).json()) as CatalogEntry;

/** The stored copy of Producao.csv: what a restart would serve. */
const storedHash = async (cacheDir: string) =>
  (JSON.parse(await readFile(join(cacheDir, 'Producao.csv.meta.json'), 'utf8')) as { contentHash: string })
    .contentHash;

describe('hostile upstream files, against the real process', () => {
  let upstream: StaticUpstream;
  const children: Child[] = [];
  const dirs: string[] = [];
  const start = async (cacheDir: string, env: Record<string, string> = {}) => {
    const child = await startMain({ UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: cacheDir, ...env });
    children.push(child);
    return child;
  };
  const stop = async (child: Child) => {
    const exited = once(child.process, 'exit');
    child.process.kill('SIGTERM');
    await exited;
  };
  const newCacheDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitibrasil-hostile-'));
    dirs.push(dir);
    return dir;
  };
  /** Alive: not exited, and answering its probe. */
  const expectAlive = async (child: Child) => {
    expect(child.process.exitCode).toBeNull();
    expect(child.process.signalCode).toBeNull();
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
  };

  beforeAll(async () => {
    await buildMain();
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
  }, 120_000);
  afterEach(() => {
    serveProducao(upstream, null);
    for (const child of children.splice(0)) child.process.kill('SIGKILL');
  });
  afterAll(async () => {
    await upstream.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it.each([
    ['9,000 year columns, ten million cells (9.9 MB)', wideFile(), /columns: at least 9003/],
    ['9.8 MB of ordinary rows', longFile(9_800_000), /cells: at least \d+/],
    [
      'a 10,000-character category over 8,000 items × 20 years (480 KB)',
      longCategoryFile(10_000, 8_000, 20),
      /a cell of 10000 characters \(line 2, column 3\).*UPSTREAM_MAX_CELL_LENGTH/,
    ],
    [
      'a 1,000-character category over 8,000 items × 20 years (within the cell limit)',
      longCategoryFile(1_000, 8_000, 20),
      /tidy rows would hold \d+ characters of names, more than the 8000000 accepted \(UPSTREAM_MAX_TIDY_TEXT\)/,
    ],
  ])(
    'refuses %s: the process stays up, the last good copy is served and stays stored',
    async (_name, body, reason) => {
      const cacheDir = await newCacheDir();
      const child = await start(cacheDir, { CACHE_TTL_SECONDS: '1' });
      const good = await (await fetch(`${child.url}/producaoCSV`)).text();
      const goodHash = sha256Hex(await GOOD());
      serveProducao(upstream, body);
      await sleep(1100);
      expect(await (await fetch(`${child.url}/producaoCSV`)).text()).toBe(good); // stale: refreshes in the background
      await eventually(async () => (await entryOf(child)).last_error !== null, 10_000);
      const entry = await entryOf(child);
      expect(entry.last_error?.code).toBe('SUSPICIOUS_UPSTREAM_FILE');
      expect(entry.last_error?.message).toMatch(reason);
      await expectAlive(child);
      const after = await fetch(`${child.url}/producaoCSV`);
      expect(after.headers.get('x-data-source')).toBe('upstream; state=stale-if-error');
      expect(await after.text()).toBe(good);
      expect(await storedHash(cacheDir)).toBe(goodHash);
      const rows = await fetch(`${child.url}/v1/datasets/producao/rows?year=2023&format=ndjson`);
      expect((await rows.text()).trim().split('\n')).toHaveLength(51);
    },
  );

  it('a file at the limits, once read, has its whole-dataset body built in slices: a probe sent meanwhile is answered first', async () => {
    const child = await start(await newCacheDir());
    serveProducao(upstream, longCategoryFile(40, 8_000, 20)); // 160,020 observations: a 35 MB NDJSON body
    expect((await fetch(`${child.url}/v1/datasets/producao/rows?limit=1`)).status).toBe(200); // read
    const order: string[] = [];
    // Identity: the answer is sent as soon as the body is built (compression would let the loop turn anyway).
    const whole = fetch(`${child.url}/v1/datasets/producao/rows?format=ndjson`, {
      headers: { 'accept-encoding': 'identity' },
    }).then(async (response) => {
      order.push(`ndjson ${response.status}`);
      return (await response.text()).split('\n').length - 1;
    });
    await sleep(20); // the build has begun
    const probe = fetch(`${child.url}/healthz`).then((response) => order.push(`probe ${response.status}`));
    const [lines] = await Promise.all([whole, probe]);
    expect(order).toEqual(['probe 200', 'ndjson 200']);
    expect(lines).toBe(160_020);
  });

  it('a file that exhausts the reader heap costs the worker: probes answer throughout, the process stays up', async () => {
    const cacheDir = await newCacheDir();
    // Shape limits lifted so the hostile file reaches the parser: the worker's heap cap is the last defence.
    const child = await start(cacheDir, {
      CACHE_TTL_SECONDS: '1',
      UPSTREAM_MAX_COLUMNS: '1000000',
      UPSTREAM_MAX_CELLS: '100000000',
      READER_HEAP_MB: '64',
    });
    const good = await (await fetch(`${child.url}/producaoCSV`)).text();
    serveProducao(upstream, wideFile());
    await sleep(1100);
    await fetch(`${child.url}/producaoCSV`); // starts the refresh
    // While the worker reads, the event loop is free: probes and cached routes answer.
    let probes = 0;
    while ((await entryOf(child)).last_error === null) {
      expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${child.url}/producaoCSV`)).text()).toBe(good);
      probes++;
    }
    expect(probes).toBeGreaterThan(0);
    expect((await entryOf(child)).last_error?.code).toBe('READER_OUT_OF_MEMORY');
    await expectAlive(child);
    expect(await (await fetch(`${child.url}/producaoCSV`)).text()).toBe(good);
    expect(await storedHash(cacheDir)).toBe(sha256Hex(await GOOD()));
    // The next file is read by a new worker.
    serveProducao(upstream, null);
    await sleep(1100);
    await fetch(`${child.url}/producaoCSV`);
    await eventually(async () => (await entryOf(child)).last_error === null, 10_000);
  });

  /** A CACHE_DIR holding `bytes` as the stored copy of Producao.csv, as the process itself would have written it. */
  const poisonedCacheDir = async (bytes: Buffer) => {
    const cacheDir = await newCacheDir();
    await new DiskStore(cacheDir).save(
      {
        file: 'Producao.csv',
        url: `${upstream.url}Producao.csv`,
        fetchedAt: new Date().toISOString(),
        changedAt: new Date().toISOString(),
        etag: null,
        lastModified: null,
        contentHash: sha256Hex(bytes),
        previous: null,
      },
      bytes,
    );
    return cacheDir;
  };

  it.each([
    ['beyond the shape limits', {}, 'SUSPICIOUS_UPSTREAM_FILE'],
    [
      'exhausting the reader heap',
      { UPSTREAM_MAX_COLUMNS: '1000000', UPSTREAM_MAX_CELLS: '100000000', READER_HEAP_MB: '64' },
      'READER_OUT_OF_MEMORY',
    ],
  ] as const)(
    'a restart with a poisoned CACHE_DIR (%s) quarantines the copy and serves the good one, once',
    async (_name, limits, code) => {
      const cacheDir = await poisonedCacheDir(wideFile());
      const child = await start(cacheDir, limits);
      const quarantined = child.logs.find(
        (entry) => entry.msg === 'cached copy rejected by the reader: quarantined',
      );
      expect(quarantined).toMatchObject({ dataset: 'producao', code });
      const response = await fetch(`${child.url}/producaoCSV`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-data-source')).toBe('upstream; state=fresh');
      expect(await storedHash(cacheDir)).toBe(sha256Hex(await GOOD()));
      const [folder] = await readdir(join(cacheDir, 'quarantine'));
      expect(await readFile(join(cacheDir, 'quarantine', folder ?? '', 'reason.txt'), 'utf8')).toMatch(
        /Producao\.csv/,
      );
      await stop(child);
      // Not read again at the next start.
      const again = await start(cacheDir, limits);
      expect(again.logs.some((entry) => String(entry.msg).includes('quarantined'))).toBe(false);
      expect(again.logs.find((entry) => entry.msg === 'cache restored')).toMatchObject({
        restored: 1,
      });
      await expectAlive(again);
    },
  );

  it.each([
    ['the bundled snapshot', {}, 200],
    ['a 503 with the bundle off', { BUNDLED_SNAPSHOT: 'false' }, 503],
  ] as const)(
    'a restart with a poisoned CACHE_DIR during an outage serves %s for that dataset, the others from disk',
    async (_name, env, status) => {
      const cacheDir = await poisonedCacheDir(wideFile());
      const comercio = await readFile(join(SNAPSHOT_DIR, 'Comercio.csv'));
      await new DiskStore(cacheDir).save(
        {
          file: 'Comercio.csv',
          url: `${upstream.url}Comercio.csv`,
          fetchedAt: new Date().toISOString(),
          changedAt: new Date().toISOString(),
          etag: null,
          lastModified: null,
          contentHash: sha256Hex(comercio),
          previous: null,
        },
        comercio,
      );
      failEverything(upstream);
      const child = await start(cacheDir, env);
      const producao = await fetch(`${child.url}/producaoCSV`);
      expect(producao.status).toBe(status);
      if (status === 200) expect(producao.headers.get('x-data-source')).toBe('bundled; state=stale-if-error');
      else
        expect((await producao.json()) as { code: string }).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      const fromDisk = await fetch(`${child.url}/comercializacaoCSV`);
      expect(fromDisk.status).toBe(200);
      expect(fromDisk.headers.get('x-data-source')).toMatch(/^disk; /);
      await expectAlive(child);
    },
  );
});
