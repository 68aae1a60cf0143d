import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { sha256Hex } from '../src/upstream/copy-store.js';
import { buildMain, type Child, startMain } from './child.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, replaceFile } from './support.js';

interface CatalogEntry {
  cached: { published_rows: number } | null;
  last_error: { code: string; message: string } | null;
}

const ORIGINAL = await readFile(join(SNAPSHOT_DIR, 'Producao.csv'), 'utf8');
const [HEADER, ...LINES] = ORIGINAL.trimEnd().split('\n');
/** The bad publication of the issue: every row three times (153 rows). */
const TRIPLED = Buffer.from(`${[HEADER, ...LINES, ...LINES, ...LINES].join('\n')}\n`);
/** A real shrink: the first ten rows only. */
const SHRUNK = Buffer.from(`${[HEADER, ...LINES.slice(0, 10)].join('\n')}\n`);

const serveProducao = (upstream: StaticUpstream, body: Buffer | null) =>
  replaceFile(upstream, 'Producao.csv', body);

const entryOf = async (child: Child): Promise<CatalogEntry> =>
  (await (await fetch(`${child.url}/v1/datasets/producao`)).json()) as CatalogEntry;

/** Requests the data (which starts refreshes past the TTL) until the served copy has `rows` published rows. */
const servedRows = (child: Child, rows: number, timeoutMs: number) =>
  eventually(async () => {
    await (await fetch(`${child.url}/producaoCSV`)).arrayBuffer();
    return (await entryOf(child)).cached?.published_rows === rows;
  }, timeoutMs);

const guardDecisions = async (child: Child) => {
  const text = await (await fetch(`${child.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('upstream_row_guard_decisions_total{dataset="producao"'))
    .map((line) => line.replace('upstream_row_guard_decisions_total{dataset="producao",', ''));
};

describe('the row guard never locks out a correction (CACHE_TTL_SECONDS=2, the real process)', () => {
  let upstream: StaticUpstream;
  const children: Child[] = [];
  const dirs: string[] = [];
  const start = async (cacheDir: string, env: Record<string, string> = {}) => {
    const child = await startMain({
      UPSTREAM_BASE_URL: upstream.url,
      CACHE_DIR: cacheDir,
      CACHE_TTL_SECONDS: '2',
      ...env,
    });
    children.push(child);
    return child;
  };
  const newCacheDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitibrasil-guard-'));
    dirs.push(dir);
    return dir;
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

  it('a tripled publication is accepted, and the original is served again within a minute of its return', async () => {
    const child = await start(await newCacheDir());
    await servedRows(child, 51, 10_000);
    serveProducao(upstream, TRIPLED);
    await servedRows(child, 153, 30_000);
    serveProducao(upstream, null);
    await servedRows(child, 51, 60_000);
    expect(await guardDecisions(child)).toContain('decision="accepted",reason="like_previous"} 1');
    // Logged with the reason too (the log reaches the pipe a moment later).
    await eventually(() =>
      child.logs.some((line) => line.msg === 'upstream refresh' && line.guard === 'like_previous'),
    );
  }, 120_000);

  it('the same across a restart: the copy before the last change is stored with the metadata', async () => {
    const cacheDir = await newCacheDir();
    const first = await start(cacheDir);
    await servedRows(first, 51, 10_000);
    serveProducao(upstream, TRIPLED);
    await servedRows(first, 153, 30_000);
    // Stored once the catalog shows it: wait for the metadata to name it before stopping.
    const meta = join(cacheDir, 'Producao.csv.meta.json');
    await eventually(
      async () =>
        (JSON.parse(await readFile(meta, 'utf8')) as { contentHash: string }).contentHash ===
        sha256Hex(TRIPLED),
    );
    const exited = once(first.process, 'exit');
    first.process.kill('SIGTERM');
    await exited;
    serveProducao(upstream, null);
    const second = await start(cacheDir);
    expect((await entryOf(second)).cached?.published_rows).toBe(153); // restored
    await servedRows(second, 51, 60_000);
  }, 120_000);

  it('a smaller file the upstream keeps serving is refused, then accepted on the third consecutive refresh', async () => {
    const child = await start(await newCacheDir());
    await servedRows(child, 51, 10_000);
    serveProducao(upstream, SHRUNK);
    await eventually(async () => {
      await (await fetch(`${child.url}/producaoCSV`)).arrayBuffer();
      return (await entryOf(child)).last_error !== null;
    }, 10_000);
    const refused = await entryOf(child);
    expect(refused.cached?.published_rows).toBe(51);
    expect(refused.last_error).toMatchObject({ code: 'SUSPICIOUS_UPSTREAM_FILE' });
    expect(refused.last_error?.message).toMatch(
      /10 rows .* where the copy served has 51 .* 3 consecutive refreshes \(1 so far\)/,
    );
    await servedRows(child, 10, 60_000);
    const decisions = await guardDecisions(child);
    expect(decisions).toContain('decision="refused",reason="fewer_rows"} 2');
    expect(decisions).toContain('decision="accepted",reason="confirmed"} 1');
  }, 120_000);

  it('SIGUSR2 makes the process accept the refused file at once', async () => {
    const child = await start(await newCacheDir(), { ROW_GUARD_REFRESHES: '1000' });
    await servedRows(child, 51, 10_000);
    serveProducao(upstream, SHRUNK);
    await eventually(async () => {
      await (await fetch(`${child.url}/producaoCSV`)).arrayBuffer();
      return (await entryOf(child)).last_error?.code === 'SUSPICIOUS_UPSTREAM_FILE';
    }, 10_000);
    child.process.kill('SIGUSR2');
    // No request needed: the override fetches the file again itself.
    await eventually(async () => (await entryOf(child)).cached?.published_rows === 10, 10_000);
    await eventually(() =>
      child.logs.some(
        (line) => String(line.msg).startsWith('row guard override') && String(line.datasets) === 'producao',
      ),
    );
    expect(await guardDecisions(child)).toContain('decision="accepted",reason="override"} 1');
  }, 60_000);
});
