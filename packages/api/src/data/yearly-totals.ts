import { type TidyColumns, textAt } from '../reader/tidy-columns.js';

/** One year of a dataset's total; null when it cannot be known (a marker or nothing published in a summed row). */
export interface YearTotal {
  readonly year: number;
  readonly total: number | null;
}

/** A dataset's yearly total, as the home page charts it. */
export interface YearlyTotals {
  /**
   * `category-totals`: the sum of the file's category total rows (`is_total`), never of their items as well.
   * `all-rows`: the sum of every row, for files without total rows (import/export, unclassified processing).
   */
  readonly basis: 'category-totals' | 'all-rows';
  /** Names of the rows summed (categories, or countries / items), distinct, in published order. */
  readonly parts: readonly string[];
  /** Every year of the file, ascending. */
  readonly points: readonly YearTotal[];
  /** The known totals' smallest and largest values, null when no year has one. */
  readonly min: number | null;
  readonly max: number | null;
}

const partName = (columns: TidyColumns, i: number): string =>
  textAt(columns, columns.country[i] ?? -1) ??
  textAt(columns, columns.item[i] ?? -1) ??
  textAt(columns, columns.category[i] ?? -1) ??
  '';

/**
 * The yearly total of a dataset's quantity. A year in which any summed row has no number (a marker such as `nd` or
 * `*`, or an empty cell) is a gap, not a smaller total: a partial sum would read as a real drop.
 */
export function yearlyTotals(columns: TidyColumns, years: readonly number[]): YearlyTotals {
  const hasTotals = columns.isTotal.includes(1);
  const sums = new Map<number, number | null>();
  const parts = new Set<string>();
  for (let i = 0; i < columns.length; i++) {
    if (hasTotals && columns.isTotal[i] !== 1) continue;
    parts.add(partName(columns, i));
    const year = columns.year[i] as number;
    const quantity = columns.quantity[i] as number;
    const sum = sums.get(year);
    if (sum === null) continue;
    sums.set(year, Number.isNaN(quantity) ? null : (sum ?? 0) + quantity);
  }
  const points = [...new Set(years)]
    .sort((a, b) => a - b)
    .map((year) => ({ year, total: sums.get(year) ?? null }));
  const known = points.flatMap((point) => (point.total === null ? [] : [point.total]));
  return {
    basis: hasTotals ? 'category-totals' : 'all-rows',
    parts: [...parts],
    points,
    min: known.length ? Math.min(...known) : null,
    max: known.length ? Math.max(...known) : null,
  };
}
