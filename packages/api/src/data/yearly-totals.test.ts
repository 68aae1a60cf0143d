import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type TidyRow } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../test/snapshot.js';
import { readDataset } from '../reader/read-dataset.js';
import { toTidyColumns } from '../reader/tidy-columns.js';
import { yearlyTotals as totalsOfColumns } from './yearly-totals.js';

const yearlyTotals = (rows: readonly TidyRow[], years: readonly number[]) =>
  totalsOfColumns(toTidyColumns(rows), years);

const row = (fields: Partial<TidyRow> & Pick<TidyRow, 'year' | 'quantity'>): TidyRow => ({
  dataset: 'producao',
  category: null,
  item: null,
  country: null,
  quantity_flag: fields.quantity === null ? 'nd' : null,
  value_usd: null,
  value_flag: null,
  unit: 'L',
  is_total: false,
  ...fields,
});

describe('yearlyTotals', () => {
  it('sums the category totals only, never their items as well', () => {
    const rows = [
      row({ category: 'TINTO', is_total: true, year: 2000, quantity: 10 }),
      row({ category: 'TINTO', item: 'a', year: 2000, quantity: 6 }),
      row({ category: 'TINTO', item: 'b', year: 2000, quantity: 4 }),
      row({ category: 'BRANCO', is_total: true, year: 2000, quantity: 5 }),
      row({ category: 'BRANCO', item: 'c', year: 2000, quantity: 5 }),
    ];
    expect(yearlyTotals(rows, [2000])).toEqual({
      basis: 'category-totals',
      parts: ['TINTO', 'BRANCO'],
      points: [{ year: 2000, total: 15 }],
      min: 15,
      max: 15,
    });
  });

  it('sums every row of a file without total rows', () => {
    const rows = [
      row({ country: 'Chile', year: 2001, quantity: 3 }),
      row({ country: 'Chile', year: 2002, quantity: 1 }),
      row({ country: 'Itália', year: 2001, quantity: 2 }),
      row({ country: 'Itália', year: 2002, quantity: 0 }),
    ];
    const series = yearlyTotals(rows, [2002, 2001, 2001, 2002]);
    expect(series.basis).toBe('all-rows');
    expect(series.parts).toEqual(['Chile', 'Itália']);
    // Years ascending and once each, though the import/export headers name every year twice (kg, US$).
    expect(series.points).toEqual([
      { year: 2001, total: 5 },
      { year: 2002, total: 1 },
    ]);
  });

  it('makes a year with any unpublished value a gap, not a smaller total; a year without rows too', () => {
    const rows = [
      row({ category: 'A', is_total: true, year: 2000, quantity: 7 }),
      row({ category: 'B', is_total: true, year: 2000, quantity: null }),
      row({ category: 'A', is_total: true, year: 2001, quantity: 7 }),
      row({ category: 'B', is_total: true, year: 2001, quantity: 1 }),
      row({ category: 'B', is_total: true, year: 2002, quantity: null }),
      row({ category: 'A', is_total: true, year: 2002, quantity: 9 }),
    ];
    const series = yearlyTotals(rows, [2000, 2001, 2002, 2003]);
    expect(series.points).toEqual([
      { year: 2000, total: null },
      { year: 2001, total: 8 },
      { year: 2002, total: null },
      { year: 2003, total: null },
    ]);
    expect([series.min, series.max]).toEqual([8, 8]);
  });

  it('has no range when no year is known', () => {
    const series = yearlyTotals([row({ year: 2000, quantity: null })], [2000]);
    expect(series).toMatchObject({ min: null, max: null, points: [{ year: 2000, total: null }] });
  });

  describe.each(DATASETS)('on the bundled $file', (dataset) => {
    const read = readDataset(dataset, readFileSync(join(SNAPSHOT_DIR, dataset.file)), {
      lengthVerified: true,
    });
    const series = yearlyTotals(
      read.rows,
      read.table.measures.map((m) => m.year),
    );

    it('covers every year of the file, each equal to its summed rows or a gap where one is unpublished', () => {
      const totals = read.rows.filter((r) => r.is_total);
      const summed = totals.length ? totals : read.rows;
      expect(series.basis).toBe(totals.length ? 'category-totals' : 'all-rows');
      const years = [...new Set(read.table.measures.map((m) => m.year))].sort((a, b) => a - b);
      expect(series.points.map((p) => p.year)).toEqual(years);
      for (const { year, total } of series.points) {
        const ofYear = summed.filter((r) => r.year === year);
        expect(ofYear.length, `${year}`).toBeGreaterThan(0);
        if (ofYear.some((r) => r.quantity === null)) expect(total, `${year}`).toBeNull();
        else
          expect(total, `${year}`).toBeCloseTo(
            ofYear.reduce((sum, r) => sum + (r.quantity ?? 0), 0),
            3,
          );
      }
      expect(series.points.some((p) => p.total !== null)).toBe(true);
    });
  });
});
