import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RevisionSchema, TIDY_COLUMNS, TotalsMismatchSchema } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLake } from '../test/helpers/duckdb.js';
import { makeRows } from '../test/helpers/fixtures.js';
import {
  encodeParquet,
  encodeQuality,
  encodeRevisions,
  PARQUET_COLUMNS,
  QUALITY_PARQUET_COLUMNS,
  REVISIONS_PARQUET_COLUMNS,
  ROW_GROUP_ROWS,
} from './parquet.js';

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
    // Two full row groups and a partial one.
    const producao = await writeDataset('producao', 2 * ROW_GROUP_ROWS + 1234);
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
    const groups = await queryLake(
      root,
      `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${root}/curated/dataset=producao/**/*.parquet') ORDER BY row_group_id`,
    );
    expect(groups.map((g) => Number(g.row_group_num_rows))).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, 1234]);

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

describe('the revisions/ and quality/ tables', () => {
  it('take their columns from the core schemas, without dataset, and DuckDB reads their types', async () => {
    const stampColumns = ['processed_at', 'run_id'];
    expect(REVISIONS_PARQUET_COLUMNS.map((c) => c.name)).toEqual([
      ...Object.keys(RevisionSchema.shape).filter((c) => c !== 'dataset'),
      'previous_processing_date',
      ...stampColumns,
    ]);
    expect(QUALITY_PARQUET_COLUMNS.map((c) => c.name)).toEqual([
      ...Object.keys(TotalsMismatchSchema.shape),
      ...stampColumns,
    ]);

    const write = async (table: string, bytes: Uint8Array) => {
      const dir = path.join(root, table, 'dataset=producao', 'processing_date=2025-12-31');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'producao.parquet'), bytes);
    };
    await write(
      'revisions',
      encodeRevisions(
        [
          {
            dataset: 'producao',
            category: 'VINHO DE MESA',
            item: 'Tinto',
            country: null,
            year: 2020,
            change: 'revised',
            old_quantity: 1,
            new_quantity: 2.5,
            old_value_usd: null,
            new_value_usd: null,
            old_flag: null,
            new_flag: null,
            old_value_flag: null,
            new_value_flag: null,
          },
        ],
        '2025-12-30',
        stamp,
      ),
    );
    await write(
      'quality',
      encodeQuality(
        [
          {
            category: 'VINHO DE MESA',
            year: 2007,
            total: 226710045,
            items_sum: 221901429,
            difference: 4808616,
            items: 3,
            items_with_markers: 0,
            kind: 'discrepancy',
          },
        ],
        stamp,
      ),
    );
    const types = async (table: string) =>
      Object.fromEntries(
        (
          await queryLake(
            root,
            `DESCRIBE SELECT * EXCLUDE (file_row_number, dataset, processing_date) FROM {${table}}`,
          )
        ).map((t) => [t.column_name, t.column_type]),
      );
    expect(await types('revisions')).toEqual({
      category: 'VARCHAR',
      item: 'VARCHAR',
      country: 'VARCHAR',
      year: 'INTEGER',
      change: 'VARCHAR',
      old_quantity: 'DOUBLE',
      new_quantity: 'DOUBLE',
      old_value_usd: 'DOUBLE',
      new_value_usd: 'DOUBLE',
      old_flag: 'VARCHAR',
      new_flag: 'VARCHAR',
      old_value_flag: 'VARCHAR',
      new_value_flag: 'VARCHAR',
      previous_processing_date: 'VARCHAR',
      processed_at: 'TIMESTAMP WITH TIME ZONE',
      run_id: 'VARCHAR',
    });
    expect(await types('quality')).toEqual({
      category: 'VARCHAR',
      year: 'INTEGER',
      total: 'DOUBLE',
      items_sum: 'DOUBLE',
      difference: 'DOUBLE',
      items: 'INTEGER',
      items_with_markers: 'INTEGER',
      kind: 'VARCHAR',
      processed_at: 'TIMESTAMP WITH TIME ZONE',
      run_id: 'VARCHAR',
    });
    expect(await queryLake(root, 'SELECT new_quantity, previous_processing_date FROM {revisions}')).toEqual([
      { new_quantity: 2.5, previous_processing_date: '2025-12-30' },
    ]);
  });
});
