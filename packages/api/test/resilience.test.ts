import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fault, type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, sleep, startTestApi, type TestApi } from './support.js';

// Each way the upstream has been seen to fail, applied to Producao.csv only.
const FAULTS: Record<string, Fault> = {
  'HTTP 500': (_file, _req, res) => {
    res.writeHead(500).end('Internal Server Error');
    return true;
  },
  'an HTML page with status 200': (_file, _req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Site em manutenção</body></html>');
    return true;
  },
  'a truncated body': async (file, _req, res) => {
    const body = await readFile(join(SNAPSHOT_DIR, file));
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
    res.write(body.subarray(0, body.length / 2));
    res.destroy();
    return true;
  },
  'a truncated body without content-length': async (file, _req, res) => {
    const body = await readFile(join(SNAPSHOT_DIR, file));
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.end(body.subarray(0, Math.floor(body.length * 0.7)));
    return true;
  },
  // No Content-Length and no chunking: only the connection's end delimits the body, so nothing proves it complete.
  'a close-delimited body cut inside its last cell': async (file, _req, res) => {
    const body = await readFile(join(SNAPSHOT_DIR, file));
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\nconnection: close\r\n\r\n';
    res.socket?.end(Buffer.concat([Buffer.from(head), body.subarray(0, body.length - 3)]));
    return true;
  },
  'an empty body': (_file, _req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' }).end();
    return true;
  },
  'a stalled response': (_file, _req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.write('id;control;produto;1970\n');
    return true; // never ends: the client's deadline must cut it
  },
  'far fewer rows': async (file, _req, res) => {
    const lines = (await readFile(join(SNAPSHOT_DIR, file), 'utf8')).split('\n');
    res.writeHead(200, { 'content-type': 'text/csv' }).end(`${lines.slice(0, 6).join('\n')}\n`);
    return true;
  },
  // Files without a header line are read by position; what is wrong with them is refused all the same.
  'far fewer rows, without header': async (file, _req, res) => {
    const lines = (await readFile(join(SNAPSHOT_DIR, file), 'utf8')).split('\n');
    res.writeHead(200, { 'content-type': 'text/csv' }).end(`${lines.slice(1, 6).join('\n')}\n`);
    return true;
  },
  'a close-delimited body without header cut inside its last cell': async (file, _req, res) => {
    const body = await readFile(join(SNAPSHOT_DIR, file));
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\nconnection: close\r\n\r\n';
    const data = body.subarray(body.indexOf('\n') + 1, body.length - 3);
    res.socket?.end(Buffer.concat([Buffer.from(head), data]));
    return true;
  },
  'a ragged row inside a file without header': async (file, _req, res) => {
    const lines = (await readFile(join(SNAPSHOT_DIR, file), 'utf8')).split('\n').slice(1);
    lines[10] = lines[10]?.replace(/;[^;]*$/, '') ?? '';
    res.writeHead(200, { 'content-type': 'text/csv' }).end(lines.join('\n'));
    return true;
  },
};

const onlyProducao =
  (fault: Fault): Fault =>
  (file, req, res) =>
    file === 'Producao.csv' ? fault(file, req, res) : false;

describe('upstream outages', () => {
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const api = await startTestApi(upstream.url, {
      UPSTREAM_TIMEOUT_MS: '1000',
      UPSTREAM_RETRIES: '1',
      ...env,
    });
    apis.push(api);
    return api;
  };

  beforeEach(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    await upstream.close();
  });

  it('fetches a file once however many requests wait for it', async () => {
    upstream.setFault(async () => {
      await sleep(200); // keep the first fetch open while the others arrive
      return false;
    });
    const api = await start();
    const responses = await Promise.all(Array.from({ length: 25 }, () => api.get('/producaoCSV')));
    expect(responses.map((r) => r.status)).toEqual(Array(25).fill(200));
    const bodies = new Set(await Promise.all(responses.map((r) => r.text())));
    expect(bodies.size).toBe(1);
    expect(upstream.hits.get('Producao.csv')).toBe(1);
  });

  it('serves the cached copy at once after the TTL and refreshes it in the background', async () => {
    const api = await start({ CACHE_TTL_SECONDS: '1' });
    expect((await api.get('/producaoCSV')).headers.get('x-data-source')).toBe('upstream; state=fresh');
    await sleep(1100);
    upstream.setFault(async () => {
      await sleep(300); // a slow refresh must not delay the stale answer
      return false;
    });
    const stale = await api.get('/producaoCSV');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-data-source')).toBe('upstream; state=stale');
    await eventually(() => upstream.hits.get('Producao.csv') === 2);
    await eventually(
      async () => (await api.get('/producaoCSV')).headers.get('x-data-source') === 'upstream; state=fresh',
    );
    expect(upstream.hits.get('Producao.csv')).toBe(2);
  });

  it.each(Object.keys(FAULTS))('keeps serving the last good copy on %s', async (name) => {
    const api = await start({ CACHE_TTL_SECONDS: '1' });
    const good = await api.get('/producaoCSV');
    const goodBody = await good.text();
    const goodRows = await (await api.get('/v1/datasets/producao/rows?format=ndjson')).text();
    upstream.setFault(onlyProducao(FAULTS[name] as Fault));
    await sleep(1100);
    const during = await api.get('/producaoCSV');
    expect(during.status).toBe(200);
    expect(await during.text()).toBe(goodBody);
    // The refresh fails or is rejected in the background; the catalog reports it, the data stays.
    await eventually(async () => {
      const entry = (await (await api.get('/v1/datasets/producao')).json()) as { last_error: unknown };
      return entry.last_error !== null;
    });
    const after = await api.get('/producaoCSV');
    expect(after.headers.get('x-data-source')).toBe('upstream; state=stale-if-error');
    expect(after.headers.get('etag')).toBe(good.headers.get('etag'));
    expect(await after.text()).toBe(goodBody);
    expect(await (await api.get('/v1/datasets/producao/rows?format=ndjson')).text()).toBe(goodRows);
    const entry = (await (await api.get('/v1/datasets/producao')).json()) as {
      cached: { state: string };
      last_error: { code: string };
    };
    expect(entry.cached.state).toBe('stale-if-error');
    expect(entry.last_error.code).toMatch(
      /^(UPSTREAM_HTTP_ERROR|UPSTREAM_NETWORK_ERROR|MALFORMED_UPSTREAM_FILE|SUSPICIOUS_UPSTREAM_FILE)$/,
    );
  });

  it('recovers when the upstream comes back', async () => {
    const api = await start({ CACHE_TTL_SECONDS: '1' });
    await api.get('/producaoCSV');
    upstream.setFault(FAULTS['HTTP 500'] as Fault);
    await sleep(1100);
    await api.get('/producaoCSV');
    await eventually(
      async () =>
        (await api.get('/producaoCSV')).headers.get('x-data-source')?.endsWith('stale-if-error') ?? false,
    );
    upstream.setFault(null);
    await sleep(1100); // the failure back-off (min(TTL, 30 s)) has passed
    await eventually(
      async () => (await api.get('/producaoCSV')).headers.get('x-data-source') === 'upstream; state=fresh',
    );
  });

  it('serves from the disk cache after a restart during an outage', async () => {
    const first = await start();
    const body = await (await first.get('/processamentoCSV/tipo/Viniferas')).text();
    await first.close();
    apis.splice(apis.indexOf(first), 1);
    upstream.setFault(FAULTS['HTTP 500'] as Fault);
    const second = await start({ CACHE_DIR: first.cacheDir });
    const response = await second.get('/processamentoCSV/tipo/Viniferas');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-data-source')).toMatch(/^disk; state=/);
    expect(await response.text()).toBe(body);
    expect((await second.get('/readyz')).status).toBe(200);
    // A dataset never fetched before the restart falls back on the bundled snapshot.
    expect((await second.get('/producaoCSV')).headers.get('x-data-source')).toBe(
      'bundled; state=stale-if-error',
    );
  });

  it('answers 503 problem+json with Retry-After when nothing was ever fetched and the bundle is off', async () => {
    upstream.setFault(FAULTS['HTTP 500'] as Fault);
    const api = await start({ BUNDLED_SNAPSHOT: 'false' });
    const response = await api.get('/v1/datasets/producao/rows');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
    expect((await api.get('/readyz')).status).toBe(503);
    expect((await api.get('/healthz')).status).toBe(200);
  });

  it('answers 503 within the 10 s upstream deadline when the upstream stalls (default configuration)', async () => {
    upstream.setFault(FAULTS['a stalled response'] as Fault);
    // '' → the default, 10 s
    const api = await startTestApi(upstream.url, { UPSTREAM_TIMEOUT_MS: '', BUNDLED_SNAPSHOT: 'false' });
    apis.push(api);
    const response = await api.get('/producaoCSV');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeTruthy();
  }, 15_000);
});

describe('the bundled snapshot, last resort', () => {
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  const temps: string[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const api = await startTestApi(upstream.url, {
      UPSTREAM_TIMEOUT_MS: '1000',
      UPSTREAM_RETRIES: '0',
      ...env,
    });
    apis.push(api);
    return api;
  };
  const down = () => upstream.setFault(FAULTS['HTTP 500'] as Fault);

  beforeEach(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    for (const dir of temps.splice(0)) await removeDir(dir);
    await upstream.close();
  });

  it('serves the bundle when the upstream fails and nothing is held, saying so everywhere', async () => {
    const reference = await start();
    const expected = {
      legacy: await (await reference.get('/producaoCSV')).text(),
      rows: await (await reference.get('/v1/datasets/producao/rows?format=ndjson')).text(),
    };
    down();
    const api = await start();
    const legacy = await api.get('/producaoCSV');
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('x-data-source')).toBe('bundled; state=stale-if-error');
    expect(legacy.headers.get('last-modified')).toBe('Mon, 30 Jun 2025 00:00:00 GMT');
    expect(legacy.headers.get('x-data-fetched-at')).toBe('2025-06-30T00:00:00.000Z');
    expect(legacy.headers.get('cache-control')).toBe('public, max-age=0');
    expect(await legacy.text()).toBe(expected.legacy);
    expect(await (await api.get('/v1/datasets/producao/rows?format=ndjson')).text()).toBe(expected.rows);

    const entry = (await (await api.get('/v1/datasets/producao')).json()) as {
      cached: { origin: string; release: string | null; state: string; fetched_at: string };
      last_error: { code: string } | null;
    };
    expect(entry.cached).toMatchObject({
      origin: 'bundled',
      release: '2025-06',
      state: 'stale-if-error',
      fetched_at: '2025-06-30T00:00:00.000Z',
    });
    expect(entry.last_error?.code).toBe('UPSTREAM_HTTP_ERROR');
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', bundled: ['producao'] });
  });

  it('answers readiness from the bundle when nothing is held and the upstream is down', async () => {
    down();
    const api = await start();
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', bundled: ['processamento_semclass'] });
  });

  it('ends the degraded state on readiness probes once the upstream is back, without data requests', async () => {
    down();
    const api = await start({ CACHE_TTL_SECONDS: '1' }); // failure back-off: min(TTL, 30 s) = 1 s
    expect(await (await api.get('/readyz')).json()).toEqual({
      status: 'degraded',
      bundled: ['processamento_semclass'],
    });
    upstream.setFault(null);
    await sleep(1100);
    await eventually(
      async () => ((await (await api.get('/readyz')).json()) as { status: string }).status === 'ready',
    );
  });

  it('is replaced by the first valid upstream file, which then persists to CACHE_DIR', async () => {
    down();
    const api = await start({ CACHE_TTL_SECONDS: '1' }); // failure back-off: min(TTL, 30 s) = 1 s
    expect((await api.get('/producaoCSV')).headers.get('x-data-source')).toBe(
      'bundled; state=stale-if-error',
    );
    upstream.setFault(null);
    await sleep(1100);
    await eventually(
      async () => (await api.get('/producaoCSV')).headers.get('x-data-source') === 'upstream; state=fresh',
    );
    expect((await (await api.get('/readyz')).json()) as object).toEqual({ status: 'ready', bundled: [] });
    // The upstream's bytes equal the bundle's here: they must still reach CACHE_DIR (written just after the copy
    // is served, so wait for the metadata that names it).
    await eventually(() => existsSync(join(api.cacheDir, 'Producao.csv.meta.json')));
    await api.close();
    apis.splice(apis.indexOf(api), 1);
    down();
    const restarted = await start({ CACHE_DIR: api.cacheDir });
    expect((await restarted.get('/producaoCSV')).headers.get('x-data-source')).toMatch(/^disk; state=/);
  });

  it('never replaces a copy held from the upstream', async () => {
    const api = await start({ CACHE_TTL_SECONDS: '1' });
    await api.get('/producaoCSV');
    down();
    await sleep(1100);
    await api.get('/producaoCSV'); // starts the failing refresh
    await eventually(async () => {
      const source = (await api.get('/producaoCSV')).headers.get('x-data-source');
      return source === 'upstream; state=stale-if-error';
    });
    expect(((await (await api.get('/readyz')).json()) as { status: string }).status).toBe('ready');
  });

  it('is not read while the upstream answers (a missing bundle costs nothing)', async () => {
    const api = await start({ BUNDLED_SNAPSHOT_DIR: '/nonexistent/vitibrasil-bundle' });
    for (const path of ['/producaoCSV', '/v1/datasets/exportacao_vinho/rows?limit=1', '/readyz']) {
      expect((await api.get(path)).status).toBe(200);
    }
  });

  it('refuses a bundled file that does not match snapshot.json: 503, other datasets still served', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vitibrasil-bundle-'));
    temps.push(dir);
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    const producao = join(dir, 'Producao.csv');
    await writeFile(producao, (await readFile(producao, 'utf8')).replace('1970', '1971'));
    down();
    const api = await start({ BUNDLED_SNAPSHOT_DIR: dir });
    const refused = await api.get('/producaoCSV');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await api.get('/comercializacaoCSV')).headers.get('x-data-source')).toBe(
      'bundled; state=stale-if-error',
    );
  });
});
