import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalS3, S3RVER_CREDENTIALS, startS3rver } from '../../ingest-lambda/test/helpers/s3rver.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, sleep, startTestApi, type TestApi } from './support.js';

/** The API keeping its copies in S3 (CACHE_S3_URI), as on Lambda, against s3rver on loopback. */
describe('the cache kept in S3', () => {
  let s3: LocalS3;
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  const requests: { file: string; ifNoneMatch: string | undefined }[] = [];

  beforeAll(async () => {
    s3 = await startS3rver('api-cache');
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
  });
  afterAll(() => s3.close());
  beforeEach(async () => {
    requests.length = 0;
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    // Embrapa's server sends an ETag; the double does too, and answers 304 when it matches.
    upstream.setFault(async (file, req, res) => {
      const ifNoneMatch = req.headers['if-none-match'];
      requests.push({ file, ifNoneMatch });
      if (ifNoneMatch === `"${file}-v1"`) {
        res.writeHead(304, { etag: `"${file}-v1"` }).end();
        return true;
      }
      const body = await readFile(join(SNAPSHOT_DIR, file));
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length, etag: `"${file}-v1"` });
      res.end(body);
      return true;
    });
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    await upstream.close();
  });

  const start = async (prefix: string, env: Record<string, string> = {}) => {
    const api = await startTestApi(upstream.url, {
      CACHE_S3_URI: `s3://${s3.bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      UPSTREAM_RETRIES: '0',
      UPSTREAM_TIMEOUT_MS: '1000',
      ...env,
    });
    apis.push(api);
    return api;
  };

  it('writes each new copy to S3 and serves it after a cold start while the upstream is down', async () => {
    const first = await start('cache/outage/');
    const fresh = await first.get('/producaoCSV');
    expect(fresh.headers.get('x-data-source')).toBe('upstream; state=fresh');
    const body = await fresh.text();
    expect(await s3.listKeys('cache/outage/')).toEqual([
      expect.stringMatching(/^cache\/outage\/Producao\.csv\.[0-9a-f]{16}$/),
      'cache/outage/Producao.csv.meta.json',
    ]);
    // Nothing was written to CACHE_DIR: the store is S3 alone.
    await expect(readFile(join(first.cacheDir, 'Producao.csv.meta.json'))).rejects.toThrow(/ENOENT/);

    upstream.setFault((_file, _req, res) => {
      res.writeHead(503).end('down');
      return true;
    });
    const second = await start('cache/outage/');
    const restored = await second.get('/producaoCSV');
    expect(restored.status).toBe(200);
    expect(restored.headers.get('x-data-source')).toMatch(/^disk; state=/);
    expect(await restored.text()).toBe(body);
  });

  it('asks the upstream conditionally with the validators restored from S3', async () => {
    const first = await start('cache/conditional/', { CACHE_TTL_SECONDS: '1' });
    expect((await first.get('/producaoCSV')).status).toBe(200);
    await sleep(1100);
    const second = await start('cache/conditional/', { CACHE_TTL_SECONDS: '1' });
    requests.length = 0;
    // Past the TTL: served at once from the restored copy, refreshed in the background with If-None-Match.
    expect((await second.get('/producaoCSV')).headers.get('x-data-source')).toBe('disk; state=stale');
    await eventually(() => requests.length > 0);
    expect(requests[0]).toEqual({ file: 'Producao.csv', ifNoneMatch: '"Producao.csv-v1"' });
    await eventually(
      async () => (await second.get('/producaoCSV')).headers.get('x-data-source') === 'upstream; state=fresh',
    );
  });
});
