import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalS3, S3RVER_CREDENTIALS, startS3rver } from '../../ingest-lambda/test/helpers/s3rver.js';
import { loadConfig } from '../src/config.js';
import { type CopyStore, dataName, type StoredMeta, sha256Hex } from '../src/upstream/copy-store.js';
import { DiskStore } from '../src/upstream/disk-store.js';
import { openStore } from '../src/upstream/open-store.js';
import type { S3Store } from '../src/upstream/s3-store.js';

const metaFor = (bytes: Buffer, fetchedAt = '2025-06-01T00:00:00.000Z'): StoredMeta => ({
  file: 'Producao.csv',
  url: 'http://upstream/Producao.csv',
  fetchedAt,
  changedAt: '2025-06-01T00:00:00.000Z',
  etag: '"v1"',
  lastModified: null,
  contentHash: sha256Hex(bytes),
  previous: null,
});

/** One store under test, with a look at what it really holds (paths relative to its root, sorted). */
interface Fixture {
  readonly store: CopyStore;
  names(): Promise<string[]>;
  read(name: string): Promise<Buffer>;
  overwrite(name: string, content: string): Promise<void>;
  close(): Promise<void>;
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name))],
    ),
  );
  return nested.flat().sort();
}

async function diskFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'copy-store-'));
  return {
    store: new DiskStore(dir),
    names: () => listFiles(dir),
    read: (name) => readFile(join(dir, name)),
    overwrite: (name, content) => writeFile(join(dir, name), content),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

let s3: LocalS3;
const PREFIX = 'cache/';

async function s3Fixture(): Promise<Fixture> {
  // Each test gets its own prefix in the one bucket: nothing leaks between tests.
  const prefix = `${PREFIX}${Math.random().toString(36).slice(2)}/`;
  const store = (await openStore(
    loadConfig({ CACHE_S3_URI: `s3://${s3.bucket}/${prefix}`, S3_ENDPOINT: s3.endpoint }),
  )) as S3Store;
  return {
    store,
    names: async () => (await s3.listKeys(prefix)).map((key) => key.slice(prefix.length)),
    read: async (name) => Buffer.from(await s3.getObject(prefix + name)),
    overwrite: async (name, content) => {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: prefix + name, Body: content }));
    },
    close: () => store.close(),
  };
}

beforeAll(async () => {
  s3 = await startS3rver('api-cache');
  // The store's client takes its credentials and region from the default chain, as on Lambda.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
});
afterAll(async () => {
  await s3.close();
});

describe.each([
  ['DiskStore', diskFixture],
  ['S3Store', s3Fixture],
])('%s', (_name, makeFixture) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await makeFixture();
  });
  afterEach(async () => {
    await fixture.close();
  });

  const first = Buffer.from('id;control;produto;2000\n1;A;A;1\n');
  const second = Buffer.from('id;control;produto;2000\n1;A;A;2\n');

  it('loads nothing when nothing was saved', async () => {
    expect(await fixture.store.load('Producao.csv')).toBeNull();
  });

  it('keeps only the current copy and refreshes the metadata alone', async () => {
    const { store } = fixture;
    await store.save(metaFor(first), first);
    await store.save(metaFor(second), second);
    expect(await fixture.names()).toEqual([
      dataName('Producao.csv', sha256Hex(second)),
      'Producao.csv.meta.json',
    ]);
    const loaded = await store.load('Producao.csv');
    expect(loaded?.bytes).toEqual(second);
    expect(loaded?.meta).toEqual(metaFor(second));

    await store.save(metaFor(second, '2025-07-01T00:00:00.000Z'), null);
    expect((await store.load('Producao.csv'))?.meta.fetchedAt).toBe('2025-07-01T00:00:00.000Z');
    expect((await store.load('Producao.csv'))?.bytes).toEqual(second);
  });

  it('ignores a copy whose bytes no longer match or whose metadata is not its own; throws on metadata that is not JSON', async () => {
    const { store } = fixture;
    await store.save(metaFor(first), first);
    await fixture.overwrite(dataName('Producao.csv', sha256Hex(first)), 'tampered');
    expect(await store.load('Producao.csv')).toBeNull();

    await fixture.overwrite('Comercio.csv.meta.json', JSON.stringify(metaFor(first)));
    expect(await store.load('Comercio.csv')).toBeNull();

    await store.save(metaFor(first), first);
    await fixture.overwrite('Producao.csv.meta.json', '{"file":');
    await expect(store.load('Producao.csv')).rejects.toThrow(SyntaxError);
  });

  it('quarantines a copy: never loaded again, kept aside with the reason', async () => {
    const { store } = fixture;
    await store.save(metaFor(first), first);
    const movedTo = await store.quarantine('Producao.csv', sha256Hex(first), 'READ_FAILED: no header row');
    expect(await store.load('Producao.csv')).toBeNull();
    const names = await fixture.names();
    expect(
      names.every((name) => /^quarantine\/\d{4}-\d{2}-\d{2}T[\d-]+\.\d{3}Z-Producao\.csv\//.test(name)),
    ).toBe(true);
    expect(movedTo.startsWith(store.location)).toBe(true);
    expect(movedTo).toMatch(/quarantine\/[^/]+-Producao\.csv\/?$/);
    const reason = names.find((name) => name.endsWith('reason.txt'));
    const data = names.find((name) => name.endsWith(dataName('Producao.csv', sha256Hex(first))));
    expect(names.find((name) => name.endsWith('Producao.csv.meta.json'))).toBeDefined();
    expect(reason && (await fixture.read(reason)).toString()).toBe('READ_FAILED: no header row\n');
    expect(data && (await fixture.read(data))).toEqual(first);

    // A new good copy is stored and loaded as usual afterwards.
    await store.save(metaFor(second), second);
    expect((await store.load('Producao.csv'))?.bytes).toEqual(second);
  });

  it('quarantines only the copy that was read: a good copy saved meanwhile by another process stays', async () => {
    const { store } = fixture;
    await store.save(metaFor(first), first);
    const read = await store.load('Producao.csv'); // this process reads the bad copy…
    // …while another, sharing the store, saves a good one (its metadata now names it; the bad bytes are collected).
    await store.save(metaFor(second), second);
    // The bad bytes still there (written again, say, by a slower writer): moved aside, nothing else.
    await fixture.overwrite(dataName('Producao.csv', sha256Hex(first)), first.toString());
    await store.quarantine('Producao.csv', read?.meta.contentHash ?? '', 'rejected');
    expect((await store.load('Producao.csv'))?.bytes).toEqual(second);
    const aside = (await fixture.names()).filter((name) => name.startsWith('quarantine/'));
    expect(aside.map((name) => name.replace(/^quarantine\/[^/]+\//, '')).sort()).toEqual([
      dataName('Producao.csv', sha256Hex(first)),
      'reason.txt',
    ]);
  });
});

describe('CACHE_S3_URI', () => {
  it('names the bucket and the prefix, and refuses what is not an s3:// URI', () => {
    expect(loadConfig({ CACHE_S3_URI: 's3://my-bucket/api/cache' }).CACHE_S3_URI).toEqual({
      bucket: 'my-bucket',
      prefix: 'api/cache/',
    });
    expect(loadConfig({ CACHE_S3_URI: 's3://my-bucket' }).CACHE_S3_URI).toEqual({
      bucket: 'my-bucket',
      prefix: '',
    });
    expect(() => loadConfig({ CACHE_S3_URI: 'https://my-bucket/cache/' })).toThrow(
      /CACHE_S3_URI: expected s3:/,
    );
    expect(() => loadConfig({ CACHE_S3_URI: 's3://My_Bucket/cache/' })).toThrow(/CACHE_S3_URI/);
  });

  it('opens the disk store without it', async () => {
    const store = await openStore(loadConfig({ CACHE_DIR: '/tmp/somewhere' }));
    expect(store).toBeInstanceOf(DiskStore);
    expect(store.location).toBe('/tmp/somewhere');
  });
});
