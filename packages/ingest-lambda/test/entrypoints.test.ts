import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatasetId, TidyRow } from '@vitibrasil/core';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { RunFailedError } from '../src/errors.js';
import { createHandler } from '../src/handler.js';
import { datasetRows } from './helpers/duckdb.js';
import { makeAllDatasets, toNdjson } from './helpers/fixtures.js';
import { type FakeApi, startFakeApi } from './helpers/ndjson-api.js';

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

  it('rejects bad configuration naming the variable', async () => {
    await expect(
      createHandler({ ...env(), DATASETS: 'nope' })(scheduledEvent('2026-01-01T00:00:00Z')),
    ).rejects.toThrow(/DATASETS: unknown dataset id\(s\) nope/);
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
