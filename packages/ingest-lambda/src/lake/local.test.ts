import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, LakeError } from '../errors.js';
import { LocalDestination } from './local.js';
import { openDestination, parseLakeUri } from './open.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'local-lake-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('LocalDestination', () => {
  it('puts, replaces, gets, lists and deletes objects by key, leaving no temp files', async () => {
    const lake = new LocalDestination(root);
    expect(lake.uri).toBe(pathToFileURL(root).href);
    await lake.put('a/b=1/x.bin', Buffer.from('one'), 'application/octet-stream');
    await lake.put('a/b=1/x.bin', Buffer.from('two'), 'application/octet-stream');
    await lake.put('a/b=2/y.bin', Buffer.from('three'), 'application/octet-stream');
    expect(Buffer.from((await lake.get('a/b=1/x.bin')) ?? []).toString()).toBe('two');
    expect(await lake.get('a/missing')).toBeNull();
    expect((await lake.list('a/')).sort()).toEqual(['a/b=1/x.bin', 'a/b=2/y.bin']);
    expect(await lake.list('nothing/')).toEqual([]);
    expect(await readdir(path.join(root, 'a', 'b=1'))).toEqual(['x.bin']);
    await lake.delete('a/b=1/x.bin');
    await lake.delete('a/b=1/x.bin');
    expect(await lake.list('a/')).toEqual(['a/b=2/y.bin']);
  });

  it('refuses keys that escape the lake root', async () => {
    const lake = new LocalDestination(root);
    await expect(lake.put('../outside.bin', Buffer.from('x'), 'x')).rejects.toBeInstanceOf(LakeError);
  });
});

describe('parseLakeUri', () => {
  it('reads s3 URIs, file URLs and paths', () => {
    expect(parseLakeUri('s3://bucket')).toEqual({ kind: 's3', bucket: 'bucket', prefix: '' });
    expect(parseLakeUri('s3://bucket/some/prefix/')).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'some/prefix' });
    expect(parseLakeUri('file:///tmp/lake')).toEqual({ kind: 'local', root: '/tmp/lake' });
    expect(parseLakeUri('./lake')).toEqual({ kind: 'local', root: path.resolve('lake') });
    expect(() => parseLakeUri('s3://')).toThrow(ConfigError);
    expect(() => parseLakeUri('gs://bucket/x')).toThrow(/LAKE_URI/);
  });

  it('opens the destination a URI names', async () => {
    const local = await openDestination({ lakeUri: pathToFileURL(root).href, awsRegion: 'us-east-1' });
    expect(local).toBeInstanceOf(LocalDestination);
    const s3 = await openDestination({ lakeUri: 's3://bucket/p', awsRegion: 'us-east-1' });
    expect(s3.uri).toBe('s3://bucket/p');
    await Promise.all([local.close(), s3.close()]);
  });
});
