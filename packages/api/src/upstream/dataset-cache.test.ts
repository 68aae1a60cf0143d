import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_IDS, type DatasetId } from '@vitibrasil/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { type BundledCopy, BundledFiles } from '../bundle/bundled-files.js';
import { DEFAULT_SHAPE_LIMITS } from '../reader/shape-limits.js';
import { IsolatedReader } from '../reader/worker/isolated-reader.js';
import { type StaticUpstream, startStaticUpstream } from '../testing/static-upstream.js';
import { UpstreamClient } from './client.js';
import { DatasetCache } from './dataset-cache.js';
import { DiskStore } from './disk-store.js';

/** The real bundle, counting how often a file is read from it. */
class CountingBundle extends BundledFiles {
  loads = 0;
  override load(dataset: DatasetId): Promise<BundledCopy> {
    this.loads++;
    return super.load(dataset);
  }
}

describe('DatasetCache and the bundled snapshot', () => {
  let upstream: StaticUpstream;
  let client: UpstreamClient;
  let reader: IsolatedReader;
  const temps: string[] = [];
  const temp = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitibrasil-cache-unit-'));
    temps.push(dir);
    return dir;
  };
  const cacheWith = async (bundled: BundledFiles, ttlMs = 60_000) =>
    new DatasetCache({
      fetcher: client,
      store: new DiskStore(await temp()),
      reader,
      bundled,
      ttlMs,
      rowGuardConfirmations: 3,
      rowGuardConfirmMs: 3_600_000,
      bodyCacheBytes: 1 << 20,
      logger: pino({ level: 'silent' }),
    });
  const down = () =>
    upstream.setFault((_file, _req, res) => {
      res.writeHead(500).end();
      return true;
    });

  beforeEach(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    client = new UpstreamClient({
      UPSTREAM_BASE_URL: upstream.url,
      UPSTREAM_TIMEOUT_MS: 2000,
      UPSTREAM_RETRIES: 0,
      UPSTREAM_MAX_BYTES: 10 << 20,
    });
    reader = new IsolatedReader({ ...DEFAULT_SHAPE_LIMITS, heapMb: 256, timeoutMs: 10_000 });
  });
  afterEach(async () => {
    await client.close();
    await reader.close();
    await upstream.close();
    for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('never reads the bundle while the upstream answers', async () => {
    const bundle = new CountingBundle(SNAPSHOT_DIR);
    const cache = await cacheWith(bundle);
    for (const id of DATASET_IDS) expect((await cache.get(id)).origin).toBe('upstream');
    expect(bundle.loads).toBe(0);
  });

  it('reads a bundled file that fails its check at most once per back-off', async () => {
    const dir = await temp();
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    const file = join(dir, 'Producao.csv');
    await writeFile(file, `${await readFile(file, 'utf8')}\n`);
    const bundle = new CountingBundle(dir);
    const cache = await cacheWith(bundle);
    down();
    for (let i = 0; i < 10; i++)
      await expect(cache.get('producao')).rejects.toThrow(/no cached copy of 'producao'/);
    expect(bundle.loads).toBe(1);
    expect(cache.status('producao').served).toBeNull();
  });

  it("takes the upstream's dates when it serves the bundle's bytes", async () => {
    const cache = await cacheWith(new BundledFiles(SNAPSHOT_DIR), 50); // back-off: min(TTL, 30 s)
    down();
    const bundled = await cache.get('producao');
    expect(bundled).toMatchObject({ origin: 'bundled', release: '2025-06', state: 'stale-if-error' });
    expect(bundled.snapshot.changedAt.toISOString()).toBe('2025-06-30T00:00:00.000Z');
    upstream.setFault(null);
    await new Promise((done) => setTimeout(done, 60));
    cache.retryBundled();
    await expect.poll(() => cache.status('producao').served?.origin).toBe('upstream');
    const served = cache.status('producao').served;
    expect(served?.release).toBeNull();
    expect(served?.snapshot.contentHash).toBe(bundled.snapshot.contentHash);
    expect(served?.snapshot.changedAt.getTime()).toBeGreaterThan(Date.parse('2026-01-01'));
  });
});
