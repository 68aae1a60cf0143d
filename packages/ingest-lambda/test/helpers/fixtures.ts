import { DATASETS, type DatasetId, getDataset, type TidyRow } from '@vitibrasil/core';

/** Deterministic tidy rows for a dataset: totals, items, flags, nulls, accents, large and fractional values. */
export function makeRows(dataset: DatasetId, count: number): TidyRow[] {
  const def = getDataset(dataset);
  const rows: TidyRow[] = [];
  for (let i = 0; i < count; i++) {
    const isTotal = i % 7 === 0;
    const flagged = i % 11 === 3;
    rows.push({
      dataset,
      category: i % 13 === 5 ? null : `CATEGORIA ${Math.floor(i / 7)} – São João`,
      item: isTotal || def.hasValue ? null : `Item ${i} "açaí"`,
      country: def.hasValue ? `País ${i % 50}` : null,
      year: 1970 + (i % 55),
      quantity: flagged ? null : i * 1234.5 + (i % 3 === 0 ? 9_007_199_254_740 : 0),
      quantity_flag: flagged ? 'nd' : null,
      value_usd: def.hasValue ? (i % 5 === 0 ? null : i * 10.25) : null,
      value_flag: def.hasValue && i % 5 === 0 ? '*' : null,
      unit: def.unit,
      is_total: isTotal,
    });
  }
  return rows;
}

export function toNdjson(rows: readonly TidyRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** A few hundred rows per dataset, different counts so mix-ups show. */
export function makeAllDatasets(base = 200): Map<DatasetId, TidyRow[]> {
  return new Map(DATASETS.map((d, i) => [d.id, makeRows(d.id, base + i * 17)]));
}
