import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoredMeta, sha256Hex } from './copy-store.js';
import { DiskStore } from './disk-store.js';

const metaFor = (bytes: Buffer, fetchedAt = '2025-06-01T00:00:00.000Z'): StoredMeta => ({
  file: 'Producao.csv',
  url: 'http://upstream/Producao.csv',
  fetchedAt,
  changedAt: '2025-06-01T00:00:00.000Z',
  etag: null,
  lastModified: null,
  contentHash: sha256Hex(bytes),
  previous: null,
});

describe('DiskStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'disk-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps only the current copy, refreshes metadata alone, and ignores inconsistent copies', async () => {
    const store = new DiskStore(dir);
    const first = Buffer.from('id;control;produto;2000\n1;A;A;1\n');
    const second = Buffer.from('id;control;produto;2000\n1;A;A;2\n');
    await store.save(metaFor(first), first);
    await store.save(metaFor(second), second);
    expect((await readdir(dir)).sort()).toEqual([
      `Producao.csv.${sha256Hex(second).slice(0, 16)}`,
      'Producao.csv.meta.json',
    ]);
    expect((await store.load('Producao.csv'))?.bytes).toEqual(second);

    await store.save(metaFor(second, '2025-07-01T00:00:00.000Z'), null);
    expect((await store.load('Producao.csv'))?.meta.fetchedAt).toBe('2025-07-01T00:00:00.000Z');

    await writeFile(join(dir, `Producao.csv.${sha256Hex(second).slice(0, 16)}`), 'tampered');
    expect(await store.load('Producao.csv')).toBeNull();
    expect(await store.load('Comercio.csv')).toBeNull();
  });

  it('reads metadata written before it recorded the previous copy', async () => {
    const store = new DiskStore(dir);
    const bytes = Buffer.from('id;control;produto;2000\n1;A;A;1\n');
    const { previous: _absent, ...older } = metaFor(bytes);
    await store.save(metaFor(bytes), bytes);
    await writeFile(join(dir, 'Producao.csv.meta.json'), JSON.stringify(older));
    expect((await store.load('Producao.csv'))?.meta.previous).toBeNull();
  });

  it('quarantines a copy: moved aside with its reason, never loaded again, other files untouched', async () => {
    const store = new DiskStore(dir);
    const bad = Buffer.from('id;control;produto;2000\n1;A;A;1\n');
    const other = Buffer.from('id;control;produto;2000\n1;B;B;2\n');
    await store.save(metaFor(bad), bad);
    await store.save({ ...metaFor(other), file: 'Comercio.csv' }, other);
    const folder = await store.quarantine(
      'Producao.csv',
      sha256Hex(bad),
      'Producao.csv: columns: at least 9003',
    );
    expect(folder.startsWith(join(dir, 'quarantine'))).toBe(true);
    expect(await store.load('Producao.csv')).toBeNull();
    expect((await readdir(folder)).sort()).toEqual([
      `Producao.csv.${sha256Hex(bad).slice(0, 16)}`,
      'Producao.csv.meta.json',
      'reason.txt',
    ]);
    expect(await readFile(join(folder, 'reason.txt'), 'utf8')).toBe('Producao.csv: columns: at least 9003\n');
    expect((await store.load('Comercio.csv'))?.bytes).toEqual(other);
    // A new good copy of the same file is stored and loaded as usual afterwards.
    await store.save(metaFor(other), other);
    expect((await store.load('Producao.csv'))?.bytes).toEqual(other);
  });

  it('quarantines only the copy that was read: a good copy stored meanwhile by another process stays', async () => {
    const reading = new DiskStore(dir);
    const bad = Buffer.from('id;control;produto;2000\n1;A;A;1\n');
    const good = Buffer.from('id;control;produto;2000\n1;A;A;2\n');
    await reading.save(metaFor(bad), bad);
    const read = await reading.load('Producao.csv'); // this process reads the bad copy…
    await new DiskStore(dir).save(metaFor(good), good); // …while another stores a good one
    const folder = await reading.quarantine('Producao.csv', read?.meta.contentHash ?? '', 'rejected');
    expect((await reading.load('Producao.csv'))?.bytes).toEqual(good);
    expect((await readdir(folder)).sort()).toEqual(['reason.txt']); // the bad bytes were replaced already
    // The bad copy still stored beside the good one (written, not yet collected) is moved; the good one is not.
    const badName = `Producao.csv.${sha256Hex(bad).slice(0, 16)}`;
    await writeFile(join(dir, badName), bad);
    const again = await reading.quarantine('Producao.csv', sha256Hex(bad), 'rejected');
    expect((await readdir(again)).sort()).toEqual([badName, 'reason.txt']);
    expect((await reading.load('Producao.csv'))?.bytes).toEqual(good);
  });
});
