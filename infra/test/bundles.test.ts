/**
 * The bundles, not just the template: each function's esbuild bundle is loaded as Lambda loads it (a process of
 * its own, the bundle's folder as task root, the environment from the synthesized template) and invoked with
 * what AWS sends it — payload 2.0 events for the API, the schedule's rendered input for the ingester.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RunningServer, startServer } from '@vitibrasil/api';
import { type StaticUpstream, startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASET_IDS } from '@vitibrasil/core';
import { RUN_FINISHED } from '@vitibrasil/ingest-lambda';
import type { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { datasetRows } from '../../packages/ingest-lambda/test/helpers/duckdb.js';
import {
  downloadPrefix,
  type LocalS3,
  S3RVER_CREDENTIALS,
  startS3rver,
} from '../../packages/ingest-lambda/test/helpers/s3rver.js';
import { type FakeSsm, startFakeSsm } from '../../packages/ingest-lambda/test/helpers/ssm.js';
import {
  type Answer,
  answerOf,
  functionEnvironment,
  httpApiEvent,
  httpGet,
  renderScheduleInput,
} from '../local/events.js';
import { type Invocation, type LocalLambda, startLocalLambda } from '../local/local-lambda.js';
import { removeSyntheses, synthesize } from '../local/synth.js';
import { type Bundle, bundleFunctions, type FunctionName } from '../scripts/bundle.js';
import { HANDLER } from '../src/lambda-conventions.js';

const SNAPSHOT_DIR = new URL('../../data/vitibrasil/', import.meta.url).pathname;
const AWS_TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
};

let buildDir: string;
let bundles: Record<FunctionName, Bundle>;
let template: Template;
let upstream: StaticUpstream;
const lambdas: LocalLambda[] = [];
const scratch: string[] = [];

/** An empty folder for CACHE_DIR, as /tmp is at each cold start (the default would be inside the task root). */
function emptyTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-tmp-'));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'vitibrasil-bundles-'));
  bundles = await bundleFunctions(buildDir);
  template = synthesize({}, buildDir).template;
  upstream = await startStaticUpstream(SNAPSHOT_DIR);
}, 120_000);
afterEach(async () => {
  upstream.setFault(null);
  await Promise.all(lambdas.splice(0).map((fn) => fn.close()));
});
afterAll(async () => {
  removeSyntheses();
  await upstream.close();
  await Promise.all([buildDir, ...scratch].map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(name: FunctionName, environment: Record<string, string>): Promise<LocalLambda> {
  const fn = await startLocalLambda({ dir: bundles[name].dir, handler: HANDLER, environment });
  lambdas.push(fn);
  return fn;
}

function resultOf(invocation: Invocation): unknown {
  if (invocation.type === 'error') throw new Error(`${invocation.error.name}: ${invocation.error.message}`);
  return invocation.result;
}

const invokeApi = async (fn: LocalLambda, path: string, headers: Record<string, string> = {}) =>
  resultOf(await fn.invoke(httpApiEvent(path, headers))) as APIGatewayProxyStructuredResultV2;

describe('the bundles', () => {
  it('hold a handler module, the API its bundled snapshot and docs assets, and load the AWS SDK only on demand', () => {
    const apiFiles = bundles.api.files.map((f) => f.path);
    expect(apiFiles).toContain('index.mjs');
    expect(apiFiles).toEqual(
      expect.arrayContaining(['data/vitibrasil/snapshot.json', 'data/vitibrasil/Producao.csv']),
    );
    expect(apiFiles.filter((f) => f.startsWith('data/vitibrasil/') && f.endsWith('.csv'))).toHaveLength(15);
    expect(apiFiles).toContain('node_modules/swagger-ui-dist/swagger-ui-bundle.js');
    expect(bundles.ingest.files.map((f) => f.path)).toContain('index.mjs');

    for (const bundle of Object.values(bundles)) {
      const outputs = Object.entries(bundle.metafile.outputs);
      const entry = outputs.find(([path]) => path.endsWith(`${bundle.name}/index.mjs`))?.[1];
      if (!entry) throw new Error(`no entry output in ${bundle.name}`);
      // Everything the entry imports statically (transitively) is read at init; the SDK clients must not be.
      const staticClosure = new Set<string>();
      const visit = (output: string) => {
        for (const imported of bundle.metafile.outputs[output]?.imports ?? []) {
          if (imported.kind === 'import-statement' && !staticClosure.has(imported.path)) {
            staticClosure.add(imported.path);
            visit(imported.path);
          }
        }
      };
      visit(outputs.find(([path]) => path.endsWith(`${bundle.name}/index.mjs`))?.[0] ?? '');
      const inputsAtInit = [
        entry,
        ...[...staticClosure].map((path) => bundle.metafile.outputs[path]),
      ].flatMap((output) => Object.keys(output?.inputs ?? {}));
      expect(inputsAtInit.filter((input) => /@aws-sdk\/client-(s3|ssm)\//.test(input))).toEqual([]);
    }
  });
});

describe('API bundle, invoked with HTTP API payload 2.0 events', () => {
  let server: RunningServer;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-http-cache-'));
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        UPSTREAM_BASE_URL: upstream.url,
        CACHE_DIR: cacheDir,
      }),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  /** The template's environment without S3 (memory + bundled snapshot), against the local upstream. */
  const plainEnvironment = () =>
    functionEnvironment(template, 'ApiFunction', { UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: emptyTmp() }, [
      'CACHE_S3_URI',
    ]);

  const paths = ['/producaoCSV', '/v1/datasets/producao/rows?year=2020', '/docs/'];
  const codings = [undefined, 'br', 'gzip'];

  it.each(paths)('answers %s with the HTTP server’s bodies, compressed or not', async (path) => {
    const fn = await start('api', plainEnvironment());
    for (const coding of codings) {
      const headers: Record<string, string> = coding ? { 'accept-encoding': coding } : {};
      const result = await invokeApi(fn, path, headers);
      const fromLambda = answerOf(result);
      const fromServer: Answer = await httpGet(server.url, path, headers);
      expect(fromLambda.status).toBe(200);
      expect(fromLambda.status).toBe(fromServer.status);
      if (path !== '/docs/') expect(fromLambda.headers['x-data-source']).toMatch(/^upstream; /);
      expect(fromLambda.headers['content-type']).toBe(fromServer.headers['content-type']);
      expect(fromLambda.headers['content-encoding']).toBe(fromServer.headers['content-encoding']);
      // Compressed bodies travel base64-encoded and arrive intact (decoded above, then decompressed).
      if (coding && fromServer.headers['content-encoding']) expect(result.isBase64Encoded).toBe(true);
      expect(fromLambda.body.equals(fromServer.body)).toBe(true);
      expect(fromLambda.body.length).toBeGreaterThan(100);
    }
  });

  // mime-types and its mime-db are loaded at their first use in the bundle (scripts/bundle.ts): Koa types an object
  // body through them, and the home page negotiates with ctx.accepts.
  it('types object bodies and negotiates as the HTTP server does', async () => {
    const fn = await start('api', plainEnvironment());
    const requests: [string, Record<string, string>][] = [
      ['/healthz', {}],
      ['/v1/datasets', {}],
      ['/', { accept: 'application/json' }],
      ['/', { accept: 'text/html' }],
      ['/', { accept: 'image/png' }],
    ];
    for (const [path, headers] of requests) {
      const fromLambda = answerOf(await invokeApi(fn, path, headers));
      const fromServer = await httpGet(server.url, path, headers);
      expect([path, headers, fromLambda.status]).toEqual([path, headers, fromServer.status]);
      expect(fromLambda.headers['content-type']).toBe(fromServer.headers['content-type']);
    }
  });

  it('sends binary files base64-encoded, answers problems as problem+json, and names the Lambda request id', async () => {
    const fn = await start('api', plainEnvironment());
    const icon = await invokeApi(fn, '/docs/favicon-32x32.png');
    expect(icon.isBase64Encoded).toBe(true);
    expect(answerOf(icon).body.equals((await httpGet(server.url, '/docs/favicon-32x32.png')).body)).toBe(
      true,
    );
    const missing = answerOf(await invokeApi(fn, '/v1/datasets/nope/rows'));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ status: 404 });
    // API Gateway's own ids end with '='; the app's is the Lambda request id (a UUID), unless the client sent one.
    expect(missing.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      answerOf(await invokeApi(fn, '/healthz', { 'x-request-id': 'client-42' })).headers['x-request-id'],
    ).toBe('client-42');
  });

  it('serves the bundled snapshot from its own folder when the upstream fails and nothing is held', async () => {
    upstream.setFault((_file, _req, res) => {
      res.writeHead(503).end('down');
      return true;
    });
    const fn = await start('api', {
      ...plainEnvironment(),
      UPSTREAM_RETRIES: '0',
      UPSTREAM_TIMEOUT_MS: '1000',
    });
    const answer = answerOf(await invokeApi(fn, '/producaoCSV'));
    expect(answer.status).toBe(200);
    expect(answer.headers['x-data-source']).toMatch(/^bundled; /);
    upstream.setFault(null);
    expect(answer.body.equals((await httpGet(server.url, '/producaoCSV')).body)).toBe(true);
  });

  describe('with its cache in S3 (CACHE_S3_URI from the template, on s3rver)', () => {
    let s3: LocalS3;
    beforeAll(async () => {
      s3 = await startS3rver('lake');
    });
    afterAll(() => s3.close());

    const s3Environment = () => ({
      ...functionEnvironment(template, 'ApiFunction', {
        UPSTREAM_BASE_URL: upstream.url,
        CACHE_S3_URI: `s3://${s3.bucket}/cache/`,
      }),
      ...AWS_TEST_CREDENTIALS,
      S3_ENDPOINT: s3.endpoint,
      UPSTREAM_RETRIES: '0',
    });

    it('writes new copies there and restores them at the next cold start, the upstream down', async () => {
      const first = await start('api', s3Environment());
      const fresh = answerOf(await invokeApi(first, '/v1/datasets/exportacao_vinho/rows?year=2020'));
      expect(fresh.headers['x-data-source'], first.stdout.join('\n')).toBe('upstream; state=fresh');
      // The handler returned after the copy was written: the instance may be frozen at once.
      expect(await s3.listKeys('cache/')).toContain('cache/ExpVinho.csv.meta.json');
      await first.close();

      upstream.setFault((_file, _req, res) => {
        res.writeHead(503).end('down');
        return true;
      });
      const second = await start('api', s3Environment());
      const restored = answerOf(await invokeApi(second, '/v1/datasets/exportacao_vinho/rows?year=2020'));
      expect(restored.headers['x-data-source']).toMatch(/^disk; state=/);
      expect(restored.body.equals(fresh.body)).toBe(true);
    });

    it('finishes a background refresh before the handler returns, as the instance is frozen after it', async () => {
      const first = await start('api', s3Environment());
      expect(answerOf(await invokeApi(first, '/v1/datasets/importacao_suco/rows')).status).toBe(200);
      await first.close();
      const meta = async () =>
        JSON.parse(Buffer.from(await s3.getObject('cache/ImpSuco.csv.meta.json')).toString()) as {
          fetchedAt: string;
        };
      const before = (await meta()).fetchedAt;

      await new Promise((done) => setTimeout(done, 1_100));
      const second = await start('api', { ...s3Environment(), CACHE_TTL_SECONDS: '1' });
      const stale = answerOf(await invokeApi(second, '/v1/datasets/importacao_suco/rows'));
      // Answered from the restored copy, past its TTL: the refresh ran in the background of this request…
      expect(stale.headers['x-data-source']).toBe('disk; state=stale');
      // …and had confirmed the copy with the upstream and stored that before the handler returned.
      expect(Date.parse((await meta()).fetchedAt)).toBeGreaterThan(Date.parse(before));
      expect(
        answerOf(await invokeApi(second, '/v1/datasets/importacao_suco/rows')).headers['x-data-source'],
      ).toBe('upstream; state=fresh');
    });
  });

  describe('with its keys in SSM (apiKeysParameter)', () => {
    let ssm: FakeSsm;
    let keyed: Template;
    beforeAll(async () => {
      ssm = await startFakeSsm();
      keyed = synthesize({ apiKeysParameter: '/vitibrasil/api-keys' }, buildDir).template;
    });
    afterAll(() => ssm.close());

    const keyedEnvironment = (extra: Record<string, string> = {}) => ({
      ...functionEnvironment(
        keyed,
        'ApiFunction',
        { UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: emptyTmp() },
        ['CACHE_S3_URI'],
      ),
      ...AWS_TEST_CREDENTIALS,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      ...extra,
    });

    it('reads them at init, decrypted, and picks up a rotation within API_KEYS_MAX_AGE_SECONDS', async () => {
      ssm.setParameter('/vitibrasil/api-keys', 'first-key-0123456789abcdef');
      const fn = await start('api', keyedEnvironment({ API_KEYS_MAX_AGE_SECONDS: '1' }));
      expect(ssm.calls).toContainEqual({ name: '/vitibrasil/api-keys', withDecryption: true });
      const status = async (key?: string) =>
        answerOf(await invokeApi(fn, '/v1/datasets', key ? { 'x-api-key': key } : {})).status;
      expect(await status()).toBe(401);
      expect(await status('first-key-0123456789abcdef')).toBe(200);

      ssm.setParameter('/vitibrasil/api-keys', 'second-key-0123456789abcdef');
      await new Promise((done) => setTimeout(done, 1_100));
      expect(await status('second-key-0123456789abcdef')).toBe(200);
      expect(await status('first-key-0123456789abcdef')).toBe(401);
    });

    it('does not start without them: an unreadable parameter fails the init', async () => {
      ssm.setParameter('/vitibrasil/api-keys', undefined);
      await expect(start('api', keyedEnvironment())).rejects.toThrow(/init failed: .*\/vitibrasil\/api-keys/);
    });
  });
});

describe('ingest bundle, invoked with the schedule’s input', () => {
  let s3: LocalS3;
  let api: RunningServer;
  let cacheDir: string;
  beforeAll(async () => {
    s3 = await startS3rver('lake');
    cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-ingest-api-'));
    api = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        UPSTREAM_BASE_URL: upstream.url,
        CACHE_DIR: cacheDir,
      }),
    );
  });
  afterAll(async () => {
    await api.close();
    await s3.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('writes every dataset under the São Paulo date of the scheduled time, and logs what the alarm reads', async () => {
    const environment = {
      ...functionEnvironment(template, 'IngesterFunction', {
        API_BASE_URL: `${api.url}/`,
        LAKE_URI: `s3://${s3.bucket}`,
      }),
      ...AWS_TEST_CREDENTIALS,
      S3_ENDPOINT: s3.endpoint,
    };
    const fn = await start('ingest', environment);
    // 02:00 UTC on New Year's Day is still 23:00 on 31 December in São Paulo.
    const input = renderScheduleInput(template, '2026-01-01T02:00:00Z');
    const result = resultOf(await fn.invoke(input));
    expect(result).toMatchObject({ outcome: 'succeeded', processing_date: '2025-12-31' });

    const keys = await s3.listKeys('curated/');
    expect(keys).toEqual(
      DATASET_IDS.map((id) => `curated/dataset=${id}/processing_date=2025-12-31/${id}.parquet`).sort(),
    );
    expect(await s3.listKeys('raw/')).toHaveLength(15);

    // The Parquet holds what the API serves.
    const lake = await mkdtemp(join(tmpdir(), 'vitibrasil-lake-'));
    try {
      await downloadPrefix(s3, '', lake);
      const rows = await datasetRows(lake, 'producao', '2025-12-31');
      const served = (await httpGet(api.url, '/v1/datasets/producao/rows?format=ndjson')).body
        .toString()
        .trim()
        .split('\n');
      expect(rows).toHaveLength(served.length);
      expect(rows[0]).toMatchObject({ ...JSON.parse(served[0] ?? '{}'), dataset: 'producao' });
    } finally {
      await rm(lake, { recursive: true, force: true });
    }

    // The line the stack's metric filter turns into DatasetsWritten.
    const finished = fn.stdout
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === RUN_FINISHED);
    expect(finished).toMatchObject({ datasets_written: 15, outcome: 'succeeded' });
  });

  it('refuses an input the schedule would not send, before any request', async () => {
    const fn = await start('ingest', {
      ...functionEnvironment(template, 'IngesterFunction', {
        API_BASE_URL: `${api.url}/`,
        LAKE_URI: `s3://${s3.bucket}`,
      }),
      ...AWS_TEST_CREDENTIALS,
      S3_ENDPOINT: s3.endpoint,
    });
    const invocation = await fn.invoke({ 'detail-type': 'Scheduled Event', detail: {} });
    expect(invocation).toMatchObject({ type: 'error', error: { code: 'INPUT_INVALID' } });
    expect(invocation.type === 'error' && invocation.error.message).toMatch(/time: /);
    expect(await readdir(bundles.ingest.dir)).toContain('index.mjs');
  });
});
