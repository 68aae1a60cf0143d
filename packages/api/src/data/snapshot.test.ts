import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, TIDY_COLUMNS } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { readDataset } from '../reader/read-dataset.js';
import { readResult } from '../reader/read-result.js';
import { tidyRowAt, toTidyColumns } from '../reader/tidy-columns.js';
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
      expect(tidyRowAt(snapshot.columns, dataset, i)).toEqual(row);
      expect(Object.keys(tidyRowAt(snapshot.columns, dataset, i))).toEqual(TIDY_COLUMNS);
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
  const bytes = readFileSync(join(SNAPSHOT_DIR, dataset.file));
  const read = readResult(dataset, readDataset(dataset, bytes, { lengthVerified: true }), null);
  const snapshot = new DatasetSnapshot(
    dataset,
    { ...read, columns },
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
    expect(tidyRowAt(columns, dataset, 0)).toEqual(row);
  });
});
