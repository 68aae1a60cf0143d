import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

const KEY_A = 'test-key-aaaaaaaaaaaaaaaa';
const KEY_B = 'test-key-bbbbbbbbbbbbbbbb';

/** undici.request: no automatic Accept-Encoding or decompression, so the test sees the bytes on the wire. */
async function raw(
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' | 'OPTIONS' = 'GET',
) {
  const response = await request(url, { headers, method });
  const body = Buffer.from(await response.body.arrayBuffer());
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { status: response.statusCode, header, body };
}

const json = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString());

describe('the HTTP edge', () => {
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const api = await startTestApi(upstream.url, env);
    apis.push(api);
    return api;
  };

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
  });
  afterAll(async () => {
    for (const api of apis) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    await upstream.close();
  });

  describe('API keys', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await start({ API_KEYS: `${KEY_A}, ${KEY_B}` });
    });

    it.each([
      '/producaoCSV',
      '/processamentoCSV/tipo/viniferas',
      '/v1/datasets',
      '/v1/datasets/producao/rows?limit=1',
      '/metrics',
    ])('refuses %s without a key: 401 problem with a Bearer challenge', async (path) => {
      const response = await raw(api.url + path);
      expect(response.status).toBe(401);
      expect(response.header('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.header('www-authenticate')).toBe('Bearer realm="vitibrasil"');
      expect(json(response.body)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    });

    it('refuses a wrong key, saying the token is invalid (RFC 6750)', async () => {
      for (const headers of [
        { 'x-api-key': 'wrong-key-cccccccccccccccc' },
        { 'x-api-key': `${KEY_A}x` },
        { 'x-api-key': KEY_A.slice(0, -1) },
        { 'x-api-key': `${KEY_A}, ${KEY_B}` },
        { authorization: `Bearer ${KEY_A.toUpperCase()}` },
      ] as Record<string, string>[]) {
        const response = await raw(`${api.url}/producaoCSV`, headers);
        expect(response.status, JSON.stringify(headers)).toBe(401);
        expect(response.header('www-authenticate')).toBe('Bearer realm="vitibrasil", error="invalid_token"');
      }
    });

    it('answers credentials of another scheme, or a Bearer without token, with the bare challenge', async () => {
      for (const authorization of [
        `Basic ${Buffer.from(`user:${KEY_A}`).toString('base64')}`,
        'Bearer',
        'Bearer  ',
      ]) {
        const response = await raw(`${api.url}/producaoCSV`, { authorization });
        expect(response.status, authorization).toBe(401);
        expect(response.header('www-authenticate')).toBe('Bearer realm="vitibrasil"');
      }
    });

    it('marks data served behind a key private, so shared caches do not hand it to clients without one', async () => {
      const response = await raw(`${api.url}/producaoCSV`, { 'x-api-key': KEY_A });
      expect(response.header('cache-control')).toMatch(/^private, max-age=\d+$/);
    });

    it('leaves case and trailing-slash variants of the open routes open, as the router matches them', async () => {
      for (const path of ['/HEALTHZ', '/healthz/', '/Readyz/', '/OPENAPI.JSON']) {
        expect((await raw(api.url + path)).status, path).toBe(200);
      }
    });

    it('accepts every configured key, as x-api-key or Authorization: Bearer', async () => {
      for (const headers of [
        { 'x-api-key': KEY_A },
        { 'x-api-key': KEY_B },
        { 'x-api-key': `${KEY_A}, ${KEY_A}` }, // the same key twice (Node joins repeated headers)
        { authorization: `Bearer ${KEY_A}` },
        { authorization: `bearer ${KEY_B}` },
      ] as Record<string, string>[]) {
        const response = await raw(`${api.url}/v1/datasets/producao/rows?limit=1`, headers);
        expect(response.status, JSON.stringify(headers)).toBe(200);
      }
    });

    it('leaves the probes and the API description open', async () => {
      expect((await raw(`${api.url}/healthz`)).status).toBe(200);
      expect((await raw(`${api.url}/readyz`)).status).toBe(200);
      expect((await raw(`${api.url}/openapi.json`)).status).toBe(200);
      expect((await raw(`${api.url}/docs/`)).status).toBe(200);
      expect((await raw(`${api.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    });
  });

  it('refuses an upstream URL with credentials: it is published in the catalog and in errors', async () => {
    await expect(start({ UPSTREAM_BASE_URL: 'http://user:secret@127.0.0.1:9/download/' })).rejects.toThrow(
      /UPSTREAM_BASE_URL: must not contain credentials/,
    );
  });

  it('refuses to start with a short or empty key list: no weak or default credentials', async () => {
    await expect(start({ API_KEYS: 'short' })).rejects.toThrow(/API_KEYS.*16 characters/s);
    await expect(start({ API_KEYS: ' , ' })).rejects.toThrow(/API_KEYS/);
  });

  describe('rate limit', () => {
    it('counts per client, sends RateLimit headers, and answers 429 with Retry-After past the limit', async () => {
      const api = await start({ RATE_LIMIT_PER_MINUTE: '5', API_KEYS: `${KEY_A},${KEY_B}` });
      const asA = { 'x-api-key': KEY_A };
      for (let i = 5; i >= 1; i--) {
        const response = await raw(`${api.url}/v1/datasets`, asA);
        expect(response.status).toBe(200);
        expect(response.header('ratelimit-policy')).toBe('5;w=60');
        expect(response.header('ratelimit-limit')).toBe('5');
        expect(Number(response.header('ratelimit-remaining'))).toBe(i - 1);
        expect(Number(response.header('ratelimit-reset'))).toBeGreaterThan(0);
      }
      const refused = await raw(`${api.url}/v1/datasets`, asA);
      expect(refused.status).toBe(429);
      expect(refused.header('content-type')).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(refused.header('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(120); // the rest of this window, then the decay of its count
      expect(refused.header('ratelimit-remaining')).toBe('0');
      expect(json(refused.body)).toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
        retry_after_seconds: retryAfter,
      });
      // Another key has its own budget; probes are never limited.
      expect((await raw(`${api.url}/v1/datasets`, { 'x-api-key': KEY_B })).status).toBe(200);
      expect((await raw(`${api.url}/healthz`, asA)).status).toBe(200);
    });

    it('limits by address without keys, including failed key guesses', async () => {
      const open = await start({ RATE_LIMIT_PER_MINUTE: '3' });
      for (let i = 0; i < 3; i++) expect((await raw(`${open.url}/v1/datasets`)).status).toBe(200);
      expect((await raw(`${open.url}/v1/datasets`)).status).toBe(429);

      const guarded = await start({ RATE_LIMIT_PER_MINUTE: '3', API_KEYS: KEY_A });
      for (let i = 0; i < 3; i++)
        expect(
          (await raw(`${guarded.url}/v1/datasets`, { 'x-api-key': `guess-${i}-aaaaaaaaaaaaaa` })).status,
        ).toBe(401);
      expect(
        (await raw(`${guarded.url}/v1/datasets`, { 'x-api-key': 'guess-9-aaaaaaaaaaaaaa' })).status,
      ).toBe(429);
    });

    it('behind a proxy, keys on the address the proxy appended, not on what the client put before it', async () => {
      const api = await start({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
      for (let i = 0; i < 3; i++) {
        const response = await raw(`${api.url}/v1/datasets`, { 'x-forwarded-for': `10.0.0.${i}, 192.0.2.7` });
        expect(response.status).toBe(200);
      }
      const spoofed = await raw(`${api.url}/v1/datasets`, { 'x-forwarded-for': '10.0.0.99, 192.0.2.7' });
      expect(spoofed.status).toBe(429);
      // Another address appended by the proxy is another client; garbage falls back to the socket's address.
      expect((await raw(`${api.url}/v1/datasets`, { 'x-forwarded-for': '192.0.2.8' })).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const garbage = await raw(`${api.url}/v1/datasets`, {
          'x-forwarded-for': `not-an-ip-${i}${'x'.repeat(200)}`,
        });
        expect(garbage.status).toBe(200);
      }
      expect((await raw(`${api.url}/v1/datasets`, { 'x-forwarded-for': 'still-not-an-ip' })).status).toBe(
        429,
      );
    });

    it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
      const api = await start({ RATE_LIMIT_PER_MINUTE: '0' });
      for (let i = 0; i < 20; i++) {
        const response = await raw(`${api.url}/healthz`);
        expect(response.status).toBe(200);
      }
      const response = await raw(`${api.url}/v1/datasets`);
      expect(response.header('ratelimit-limit')).toBeUndefined();
    });
  });

  describe('headers, CORS and request limits', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await start({
        CORS_ORIGINS: 'https://app.example.org, http://localhost:5173',
        MAX_QUERY_LENGTH: '300',
      });
    });

    it('sends helmet security headers on data, errors and probes', async () => {
      for (const path of ['/producaoCSV', '/v1/datasets/nope/rows', '/healthz']) {
        const response = await raw(api.url + path);
        expect(response.header('content-security-policy')).toContain("default-src 'self'");
        expect(response.header('content-security-policy')).not.toContain('upgrade-insecure-requests');
        expect(response.header('x-content-type-options')).toBe('nosniff');
        expect(response.header('strict-transport-security')).toMatch(/^max-age=/);
        expect(response.header('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.header('referrer-policy')).toBe('no-referrer');
        expect(response.header('x-powered-by')).toBeUndefined();
      }
    });

    it('allows the configured origins only, answers preflights, and exposes the useful headers', async () => {
      const allowed = await raw(`${api.url}/v1/datasets`, { origin: 'https://app.example.org' });
      expect(allowed.header('access-control-allow-origin')).toBe('https://app.example.org');
      expect(allowed.header('access-control-expose-headers')).toContain('ETag');
      expect(allowed.header('access-control-expose-headers')).toContain('RateLimit-Remaining');
      expect(allowed.header('vary')).toMatch(/Origin/);
      const other = await raw(`${api.url}/v1/datasets`, { origin: 'https://evil.example.com' });
      expect(other.header('access-control-allow-origin')).toBeUndefined();

      const preflight = await raw(
        `${api.url}/v1/datasets/producao/rows`,
        {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'x-api-key',
        },
        'OPTIONS',
      );
      expect(preflight.status).toBe(204);
      expect(preflight.header('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(preflight.header('access-control-allow-headers')).toContain('x-api-key');
      expect(preflight.header('access-control-allow-methods')).toContain('GET');
    });

    it('answers errors to allowed origins as problem documents with the CORS headers', async () => {
      for (const path of ['/v1/datasets/nope', '/v1/datasets/producao/rows?limit=abc', '/no/such/route']) {
        const response = await raw(api.url + path, { origin: 'https://app.example.org' });
        expect(response.status, path).toBeGreaterThanOrEqual(400);
        expect(response.status, path).toBeLessThan(500);
        expect(response.header('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.header('access-control-allow-origin')).toBe('https://app.example.org');
      }
      const anyOrigin = await start({ CORS_ORIGINS: '*', API_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '2' });
      for (const headers of [{}, { origin: 'https://x.example' }] as Record<string, string>[]) {
        const unauthorized = await raw(`${anyOrigin.url}/v1/datasets`, headers);
        expect(unauthorized.status).toBe(401);
        expect(unauthorized.header('www-authenticate')).toBe('Bearer realm="vitibrasil"');
      }
      const limited = await raw(`${anyOrigin.url}/v1/datasets`, { origin: 'https://x.example' });
      expect(limited.status).toBe(429);
      expect(limited.header('retry-after')).toBeDefined();
      expect(limited.header('access-control-allow-origin')).toBe('*');
    });

    it('answers a query string over MAX_QUERY_LENGTH with 414, before parsing it', async () => {
      const response = await raw(`${api.url}/v1/datasets/producao/rows?item=${'a'.repeat(400)}`);
      expect(response.status).toBe(414);
      expect(json(response.body)).toMatchObject({ status: 414, code: 'URI_TOO_LONG' });
      expect((await raw(`${api.url}/v1/datasets/producao/rows?item=${'a'.repeat(100)}`)).status).toBe(200);
    });

    it.each([
      '/v1/datasets',
      '/v1/datasets/producao',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs/',
    ])('rejects any query parameter on %s, which takes none', async (path) => {
      const response = await raw(`${api.url}${path}?year=2020&year=2021&colour`);
      expect(response.status).toBe(400);
      expect(json(response.body)).toMatchObject({
        code: 'INVALID_PARAMETER',
        invalid_params: [
          { name: 'year', reason: 'is not a parameter of this route' },
          { name: 'colour', reason: 'is not a parameter of this route' },
        ],
      });
      expect((await raw(`${api.url}${path}?`)).status).toBe(200);
    });

    it('ignores query strings on the legacy routes, as the original service did', async () => {
      expect((await raw(`${api.url}/producaoCSV?_=1700000000`)).status).toBe(200);
    });

    it('rejects unknown query parameters with 400 naming them', async () => {
      const response = await raw(`${api.url}/v1/datasets/producao/rows?yaer=2000`);
      expect(response.status).toBe(400);
      expect(json(response.body)).toMatchObject({
        code: 'INVALID_PARAMETER',
        invalid_params: [{ name: 'yaer', reason: 'is not a parameter of this route' }],
      });
    });
  });

  describe('compression', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await start();
    });

    it.each([
      ['/producaoCSV'],
      ['/v1/datasets/exportacao_vinho/rows?format=ndjson'],
      ['/v1/datasets/exportacao_vinho/rows?format=csv'],
    ])('serves %s as brotli, gzip or identity by Accept-Encoding, each with its own ETag', async (path) => {
      const identity = await raw(api.url + path, { 'accept-encoding': 'identity' });
      expect(identity.header('content-encoding')).toBeUndefined();
      expect(identity.header('vary')).toMatch(/Accept-Encoding/);
      const br = await raw(api.url + path, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.header('content-encoding')).toBe('br');
      expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
      expect(br.body.length).toBeLessThan(identity.body.length / 3);
      const gzip = await raw(api.url + path, { 'accept-encoding': 'gzip;q=1, br;q=0.5' });
      expect(gzip.header('content-encoding')).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
      const etags = new Set([identity, br, gzip].map((r) => r.header('etag')));
      expect(etags.size).toBe(3);
      const notModified = await raw(api.url + path, {
        'accept-encoding': 'br',
        'if-none-match': br.header('etag') ?? '',
      });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
    });

    it('serves the same compressed bytes again (compressed once per data version)', async () => {
      const path = `${api.url}/v1/datasets/exportacao_vinho/rows?format=ndjson`;
      const first = await raw(path, { 'accept-encoding': 'br' });
      const second = await raw(path, { 'accept-encoding': 'br' });
      expect(second.body.equals(first.body)).toBe(true);
    });

    it('falls back to identity when the client refuses both codings, and compresses dynamic bodies too', async () => {
      const refused = await raw(`${api.url}/producaoCSV`, { 'accept-encoding': 'br;q=0, gzip;q=0' });
      expect(refused.status).toBe(200);
      expect(refused.header('content-encoding')).toBeUndefined();
      const catalog = await raw(`${api.url}/v1/datasets`, { 'accept-encoding': 'gzip' });
      expect(catalog.header('content-encoding')).toBe('gzip');
      expect(JSON.parse(gunzipSync(catalog.body).toString())).toHaveProperty('datasets');
      const small = await raw(`${api.url}/healthz`, { 'accept-encoding': 'br' });
      expect(small.header('content-encoding')).toBeUndefined(); // below 1 KB: not worth it
    });
  });

  describe('conditional requests', () => {
    it('lets If-None-Match decide over If-Modified-Since, and ignores a no-cache request directive', async () => {
      const api = await start();
      const first = await raw(`${api.url}/producaoCSV`);
      const etag = first.header('etag') ?? '';
      const lastModified = first.header('last-modified') ?? '';
      const cases: Array<[Record<string, string>, number]> = [
        [{ 'if-none-match': etag, 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, 304],
        [{ 'if-none-match': '"other"', 'if-modified-since': lastModified }, 200],
        [{ 'if-none-match': `W/${etag}, "other"` }, 304],
        [{ 'if-none-match': '*' }, 304],
        [{ 'if-none-match': etag, 'cache-control': 'no-cache' }, 304],
        [{ 'if-modified-since': lastModified }, 304],
        [{ 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, 200],
        [{ 'if-modified-since': 'not a date' }, 200],
      ];
      for (const [headers, status] of cases) {
        expect((await raw(`${api.url}/producaoCSV`, headers)).status, JSON.stringify(headers)).toBe(status);
      }
    });
  });

  describe('metrics', () => {
    it('counts requests by route template and status, upstream fetches, cache lookups and data age', async () => {
      const api = await start();
      await raw(`${api.url}/producaoCSV`);
      await raw(`${api.url}/producaoCSV`);
      await raw(`${api.url}/v1/datasets/producao/rows?limit=1`);
      await raw(`${api.url}/v1/datasets/nope/rows`);
      await raw(`${api.url}/no/such/path`);
      const response = await raw(`${api.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.header('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = response.body.toString();
      const value = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      expect(value('http_requests_total{method="GET",route="/producaoCSV",status="200"}')).toBe(2);
      expect(value('http_requests_total{method="GET",route="/v1/datasets/:dataset/rows",status="200"}')).toBe(
        1,
      );
      expect(value('http_requests_total{method="GET",route="/v1/datasets/:dataset/rows",status="404"}')).toBe(
        1,
      );
      expect(value('http_requests_total{method="GET",route="unrouted",status="404"}')).toBe(1);
      expect(
        value('http_request_duration_seconds_count{method="GET",route="/producaoCSV",status="200"}'),
      ).toBe(2);
      expect(text).toContain(
        'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/producaoCSV",status="200"}',
      );
      expect(value('upstream_fetches_total{dataset="producao",outcome="updated"}')).toBe(1);
      expect(value('dataset_cache_lookups_total{dataset="producao",result="miss"}')).toBe(1);
      expect(value('dataset_cache_lookups_total{dataset="producao",result="hit"}')).toBe(2);
      const age = value('dataset_data_age_seconds{dataset="producao"}');
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
      expect(value('dataset_stale{dataset="producao"}')).toBe(0);
      expect(text).toContain('process_resident_memory_bytes');
    });

    it('records failed upstream fetches by error code', async () => {
      const api = await start();
      upstream.setFault((file, _req, res) => {
        if (file !== 'ProcessaMesa.csv') return false;
        res.writeHead(500).end();
        return true;
      });
      try {
        // Nothing held: the bundled snapshot answers, and the metrics say so.
        const response = await raw(`${api.url}/processamentoCSV/tipo/Mesa`);
        expect(response.status).toBe(200);
        expect(response.header('x-data-source')).toBe('bundled; state=stale-if-error');
      } finally {
        upstream.setFault(null);
      }
      const text = (await raw(`${api.url}/metrics`)).body.toString();
      expect(text).toMatch(
        /upstream_fetches_total\{dataset="processamento_mesa",outcome="upstream_http_error"\} 1/,
      );
      expect(text).toMatch(/dataset_bundled_fallbacks_total\{dataset="processamento_mesa"\} 1/);
      expect(text).toMatch(/dataset_served_origin\{dataset="processamento_mesa",origin="bundled"\} 1/);
      expect(text).toMatch(/dataset_served_origin\{dataset="processamento_mesa",origin="upstream"\} 0/);
    });
  });

  describe('request timeout', () => {
    it('refuses a REQUEST_TIMEOUT_MS that does not exceed UPSTREAM_TIMEOUT_MS', async () => {
      await expect(start({ UPSTREAM_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '5000' })).rejects.toThrow(
        /REQUEST_TIMEOUT_MS: must be greater than UPSTREAM_TIMEOUT_MS/,
      );
    });
  });
});
