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
      // These tests poll the catalog for seconds on end: the rate limit (600 a minute) is not what they test.
      RATE_LIMIT_PER_MINUTE: '0',
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

  /** Requests the data until the refusal message counts `sightings` so far. */
  const refusedSightings = (child: Child, sightings: number) =>
    eventually(async () => {
      await (await fetch(`${child.url}/producaoCSV`)).arrayBuffer();
      return (await entryOf(child)).last_error?.message.includes(`(${sightings} so far,`) ?? false;
    }, 60_000);

  it('a smaller file the upstream keeps serving is refused, then accepted on the third consecutive refresh (ROW_GUARD_CONFIRM_SECONDS=0)', async () => {
    const child = await start(await newCacheDir(), { ROW_GUARD_CONFIRM_SECONDS: '0' });
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
      /10 rows .* where the copy served has 51 .* 3 consecutive refreshes over at least 0 s \(1 so far, over 0 s\)/,
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

  it('by default, consecutive refreshes alone do not get a smaller file in: an hour must pass since the first', async () => {
    const child = await start(await newCacheDir());
    await servedRows(child, 51, 10_000);
    serveProducao(upstream, SHRUNK);
    await refusedSightings(child, 4); // past ROW_GUARD_REFRESHES (3), seconds apart
    const entry = await entryOf(child);
    expect(entry.cached?.published_rows).toBe(51);
    expect(entry.last_error?.message).toMatch(
      /3 consecutive refreshes over at least 3600 s \(4 so far, over \d+ s\)/,
    );
    const decisions = await guardDecisions(child);
    expect(decisions.some((line) => line.includes('reason="confirmed"'))).toBe(false);
  }, 120_000);

  it('an override whose refresh fails on the network does not stick: the next refusal stands', async () => {
    const child = await start(await newCacheDir(), { ROW_GUARD_REFRESHES: '1000' });
    await servedRows(child, 51, 10_000);
    serveProducao(upstream, SHRUNK);
    await refusedSightings(child, 1);
    upstream.setFault((file, _req, res) => {
      if (file !== 'Producao.csv') return false;
      res.writeHead(500).end();
      return true;
    });
    const before = child.logs.length;
    child.process.kill('SIGUSR2');
    // The override's refresh fails on the upstream (not a refusal, which is logged as a failed refresh too).
    await eventually(() =>
      child.logs
        .slice(before)
        .some(
          (line) =>
            line.msg === 'upstream refresh failed' &&
            line.dataset === 'producao' &&
            line.code !== 'SUSPICIOUS_UPSTREAM_FILE',
        ),
    );
    serveProducao(upstream, SHRUNK); // the upstream back, serving the same smaller file
    await refusedSightings(child, 2);
    expect((await entryOf(child)).cached?.published_rows).toBe(51);
    expect((await guardDecisions(child)).some((line) => line.includes('reason="override"'))).toBe(false);
  }, 120_000);

  it('SIGUSR2 while the process starts is logged and ignored, not fatal', async () => {
    let signalled = false;
    const child = await startMain(
      { UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: await newCacheDir() },
      (_entry, process) => {
        // At its first log line, well before it listens.
        if (signalled) return;
        signalled = true;
        process.kill('SIGUSR2');
      },
    );
    children.push(child);
    expect(signalled).toBe(true);
    expect(child.process.signalCode).toBeNull();
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    // Ignored while starting; had it arrived once listening, an override with nothing refused.
    await eventually(() => child.logs.some((line) => String(line.msg).startsWith('row guard override')));
  }, 60_000);
});
