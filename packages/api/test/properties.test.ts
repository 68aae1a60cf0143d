import { connect } from 'node:net';
import { DATASETS } from '@vitibrasil/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

const HANG_MS = 5000;

/**
 * One request written byte for byte on a socket: no client library normalises or refuses the hostile target,
 * so the server sees exactly what the generator made.
 */
function rawRequest(
  url: string,
  method: string,
  target: Buffer,
  headers: string[] = [],
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${HANG_MS} ms for ${method} ${target.toString('latin1')}`));
    }, HANG_MS);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const map = new Map<string, string>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        map.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: map, body: text.slice(split + 4) });
    });
    // write, not end: a half-closed socket can make the server drop a response still being prepared.
    socket.write(
      Buffer.concat([
        Buffer.from(`${method} `),
        target,
        Buffer.from(
          ` HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
        ),
      ]),
    );
  });
}

const ROUTES = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/v1/datasets',
  ...DATASETS.flatMap((d) => [`/v1/datasets/${d.id}`, `/v1/datasets/${d.id}/rows`]),
  ...DATASETS.map((d) => (d.legacy.tipo === null ? d.legacy.path : `${d.legacy.path}/tipo/${d.legacy.tipo}`)),
];
const PARAMETERS = [
  'year',
  'year_from',
  'year_to',
  'category',
  'item',
  'country',
  'is_total',
  'limit',
  'cursor',
  'format',
];

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '%',
    '%zz',
    '%00',
    '%C3%28',
    '..',
    '../..',
    '%2e%2e%2f',
    '\u0000',
    '1e309',
    '-1',
    '99999999999999999999',
    'NaN',
    '[]',
    '{"a":1}',
    '<script>',
    "' OR 1=1 --",
    'ÿ',
    '𝔳𝔦𝔫𝔥𝔬',
  ),
  fc.integer().map(String),
);

// A query: known and unknown names, repeated names, raw or percent-encoded values, sometimes missing `=`.
const hostileQuery = fc
  .array(
    fc.record({
      name: fc.oneof(fc.constantFrom(...PARAMETERS), hostileText),
      value: hostileText,
      bare: fc.boolean(),
      encode: fc.boolean(),
    }),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(({ name, value, bare, encode }) =>
        bare
          ? encodeURIComponent(name)
          : `${encodeURIComponent(name)}=${encode ? encodeURIComponent(value) : value}`,
      )
      .join('&'),
  );

/** Bytes valid in a request target per RFC 9112, so the request reaches the application (others are tested apart). */
const toTarget = (text: string) =>
  Buffer.from(
    [...Buffer.from(text, 'utf8')]
      .map((byte) =>
        byte > 0x20 && byte < 0x7f && byte !== 0x23
          ? String.fromCharCode(byte)
          : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
      )
      .join(''),
  );

function expectWellFormed(response: RawResponse, context: string): void {
  expect(response.status, context).toBeGreaterThanOrEqual(100);
  expect(response.status, `${context}\n${response.body}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(response.body) as { status: number; code: string; detail: string };
    expect(problem.status, context).toBe(response.status);
    expect(problem.code, context).toMatch(/^[A-Z_]+$/);
    expect(typeof problem.detail, context).toBe('string');
  }
}

describe('hostile input (property-based)', () => {
  let upstream: StaticUpstream;
  let api: TestApi;
  let guarded: TestApi;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    api = await startTestApi(upstream.url, { RATE_LIMIT_PER_MINUTE: '0' });
    guarded = await startTestApi(upstream.url, {
      API_KEYS: 'property-test-key-0123456789',
      RATE_LIMIT_PER_MINUTE: '50',
    });
    // Everything cached: the properties exercise the edge and the routes, not the upstream.
    for (const dataset of DATASETS)
      expect((await api.get(`/v1/datasets/${dataset.id}/rows?limit=1`)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    for (const running of [api, guarded]) {
      await running.close();
      await removeDir(running.cacheDir);
    }
    await upstream.close();
  });

  it('every route with random queries: never a 5xx, never a hang, errors are problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), hostileQuery, async (route, query) => {
        const target = toTarget(query === '' ? route : `${route}?${query}`);
        expectWellFormed(await rawRequest(api.url, 'GET', target), target.toString());
      }),
      { numRuns: 400 },
    );
  });

  it('random paths, methods and dataset or tipo segments: never a 5xx, errors are problem+json', async () => {
    const segment = fc.oneof(
      hostileText,
      fc.constantFrom(...DATASETS.map((d) => d.id)),
      fc.constantFrom('v1', 'datasets', 'rows', 'tipo'),
    );
    const path = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
      fc.tuple(fc.constantFrom(...ROUTES), segment).map(([route, extra]) => `${route}/${extra}`),
      fc
        .tuple(
          fc.constantFrom(
            '/v1/datasets/',
            '/processamentoCSV/tipo/',
            '/importacaoCSV/tipo/',
            '/exportacaoCSV/tipo/',
          ),
          segment,
        )
        .map(([prefix, extra]) => prefix + extra),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE');
    await fc.assert(
      fc.asyncProperty(method, path, hostileQuery, async (verb, p, query) => {
        const target = toTarget(query === '' ? p : `${p}?${query}`);
        const response = await rawRequest(api.url, verb, target);
        const context = `${verb} ${target.toString()}`;
        expect(response.status, context).toBeLessThan(500);
        if (verb !== 'HEAD') expectWellFormed(response, context);
      }),
      { numRuns: 400 },
    );
  });

  it('random credentials against a guarded API: success, 401 or 429, nothing else', async () => {
    const credential = fc.oneof(
      hostileText.map((text) => `x-api-key: ${toTarget(text).toString()}`),
      hostileText.map((text) => `Authorization: Bearer ${toTarget(text).toString()}`),
      hostileText.map((text) => `Authorization: ${toTarget(text).toString()}`),
      fc.constant('x-api-key: property-test-key-0123456789'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.array(credential, { maxLength: 2 }),
        async (route, headers) => {
          const response = await rawRequest(guarded.url, 'GET', Buffer.from(route), headers);
          expectWellFormed(response, `${route} ${headers.join(' | ')}`);
          const context = `${route} ${headers.join(' | ')}: ${response.status}`;
          expect(response.status < 400 || response.status === 401 || response.status === 429, context).toBe(
            true,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('malformed HTTP is refused by the parser with a problem document too', async () => {
    for (const target of [
      Buffer.from('/v1/data sets'),
      Buffer.from('/producaoCSV\u0000'),
      Buffer.from([0x2f, 0x0a, 0x41]),
    ]) {
      const response = await rawRequest(api.url, 'GET', target);
      expectWellFormed(response, JSON.stringify(target.toString('latin1')));
      expect(response.status).toBe(400);
    }
    const brew = await rawRequest(api.url, 'BREW', Buffer.from('/healthz'));
    expectWellFormed(brew, 'BREW');
    expect(brew.status).toBe(405);
    const expectation = await rawRequest(api.url, 'GET', Buffer.from('/healthz'), ['Expect: tea']);
    expectWellFormed(expectation, 'Expect: tea');
    expect(expectation.status).toBe(417);
    expect(JSON.parse(expectation.body)).toMatchObject({ instance: '/healthz', code: 'EXPECTATION_FAILED' });
    const connect = await rawRequest(api.url, 'CONNECT', Buffer.from('127.0.0.1:443'));
    expectWellFormed(connect, 'CONNECT');
    expect(connect.status).toBe(405);
    expect(connect.headers.get('allow')).toBe('HEAD, GET');
    const huge = await rawRequest(api.url, 'GET', Buffer.from('/healthz'), [
      `x-padding: ${'a'.repeat(20_000)}`,
    ]);
    expectWellFormed(huge, 'oversized headers');
    expect(huge.status).toBe(431);
  });
});
