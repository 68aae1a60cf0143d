/**
 * Two upstream releases through the API and two ingest runs, in process: the lake's revisions/ and quality/ are
 * checked against what the API itself reports for the same versions.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig as loadApiConfig, startServer } from '@vitibrasil/api';
import { type StaticUpstream, startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASET_IDS } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ingestWithConfig } from '../src/ingest.js';
import { createLogger } from '../src/logger.js';
import { queryLake } from './helpers/duckdb.js';
import { downloadPrefix, type LocalS3, S3RVER_CREDENTIALS, startS3rver } from './helpers/s3rver.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const snapshot = path.resolve(repoRoot, 'data/vitibrasil');

/**
 * The bundled files, then a copy with a value changed in a past year, a
 * country added and a country removed (ExpVinho.csv) and an item revised (Producao.csv). The API serves both in
 * turn; two ingest runs write two partitions into a local lake and into s3rver. The lake's revisions/ must hold
 * exactly what the API's /revisions reports, and its quality/ exactly the API's totals mismatches.
 */
describe('two upstream releases through the API and two ingest runs', () => {
  const D1 = '2025-06-30';
  const D2 = '2025-07-01';
  let dir: string;
  let upstream: StaticUpstream;
  let server: { url: string; close(): Promise<void> };
  let s3: LocalS3;
  const temps: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'e2e-upstream-'));
    temps.push(dir);
    await cp(snapshot, dir, { recursive: true });
    upstream = await startStaticUpstream(dir);
    const cache = await mkdtemp(path.join(tmpdir(), 'api-cache-'));
    temps.push(cache);
    server = await startServer(
      loadApiConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        UPSTREAM_BASE_URL: upstream.url,
        CACHE_DIR: cache,
        CACHE_TTL_SECONDS: '1',
        LOG_LEVEL: 'silent',
      }),
    );
    s3 = await startS3rver('releases');
  }, 60_000);

  afterAll(async () => {
    await Promise.all([server?.close(), upstream?.close(), s3?.close()]);
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  /** Rewrites one upstream file line by line (tab- or `;`-delimited), keeping its line endings. */
  async function edit(file: string, change: (cells: string[][]) => string[][]) {
    const text = await readFile(path.join(dir, file), 'utf8');
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const delimiter = text.split(eol)[0]?.includes('\t') ? '\t' : ';';
    const lines = text.split(eol).filter((line) => line !== '');
    const edited = change(lines.map((line) => line.split(delimiter)));
    await writeFile(path.join(dir, file), `${edited.map((cells) => cells.join(delimiter)).join(eol)}${eol}`);
  }

  const getJson = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('writes the changes the API reports, and the quality report, to both lakes', async () => {
    const lakes = {
      local: await mkdtemp(path.join(tmpdir(), 'e2e-releases-')),
      s3: `s3://${s3.bucket}/lake`,
    };
    temps.push(lakes.local);
    const run = (date: string, lake: string) =>
      ingestWithConfig(
        loadConfig({
          API_BASE_URL: server.url,
          PROCESSING_DATE: date,
          LAKE_URI: lake,
          S3_ENDPOINT: s3.endpoint,
        }),
        { processingDate: date, logger: createLogger('SILENT'), credentials: S3RVER_CREDENTIALS },
      );
    for (const lake of Object.values(lakes)) {
      const first = await run(D1, lake);
      expect(first.outcome, JSON.stringify(first.datasets.filter((d) => d.error))).toBe('succeeded');
      expect(first.datasets.every((d) => d.revisions === null && d.revisionsError === null)).toBe(true);
    }

    await edit('ExpVinho.csv', (rows) => {
      const header = rows[0] ?? [];
      const kg2010 = header.indexOf('2010');
      const out = rows.filter((cells) => cells[1] !== 'Angola');
      const paraguai = out.find((cells) => cells[1] === 'Paraguai') ?? [];
      paraguai[kg2010] = String(Number(paraguai[kg2010]) + 1234);
      out.push(['999', 'Atlântida', ...header.slice(2).map((_, i) => String(100 + i))]);
      return out;
    });
    await edit('Producao.csv', (rows) => {
      const y1990 = (rows[0] ?? []).indexOf('1990');
      const tinto = rows.find((cells) => cells[2] === 'Tinto') ?? [];
      tinto[y1990] = String(Number(tinto[y1990]) - 500);
      return rows;
    });
    await new Promise((done) => setTimeout(done, 1100)); // past the API's TTL
    for (const dataset of ['exportacao_vinho', 'producao']) {
      await fetch(`${server.url}/v1/datasets/${dataset}/rows?limit=1`); // starts the background refresh
      const deadline = Date.now() + 10_000;
      while (
        ((await getJson(`${server.url}/v1/datasets/${dataset}`)).body.cached as { previous: unknown })
          .previous === null
      ) {
        if (Date.now() > deadline) throw new Error(`${dataset}: the API did not pick up the new release`);
        await new Promise((done) => setTimeout(done, 50));
      }
    }

    const copy = await mkdtemp(path.join(tmpdir(), 'e2e-releases-s3-'));
    temps.push(copy);
    for (const [name, lake] of Object.entries(lakes)) {
      const second = await run(D2, lake);
      expect(second.outcome, JSON.stringify(second.datasets.filter((d) => d.error))).toBe('succeeded');
      const root = name === 's3' ? copy : lake;
      if (name === 's3') await downloadPrefix(s3, 'lake/', copy);

      for (const dataset of DATASET_IDS) {
        const revisions = await getJson(`${server.url}/v1/datasets/${dataset}/revisions`);
        const changes = revisions.status === 200 ? (revisions.body.changes as Record<string, unknown>[]) : [];
        if (revisions.status !== 200) expect(revisions.body.code, dataset).toBe('NO_PREVIOUS_VERSION');
        const inLake = await queryLake(
          root,
          `SELECT * EXCLUDE (file_row_number, processing_date, processed_at, run_id) FROM {revisions} ` +
            `WHERE dataset = '${dataset}' AND processing_date = '${D2}' ORDER BY file_row_number`,
        );
        expect(inLake, `${name} ${dataset}`).toEqual(
          changes.map((c) => ({ ...c, previous_processing_date: D1 })),
        );
        const result = second.datasets.find((d) => d.dataset === dataset);
        expect(result?.revisions, `${name} ${dataset}`).toMatchObject(
          revisions.status === 200
            ? (revisions.body.summary as object)
            : { added: 0, removed: 0, revised: 0 },
        );

        const report = await getJson(`${server.url}/v1/datasets/${dataset}/quality`);
        const quality = await queryLake(
          root,
          `SELECT * EXCLUDE (file_row_number, dataset, processing_date, processed_at, run_id) FROM {quality} ` +
            `WHERE dataset = '${dataset}' AND processing_date = '${D2}' ORDER BY file_row_number`,
        );
        expect(quality, `${name} ${dataset}`).toEqual(report.body.totals_mismatches);
      }
      const vinho = second.datasets.find((d) => d.dataset === 'exportacao_vinho')?.revisions;
      expect(vinho).toMatchObject({ revised: 1, previousProcessingDate: D1 });
      expect(vinho?.added).toBe(vinho?.removed); // one country in, one out, every year
      expect(second.datasets.find((d) => d.dataset === 'producao')?.revisions).toMatchObject({
        added: 0,
        removed: 0,
        revised: 1,
      });
    }
  });
});
