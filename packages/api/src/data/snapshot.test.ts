import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, TIDY_COLUMNS } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { readDataset } from '../reader/read-dataset.js';
import { readResult } from '../reader/read-result.js';
import { toTidyColumns } from '../reader/tidy-columns.js';
import { BodyCache } from './cached-body.js';
import { csvLine } from './csv.js';
import { DatasetSnapshot } from './snapshot.js';

describe.each(DATASETS)('DatasetSnapshot of the bundled $file', (dataset) => {
  const bytes = readFileSync(join(SNAPSHOT_DIR, dataset.file));
  const read = readDataset(dataset, bytes, { lengthVerified: true });
  const snapshot = new DatasetSnapshot(
    dataset,
    readResult(dataset, read, null),
    'c'.repeat(64),
    bytes.length,
    new Date(),
    new BodyCache(1 << 20),
    null,
  );

  it('gives back every row as read, its JSON as JSON.stringify writes it and its CSV line in TIDY_COLUMNS order', () => {
    expect(snapshot.rowCount).toBe(read.rows.length);
    read.rows.forEach((row, i) => {
      expect(snapshot.row(i)).toEqual(row);
      expect(Object.keys(snapshot.row(i))).toEqual(TIDY_COLUMNS);
      expect(snapshot.rowJson(i)).toBe(JSON.stringify(row));
      expect(snapshot.rowCsv(i)).toBe(csvLine(TIDY_COLUMNS.map((column) => row[column])));
    });
  });
});

describe('DatasetSnapshot rows', () => {
  const dataset = DATASETS[0];
  if (!dataset) throw new Error('no dataset');
  const row = {
    dataset: dataset.id,
    category: '=HYPERLINK("x")',
    item: 'a "quoted", name\nover two lines',
    country: null,
    year: 2001,
    quantity: -0,
    quantity_flag: null,
    value_usd: null,
    value_flag: '+',
    unit: dataset.unit,
    is_total: true,
  };
  const columns = toTidyColumns([row, { ...row, quantity: 1.5e300, item: null, value_flag: null }]);
  const snapshot = new DatasetSnapshot(
    dataset,
    {
      columns,
      publishedRows: 2,
      years: [2001],
      encoding: 'utf-8',
      delimiter: ';',
      notes: { header: 'published', headerYears: [] },
      qualitySummary: {
        discrepancy: 0,
        rounding: 0,
        incomplete: 0,
        marker_only_years: 0,
        negative: 0,
        non_integer: 0,
        year_absent: 0,
        year_duplicated: 0,
      },
      qualityJson: new Uint8Array(),
      legacyJson: new Uint8Array(),
      revisions: null,
    },
    'd'.repeat(64),
    0,
    new Date(),
    new BodyCache(1 << 20),
    null,
  );

  it('serializes texts that need quoting or neutralising, signed zero and large numbers as the generic writers do', () => {
    for (const [i, expected] of [
      row,
      { ...row, quantity: 1.5e300, item: null, value_flag: null },
    ].entries()) {
      expect(snapshot.rowJson(i)).toBe(JSON.stringify(expected));
      expect(snapshot.rowCsv(i)).toBe(
        csvLine(
          TIDY_COLUMNS.map(
            (column) => (expected as Record<string, string | number | boolean | null>)[column] ?? null,
          ),
        ),
      );
    }
    expect(snapshot.row(0)).toEqual({ ...row, quantity: -0 });
  });
});
