import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from '../test/helpers/ndjson-api.js';
import { createApiClient, parseRetryAfter } from './api-client.js';
import { ApiNetworkError, ApiStatusError } from './errors.js';

const BODY = '{"a":1}\n';
let api: FakeApi;
const delays: number[] = [];

function client(overrides: { apiKey?: string; maxAttempts?: number; timeoutMs?: number } = {}) {
  return createApiClient({
    baseUrl: api.url,
    apiKey: overrides.apiKey,
    concurrency: 2,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    maxAttempts: overrides.maxAttempts ?? 4,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
  });
}

/** Fails the first `times` requests with `status` (and headers), then lets the body through. */
function failFirst(times: number, status: number, headers: Record<string, string> = {}) {
  let seen = 0;
  api.setResponder((_dataset, _req, res) => {
    if (seen++ >= times) return false;
    res.writeHead(status, headers).end(`{"title":"status ${status}"}`);
    return true;
  });
}

beforeAll(async () => {
  api = await startFakeApi(new Map([['producao', BODY]]));
});
afterAll(() => api.close());
afterEach(() => {
  api.setResponder(null);
  api.requests.clear();
  delays.length = 0;
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
    const c = client();
    const response = await c.fetchRows('producao');
    await c.close();
    expect(response.attempts).toBe(3);
    expect(delays).toEqual([3000, 3000]);
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
    let seen = 0;
    api.setResponder((_dataset, req) => {
      if (seen++ > 0) return false;
      req.socket.destroy();
      return true;
    });
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
      baseUrl: 'http://127.0.0.1:1',
      concurrency: 1,
      timeoutMs: 1000,
      maxAttempts: 1,
    });
    await expect(c.fetchRows('producao')).rejects.toMatchObject({ code: 'API_NETWORK' });
    await c.close();
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
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
