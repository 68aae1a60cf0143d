import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TIDY_COLUMNS } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLake } from '../test/helpers/duckdb.js';
import { makeRows } from '../test/helpers/fixtures.js';
import { encodeParquet, PARQUET_COLUMNS } from './parquet.js';

let root: string;
const stamp = { processedAt: new Date('2026-01-01T02:00:00.123Z'), runId: '20260101T020000Z-abcd1234' };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'parquet-test-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function writeDataset(dataset: 'producao' | 'exportacao_uva', count: number) {
  const rows = makeRows(dataset, count);
  const dir = path.join(root, 'curated', `dataset=${dataset}`, 'processing_date=2025-12-31');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${dataset}.parquet`), encodeParquet(rows, stamp));
  return rows;
}

describe('encodeParquet', () => {
  it('derives the columns from the tidy row schema, without dataset', () => {
    expect(PARQUET_COLUMNS.map((c) => c.name)).toEqual([
      ...TIDY_COLUMNS.filter((c) => c !== 'dataset'),
      'processed_at',
      'run_id',
    ]);
    const nullable = Object.fromEntries(PARQUET_COLUMNS.map((c) => [c.name, c.nullable]));
    expect(nullable).toMatchObject({
      category: true,
      year: false,
      unit: false,
      is_total: false,
      value_usd: true,
    });
  });

  it('writes Snappy Parquet with the agreed types that DuckDB reads back value for value', async () => {
    const producao = await writeDataset('producao', 2500);
    const exportacao = await writeDataset('exportacao_uva', 3);
    const types = await queryLake(root, 'DESCRIBE SELECT * EXCLUDE (file_row_number) FROM {curated}');
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      category: 'VARCHAR',
      item: 'VARCHAR',
      country: 'VARCHAR',
      year: 'INTEGER',
      quantity: 'DOUBLE',
      quantity_flag: 'VARCHAR',
      value_usd: 'DOUBLE',
      value_flag: 'VARCHAR',
      unit: 'VARCHAR',
      is_total: 'BOOLEAN',
      processed_at: 'TIMESTAMP WITH TIME ZONE',
      run_id: 'VARCHAR',
      dataset: 'VARCHAR',
      processing_date: 'VARCHAR',
    });
    const physical = await queryLake(
      root,
      `SELECT DISTINCT name, type, converted_type FROM parquet_schema('${root}/curated/**/*.parquet') WHERE name = 'processed_at'`,
    );
    expect(physical).toEqual([{ name: 'processed_at', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }]);
    const codecs = await queryLake(
      root,
      `SELECT DISTINCT compression FROM parquet_metadata('${root}/curated/**/*.parquet')`,
    );
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);

    for (const [dataset, expected] of [
      ['producao', producao],
      ['exportacao_uva', exportacao],
    ] as const) {
      const back = await queryLake(
        root,
        `SELECT * EXCLUDE (file_row_number) FROM {curated} WHERE dataset = '${dataset}' ORDER BY file_row_number`,
      );
      expect(back).toEqual(
        expected.map((row) => ({
          ...row,
          processed_at: stamp.processedAt,
          run_id: stamp.runId,
          processing_date: '2025-12-31',
        })),
      );
    }
  });
});
