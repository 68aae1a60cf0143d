import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeApi, type Responder, startFakeApi } from '../test/helpers/ndjson-api.js';
import { createApiClient, parseRetryAfter } from './api-client.js';
import { ApiNetworkError, ApiStatusError } from './errors.js';

const BODY = '{"a":1}\n';
let api: FakeApi;
/** Per test: the delays the fake `sleep` was asked for, and the reasons `onRetry` was given. */
const delays: number[] = [];
const reasons: string[] = [];

function client(
  overrides: { apiKey?: string; maxAttempts?: number; timeoutMs?: number; maxBodyBytes?: number } = {},
) {
  return createApiClient({
    baseUrl: api.url,
    apiKey: overrides.apiKey,
    ...(overrides.maxBodyBytes === undefined ? {} : { maxBodyBytes: overrides.maxBodyBytes }),
    concurrency: 2,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    maxAttempts: overrides.maxAttempts ?? 4,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    onRetry: (notice) => reasons.push(notice.reason),
  });
}

/** A loopback port nothing listens on: bound by the test, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A responder that applies `fault` to the first `times` requests, then lets the body through. */
function onFirstAttempt(fault: Responder, times = 1): Responder {
  let seen = 0;
  return (dataset, req, res) => (seen++ >= times ? false : fault(dataset, req, res));
}

/** Fails the first `times` requests with `status` (and headers), then lets the body through. */
function failFirst(times: number, status: number, headers: Record<string, string> = {}) {
  api.setResponder(
    onFirstAttempt((_dataset, _req, res) => {
      res.writeHead(status, headers).end(`{"title":"status ${status}"}`);
      return true;
    }, times),
  );
}

beforeAll(async () => {
  api = await startFakeApi(new Map([['producao', BODY]]));
});
afterAll(() => api.close());
afterEach(() => {
  api.setResponder(null);
  api.requests.clear();
  delays.length = 0;
  reasons.length = 0;
});

describe('createApiClient', () => {
  it('fetches the NDJSON body with the API key header when one is set', async () => {
    const withKey = client({ apiKey: 'k-123' });
    const response = await withKey.fetchRows('producao');
    await withKey.close();
    expect(response.body.toString()).toBe(BODY);
    expect(response.attempts).toBe(1);
    expect(response.url).toBe(`${api.url}/v1/datasets/producao/rows?format=ndjson`);
    expect(api.requests.get('producao')?.[0]?.['x-api-key']).toBe('k-123');

    const withoutKey = client();
    await withoutKey.fetchRows('producao');
    await withoutKey.close();
    expect(api.requests.get('producao')?.[1]).not.toHaveProperty('x-api-key');
  });

  it('honours Retry-After on 429 instead of its own backoff', async () => {
    failFirst(2, 429, { 'retry-after': '3' });
    const c = client({ apiKey: 'k-456' });
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(3);
    expect(delays).toEqual([3000, 3000]);
    // Every attempt carries the key.
    expect(api.requests.get('producao')?.map((headers) => headers['x-api-key'])).toEqual([
      'k-456',
      'k-456',
      'k-456',
    ]);
  });

  it('retries 5xx with exponential backoff and jitter', async () => {
    failFirst(3, 503);
    const c = client();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(4);
    // base 250 ms doubling, times random() = 0.5
    expect(delays).toEqual([125, 250, 500]);
  });

  it('gives up after maxAttempts with the last status', async () => {
    failFirst(10, 500);
    const c = client({ maxAttempts: 2 });
    await expect(c.fetchRows('producao')).rejects.toMatchObject({
      name: 'ApiStatusError',
      code: 'API_HTTP_STATUS',
      status: 500,
      attempts: 2,
    });
    await c.close();
    expect(api.requests.get('producao')).toHaveLength(2);
  });

  it('does not retry other 4xx', async () => {
    failFirst(1, 404);
    const c = client();
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ApiStatusError);
    expect((error as ApiStatusError).message).toContain('status 404');
    expect(delays).toEqual([]);
  });

  it('refuses to wait a Retry-After beyond its limit', async () => {
    failFirst(1, 503, { 'retry-after': '3600' });
    const c = client();
    await expect(c.fetchRows('producao')).rejects.toMatchObject({ status: 503, attempts: 1 });
    await c.close();
    expect(delays).toEqual([]);
  });

  it('retries when the connection is reset', async () => {
    api.setResponder(
      onFirstAttempt((_dataset, req) => {
        req.socket.destroy();
        return true;
      }),
    );
    const c = client();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(2);
    expect(response.body.toString()).toBe(BODY);
  });

  it('times out a stalled response and reports a network error', async () => {
    api.setResponder(() => true); // never answers
    const c = client({ maxAttempts: 2, timeoutMs: 200 });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect((error as ApiNetworkError).attempts).toBe(2);
    expect((error as ApiNetworkError).message).toMatch(/timeout/i);
  });

  it('reports an unreachable API as a network error', async () => {
    const c = createApiClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      concurrency: 1,
      timeoutMs: 1000,
      maxAttempts: 1,
    });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect((error as ApiNetworkError).message).toContain('ECONNREFUSED');
  });

  it('reports a header value Node refuses as a failed attempt, not a crash, and does not retry it', async () => {
    const c = client({ apiKey: 'bad\nkey' });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect((error as ApiNetworkError).message).toContain('ERR_INVALID_CHAR');
    expect(delays).toEqual([]); // permanent: no second attempt
  });

  it('ends an attempt whose connection closes without a response (an unrequested 101)', async () => {
    api.setResponder((_dataset, req) => {
      req.socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: Upgrade\r\n\r\n');
      return true;
    });
    const c = client({ maxAttempts: 2, timeoutMs: 5_000 });
    const started = Date.now();
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect((error as ApiNetworkError).message).toMatch(/closed without a response/);
    expect(Date.now() - started).toBeLessThan(2_000); // not the timeout: the close ends it
  });

  it('bounds an attempt by wall clock, even when the server trickles bytes', async () => {
    api.setResponder((_dataset, _req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const drip = setInterval(() => (res.writable ? res.write('{') : clearInterval(drip)), 50);
      res.on('close', () => clearInterval(drip));
      return true;
    });
    const c = client({ maxAttempts: 1, timeoutMs: 300 });
    const started = Date.now();
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect((error as ApiNetworkError).message).toMatch(/request timeout/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('falls back to its own backoff when Retry-After is malformed', async () => {
    const c = client();
    for (const value of ['-1', '1.5', '10, 20', 'Thu, 01 Jan 2026']) {
      failFirst(1, 503, { 'retry-after': value });
      expect((await c.fetchRows('producao')).attempts).toBe(2);
    }
    await c.close();
    expect(delays).toEqual([125, 125, 125, 125]); // 250 ms × jitter 0.5, not 0
  });

  it('refuses a body over maxBodyBytes at once, and frees the connection for the next request', async () => {
    api.setResponder(
      onFirstAttempt((_dataset, _req, res) => {
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        res.write('x'.repeat(1024));
        return true;
      }),
    );
    const c = client({ maxBodyBytes: 1024 * 1024, timeoutMs: 3_000 });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    expect((error as ApiNetworkError).message).toMatch(/exceeds 1048576 bytes/);
    expect(delays).toEqual([]);
    const started = Date.now();
    expect((await c.fetchRows('producao')).body.toString()).toBe(BODY);
    expect(Date.now() - started).toBeLessThan(1_000);
    await c.close();
  });

  it('refuses a body only the closing connection delimits, which could be cut on a line boundary', async () => {
    api.setResponder((_dataset, req) => {
      req.socket.end(
        'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n{"a":1}\n',
      );
      return true;
    });
    const c = client({ maxAttempts: 2 });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect((error as ApiNetworkError).message).toMatch(/neither Content-Length nor chunked/);
  });

  it('refuses a compressed body it did not ask for, without retrying', async () => {
    api.setResponder((_dataset, _req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': '3' }).end('abc');
      return true;
    });
    const c = client();
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    await c.close();
    expect((error as ApiNetworkError).message).toMatch(/gzip-encoded/);
    expect(delays).toEqual([]);
  });

  it('retries server errors except 501 and 505', async () => {
    const c = client({ maxAttempts: 2 });
    for (const status of [501, 505]) {
      failFirst(1, status);
      await expect(c.fetchRows('producao')).rejects.toBeInstanceOf(ApiStatusError);
    }
    expect(delays).toEqual([]);
    for (const status of [520, 599]) {
      failFirst(1, status);
      expect((await c.fetchRows('producao')).attempts).toBe(2);
    }
    await c.close();
  });

  it('honours Retry-After on 503, as delta-seconds or an HTTP date', async () => {
    failFirst(1, 503, { 'retry-after': '2' });
    const c = client();
    expect((await c.fetchRows('producao')).attempts).toBe(2);
    // An HTTP date already past: retry at once.
    failFirst(1, 503, { 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' });
    expect((await c.fetchRows('producao')).attempts).toBe(2);
    await c.close();
    expect(delays).toEqual([2000, 0]);
  });

  it('times out a response that stalls inside the body, and retries it', async () => {
    api.setResponder(
      onFirstAttempt((_dataset, _req, res) => {
        // Headers and half the body, then nothing: only the pause inside the body can end this attempt.
        res.writeHead(200, { 'content-length': String(BODY.length) });
        res.write(BODY.slice(0, 3));
        return true;
      }),
    );
    const c = client({ timeoutMs: 200 });
    const started = Date.now();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(2);
    expect(response.body.toString()).toBe(BODY);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/request timeout: the API did not deliver the whole response within 200 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('retries a body cut off before its Content-Length', async () => {
    api.setResponder(
      onFirstAttempt((_dataset, req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write(BODY, () => req.socket.destroy());
        return true;
      }),
    );
    const c = client();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(2);
    expect(response.body.toString()).toBe(BODY);
    expect(reasons[0]).toMatch(/ECONNRESET|aborted/);
  });

  it('reads a chunked body without Content-Length', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `{"n":${i}}\n`);
    api.setResponder((_dataset, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (let i = 0; i < lines.length; i += 100) res.write(lines.slice(i, i + 100).join(''));
      res.end();
      return true;
    });
    const c = client();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.body.toString()).toBe(lines.join(''));
  });

  it('keeps 300 characters of an error body and reuses the connection after it', async () => {
    await vi.waitFor(() => expect(api.connections.open).toBe(0));
    const before = api.connections.accepted;
    api.setResponder(
      onFirstAttempt((_dataset, _req, res) => {
        res
          .writeHead(502, { 'content-type': 'text/plain' })
          .end(`${'x'.repeat(299)}yz${'z'.repeat(100_000)}`);
        return true;
      }),
    );
    const c = client({ maxAttempts: 1 });
    const error = await c.fetchRows('producao').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiStatusError);
    expect((error as ApiStatusError).message).toMatch(/answered 502 after 1 attempt\(s\): x{299}y$/);
    expect((await c.fetchRows('producao')).body.toString()).toBe(BODY);
    await c.close();
    // Both requests went over one connection: the error body was read to its end.
    expect(api.connections.accepted - before).toBe(1);
  });

  it('opens at most `concurrency` keep-alive connections and closes them on close()', async () => {
    await vi.waitFor(() => expect(api.connections.open).toBe(0));
    const before = api.connections.accepted;
    let inFlight = 0;
    let most = 0;
    api.setResponder((_dataset, _req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(BODY);
      }, 30);
      return true;
    });
    const c = client();
    const responses = await Promise.all(Array.from({ length: 6 }, () => c.fetchRows('producao')));
    expect(responses.map((r) => r.body.toString())).toEqual(Array(6).fill(BODY));
    expect(most).toBe(2);
    expect(api.connections.accepted - before).toBe(2);
    expect(api.connections.open).toBe(2);
    await c.close();
    await vi.waitFor(() => expect(api.connections.open).toBe(0));
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('12')).toBe(12_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeNull();
    for (const malformed of [
      'soon',
      '-5',
      '1.5',
      '+5',
      '10, 20',
      'Thu, 01 Jan 2026',
      '2026-01-01T00:00:05Z',
    ]) {
      expect(parseRetryAfter(malformed, now), malformed).toBeNull();
    }
  });
});
