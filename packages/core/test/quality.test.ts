import { describe, expect, it } from 'vitest';
import { checkRows, totalsMismatches } from '../src/quality.js';
import { TotalsMismatchSchema } from '../src/quality-schemas.js';
import type { TidyRow } from '../src/rows.js';

const row = (
  category: string | null,
  item: string | null,
  year: number,
  quantity: number | null,
  flag: string | null = null,
): TidyRow => ({
  dataset: 'processamento_viniferas',
  category,
  item,
  country: null,
  year,
  quantity,
  quantity_flag: flag,
  value_usd: null,
  value_flag: null,
  unit: 'kg',
  is_total: item === null,
});

describe('totalsMismatches', () => {
  it('items adding up beyond the largest double: no sum nor difference (null), incomplete, as its schema says', () => {
    const rows = [
      row('A', null, 2020, 1),
      row('A', 'a1', 2020, 1e308),
      row('A', 'a2', 2020, 1e308),
      row('B', null, 2020, 1.5e308),
      row('B', 'b1', 2020, -1e308),
      row('B', 'b2', 2020, -0.5e308),
    ];
    const mismatches = totalsMismatches(rows);
    expect(mismatches).toEqual([
      {
        category: 'A',
        year: 2020,
        total: 1,
        items_sum: null,
        difference: null,
        items: 2,
        items_with_markers: 0,
        kind: 'incomplete',
      },
      {
        category: 'B',
        year: 2020,
        total: 1.5e308,
        items_sum: -1.5e308,
        difference: null,
        items: 2,
        items_with_markers: 0,
        kind: 'incomplete',
      },
    ]);
    // As served: through JSON, every entry still conforms to the published schema.
    for (const entry of JSON.parse(JSON.stringify(mismatches)) as unknown[]) {
      expect(TotalsMismatchSchema.safeParse(entry).success).toBe(true);
    }
  });

  it('classifies by the definition: incomplete, rounding within 0.5 × (items + 1), discrepancy beyond', () => {
    const rows = [
      row('A', null, 2020, 100),
      row('A', 'a1', 2020, 60),
      row('A', 'a2', 2020, 40),
      row('B', null, 2020, 101),
      row('B', 'b1', 2020, 60),
      row('B', 'b2', 2020, 39.5),
      row('C', null, 2020, 102),
      row('C', 'c1', 2020, 60),
      row('C', 'c2', 2020, 40),
      row('D', null, 2020, 100),
      row('D', 'd1', 2020, 60),
      row('D', 'd2', 2020, null, 'nd'),
      row('E', null, 2020, null),
      row('E', 'e1', 2020, 1),
      row('F', null, 2020, 5),
    ];
    expect(totalsMismatches(rows)).toEqual([
      {
        category: 'B',
        year: 2020,
        total: 101,
        items_sum: 99.5,
        difference: 1.5,
        items: 2,
        items_with_markers: 0,
        kind: 'rounding',
      },
      {
        category: 'C',
        year: 2020,
        total: 102,
        items_sum: 100,
        difference: 2,
        items: 2,
        items_with_markers: 0,
        kind: 'discrepancy',
      },
      {
        category: 'D',
        year: 2020,
        total: 100,
        items_sum: 60,
        difference: 40,
        items: 2,
        items_with_markers: 1,
        kind: 'incomplete',
      },
      {
        category: 'E',
        year: 2020,
        total: null,
        items_sum: 1,
        difference: null,
        items: 1,
        items_with_markers: 0,
        kind: 'incomplete',
      },
    ]);
  });

  it('adds decimals without binary noise: equal totals with cents are equal', () => {
    const rows = [row('T', null, 2023, 0.3), row('T', 'x', 2023, 0.1), row('T', 'y', 2023, 0.2)];
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(totalsMismatches(rows)).toEqual([]);
  });

  it('keeps a category name published twice as two categories, each with its own items', () => {
    const rows = [
      row('X', null, 2020, 10),
      row('X', 'a', 2020, 10),
      row('X', null, 2020, 7),
      row('X', 'b', 2020, 5),
    ];
    expect(totalsMismatches(rows)).toEqual([
      expect.objectContaining({ category: 'X', total: 7, items_sum: 5, items: 1, kind: 'discrepancy' }),
    ]);
  });
});

describe('checkRows', () => {
  it('finds marker-only years, counts rows by year, and reports negative values and decimals', () => {
    const rows = [
      row('A', null, 2019, null, 'nd'),
      row('A', 'a', 2019, null),
      row('A', null, 2021, -3),
      row('A', 'a', 2021, 2.5),
    ];
    // Read by position as 2019 and 2021, the columns were labelled 2019, 2021: 2020 has no column.
    const checks = checkRows(rows, [2019, 2021]);
    expect(checks.marker_only_years).toEqual([{ year: 2019, markers: ['nd'] }]);
    expect(checks.rows_by_year).toEqual([
      { year: 2019, rows: 2, quantity_markers: 1, quantity_empty: 1 },
      { year: 2021, rows: 2, quantity_markers: 0, quantity_empty: 0 },
    ]);
    expect(checks.anomalies.map((a) => [a.kind, a.year, a.item, a.value])).toEqual([
      ['year_absent', 2020, null, null],
      ['negative', 2021, null, -3],
      ['non_integer', 2021, 'a', 2.5],
    ]);
    expect(checks.summary).toEqual({
      discrepancy: 1,
      rounding: 0,
      incomplete: 1,
      marker_only_years: 1,
      negative: 1,
      non_integer: 1,
      year_absent: 1,
      year_duplicated: 0,
    });
  });

  it('checks a value published below zero in the trade files, and nothing for an empty dataset', () => {
    const trade: TidyRow = {
      ...row(null, null, 2020, 5),
      dataset: 'exportacao_uva',
      country: 'Chile',
      is_total: false,
      value_usd: -1,
    };
    expect(checkRows([trade], [2020]).anomalies).toEqual([
      {
        kind: 'negative',
        year: 2020,
        category: null,
        item: null,
        country: 'Chile',
        measure: 'value_usd',
        value: -1,
      },
    ]);
    expect(checkRows([], null).summary).toEqual({
      discrepancy: 0,
      rounding: 0,
      incomplete: 0,
      marker_only_years: 0,
      negative: 0,
      non_integer: 0,
      year_absent: 0,
      year_duplicated: 0,
    });
  });

  it('reports the years a header leaves out or labels twice, once each, and nothing without a header', () => {
    const labels = [2018, 2019, 2021, 2021, 2021, 2023];
    expect(checkRows([], labels).anomalies.map((a) => [a.kind, a.year])).toEqual([
      ['year_absent', 2020],
      ['year_duplicated', 2021],
      ['year_absent', 2022],
    ]);
    expect(checkRows([], labels).summary).toMatchObject({ year_absent: 2, year_duplicated: 1 });
    expect(checkRows([row('A', null, 1990, 1)], null).anomalies).toEqual([]);
  });
});
