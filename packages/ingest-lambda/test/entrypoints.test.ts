import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatasetId, TidyRow } from '@vitibrasil/core';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { ApiKeyUnavailableError, InvalidInputError, RunFailedError } from '../src/errors.js';
import { createHandler } from '../src/handler.js';
import { datasetRows } from './helpers/duckdb.js';
import { makeAllDatasets, toNdjson } from './helpers/fixtures.js';
import { type FakeApi, startFakeApi } from './helpers/ndjson-api.js';
import { type FakeSsm, startFakeSsm } from './helpers/ssm.js';

let api: FakeApi;
let served: Map<DatasetId, TidyRow[]>;
let root: string;

beforeAll(async () => {
  served = makeAllDatasets(50);
  api = await startFakeApi(new Map([...served].map(([id, rows]) => [id, toNdjson(rows)])));
});
afterAll(() => api.close());
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'entry-test-'));
});
afterEach(async () => {
  api.setResponder(null);
  await rm(root, { recursive: true, force: true });
});

function scheduledEvent(time: string): ScheduledEvent {
  return {
    version: '0',
    id: 'c0ffee00-0000-4000-8000-000000000000',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time,
    region: 'sa-east-1',
    resources: ['arn:aws:events:sa-east-1:123456789012:rule/vitibrasil-ingest'],
    detail: {},
  };
}

function failDataset(id: string) {
  api.setResponder((dataset, _req, res) => {
    if (dataset !== id) return false;
    res.writeHead(502).end('bad gateway');
    return true;
  });
}

describe('Lambda handler', () => {
  const env = () => ({ API_BASE_URL: api.url, LAKE_URI: root, LOG_LEVEL: 'SILENT', MAX_ATTEMPTS: '1' });

  it('partitions by the event time in America/Sao_Paulo', async () => {
    const result = await createHandler(env())(scheduledEvent('2026-01-01T02:00:00Z'));
    expect(result).toMatchObject({ outcome: 'succeeded', processing_date: '2025-12-31' });
    expect(result.datasets).toHaveLength(15);
    expect(await readdir(path.join(root, 'curated', 'dataset=producao'))).toEqual([
      'processing_date=2025-12-31',
    ]);
    expect(await datasetRows(root, 'producao', '2025-12-31')).toHaveLength(
      served.get('producao')?.length ?? -1,
    );
  });

  it('uses PROCESSING_DATE over the event time', async () => {
    const result = await createHandler({ ...env(), PROCESSING_DATE: '2025-06-01', DATASETS: 'producao' })(
      scheduledEvent('2026-01-01T02:00:00Z'),
    );
    expect(result.processing_date).toBe('2025-06-01');
    expect(result.datasets.map((d) => d.dataset)).toEqual(['producao']);
  });

  it('throws at the end when a dataset failed, after writing the others', async () => {
    failDataset('exportacao_vinho');
    const error = await createHandler(env())(scheduledEvent('2026-03-10T12:00:00Z')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect(error).toMatchObject({ code: 'RUN_FAILED', failedDatasets: ['exportacao_vinho'] });
    expect((error as Error).message).toContain('502');
    const written = await readdir(path.join(root, 'curated'));
    expect(written).toHaveLength(14);
    expect(written).not.toContain('dataset=exportacao_vinho');
  });

  it('accepts the input EventBridge Scheduler sends: the nominal time, in São Paulo', async () => {
    // What `ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime, … })` delivers, rendered.
    const input = {
      time: '2026-01-01T02:00:00Z',
      schedule: 'arn:aws:scheduler:sa-east-1:123456789012:schedule/default/vitibrasil-ingest',
      execution: 'd32c5kddcf5bb8c3',
      attempt: '1',
    };
    const result = await createHandler({ ...env(), DATASETS: 'producao' })(input);
    expect(result).toMatchObject({ outcome: 'succeeded', processing_date: '2025-12-31' });
    expect(await readdir(path.join(root, 'curated', 'dataset=producao'))).toEqual([
      'processing_date=2025-12-31',
    ]);
  });

  it.each([
    ['no input', undefined, '(input): '],
    ['an empty object', {}, 'time: '],
    ['a time that is not ISO 8601', { time: 'yesterday' }, 'time: expected an ISO 8601 time'],
    ['an unrendered placeholder', { time: '<aws.scheduler.scheduled-time>' }, 'time: expected an ISO 8601'],
    ['a bad attempt number', { time: '2026-01-01T02:00:00Z', attempt: 'first' }, 'attempt: '],
  ])(
    'refuses %s, naming the problem and the expected shape, before any request',
    async (_name, input, problem) => {
      const before = [...api.requests.values()].flat().length;
      const error = await createHandler(env())(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ code: 'INPUT_INVALID' });
      expect((error as Error).message).toContain(problem);
      expect((error as Error).message).toContain('expected {"time": "<ISO 8601 time>", …}');
      expect([...api.requests.values()].flat().length).toBe(before);
    },
  );

  it('rejects bad configuration naming the variable', async () => {
    await expect(
      createHandler({ ...env(), DATASETS: 'nope' })(scheduledEvent('2026-01-01T00:00:00Z')),
    ).rejects.toThrow(/DATASETS: unknown dataset id\(s\) nope/);
  });
});

describe('Lambda handler with the API key in SSM', () => {
  let ssm: FakeSsm;
  const saved = { ...process.env };
  beforeAll(async () => {
    ssm = await startFakeSsm();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_REGION: 'sa-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(async () => {
    for (const key of ['AWS_ENDPOINT_URL_SSM', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await ssm.close();
  });
  const env = (parameter: string) => ({
    API_BASE_URL: api.url,
    LAKE_URI: root,
    LOG_LEVEL: 'SILENT',
    MAX_ATTEMPTS: '1',
    DATASETS: 'producao',
    API_KEY_PARAMETER: parameter,
  });

  it('reads the parameter decrypted at run time and sends its first key', async () => {
    ssm.setParameter('/vitibrasil/api-keys', 'ingester-key-0123456789, another-key-0123456789');
    api.requests.clear();
    const result = await createHandler(env('/vitibrasil/api-keys'))({ time: '2026-01-01T12:00:00Z' });
    expect(result.outcome).toBe('succeeded');
    expect(api.requests.get('producao')?.[0]?.['x-api-key']).toBe('ingester-key-0123456789');
    expect(ssm.calls).toContainEqual({ name: '/vitibrasil/api-keys', withDecryption: true });
  });

  it('fails before any request when the parameter cannot be read', async () => {
    api.requests.clear();
    const error = await createHandler(env('/vitibrasil/missing'))({ time: '2026-01-01T12:00:00Z' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiKeyUnavailableError);
    expect((error as Error).message).toMatch(/SSM parameter \/vitibrasil\/missing: .*not found/i);
    expect(api.requests.size).toBe(0);
  });

  it('refuses API_KEY and API_KEY_PARAMETER together', async () => {
    await expect(
      createHandler({ ...env('/vitibrasil/api-keys'), API_KEY: 'k' })({ time: '2026-01-01T12:00:00Z' }),
    ).rejects.toThrow(/API_KEY_PARAMETER: set either API_KEY or API_KEY_PARAMETER, not both/);
  });
});

describe('CLI', () => {
  function output() {
    const chunks: string[] = [];
    return { out: { write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
  }
  const env = () => ({ API_BASE_URL: api.url, LOG_LEVEL: 'SILENT' });

  it('prints progress and a summary table, exit 0', async () => {
    const { out, text } = output();
    const code = await runCli(['--lake', pathToFileURL(root).href, '--date', '2025-01-02'], env(), out);
    expect(code).toBe(0);
    const printed = text();
    expect(printed).toMatch(/ok {4}producao +\d+ rows/);
    expect(printed).toMatch(/^dataset +outcome +rows +previous +parquet +tries +ms +error$/m);
    expect(printed).toContain('SUCCEEDED');
    expect(printed).toContain('15 written');
    expect(await datasetRows(root, 'exportacao_suco', '2025-01-02')).toHaveLength(
      served.get('exportacao_suco')?.length ?? -1,
    );
  });

  it('defaults the date to today in São Paulo and exits 1 when a dataset fails', async () => {
    failDataset('producao');
    const { out, text } = output();
    const code = await runCli(
      ['--lake', root, '--datasets', 'producao,comercializacao'],
      { ...env(), MAX_ATTEMPTS: '1' },
      out,
      new Date('2026-01-01T02:00:00Z'),
    );
    expect(code).toBe(1);
    expect(text()).toMatch(/FAIL {2}producao +API_HTTP_STATUS/);
    expect(text()).toContain('processing_date=2025-12-31');
    expect(text()).toContain('1 written');
    expect(text()).toContain('1 failed');
  });

  it('exits 2 on a bad option or variable, naming it', async () => {
    const bad = output();
    expect(await runCli(['--date', '2025-13-01'], env(), bad.out)).toBe(2);
    expect(bad.text()).toContain(
      'PROCESSING_DATE: expected a calendar date as YYYY-MM-DD (got "2025-13-01")',
    );
    const unknown = output();
    expect(await runCli(['--bogus'], env(), unknown.out)).toBe(2);
    expect(unknown.text()).toContain('Usage:');
    const help = output();
    expect(await runCli(['--help'], env(), help.out)).toBe(0);
  });
});
