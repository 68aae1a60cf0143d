import type {
  Anomaly,
  MarkerOnlyYear,
  QualityChecks,
  RowsByYear,
  TotalsMismatch,
} from './quality-schemas.js';
import type { TidyRow } from './rows.js';

/*
 * The consistency checks of one dataset version, over its tidy rows: where the published category totals disagree
 * with the sum of their items, which years carry no number at all, and values that look wrong. Pure: the API runs
 * it once per upstream version, the ingester on every dataset it writes (the lake's quality/ table). It describes
 * the rows and never alters them.
 */

export const MISMATCH_KINDS = ['discrepancy', 'rounding', 'incomplete'] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export const ANOMALY_KINDS = ['negative', 'non_integer', 'year_absent', 'year_duplicated'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Decimal places of a number as JavaScript prints it (`35881118.23` → 2, `1e-7` → 7). */
function decimalsOf(value: number): number {
  if (Number.isInteger(value)) return 0;
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(100, Math.max(0, fraction - Number(exponent)));
}

/** Rounds away the binary noise of a float sum, to the decimals the published numbers had. */
const toDecimals = (value: number, decimals: number): number => Number(value.toFixed(decimals));

interface CategoryYear {
  readonly category: string;
  readonly year: number;
  readonly total: number | null;
  readonly items: (number | null)[];
}

/**
 * Compares every category-year that has at least one item with its total. Items join the latest total row of
 * their category and year, so a category name published twice is two categories, each with its own items.
 */
export function totalsMismatches(rows: readonly TidyRow[]): TotalsMismatch[] {
  const groups: CategoryYear[] = [];
  const open = new Map<string, CategoryYear>();
  for (const row of rows) {
    if (row.category === null) continue;
    const key = `${row.year}\u0000${row.category}`;
    if (row.is_total) {
      const group: CategoryYear = { category: row.category, year: row.year, total: row.quantity, items: [] };
      groups.push(group);
      open.set(key, group);
    } else {
      open.get(key)?.items.push(row.quantity);
    }
  }
  const mismatches: TotalsMismatch[] = [];
  for (const { category, year, total, items } of groups) {
    if (items.length === 0) continue;
    const numbers = items.filter((value): value is number => value !== null);
    const decimals = Math.max(total === null ? 0 : decimalsOf(total), ...numbers.map(decimalsOf));
    // Each number is finite (the reader keeps a text that is not one in the flag), but their sum, or the total
    // minus it, can overflow: JSON would print null where the schema promises a number, so null says it here.
    const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
    const itemsSum = finite(
      toDecimals(
        numbers.reduce((sum, value) => sum + value, 0),
        decimals,
      ),
    );
    const difference =
      total === null || itemsSum === null ? null : finite(toDecimals(total - itemsSum, decimals));
    const withMarkers = items.length - numbers.length;
    let kind: MismatchKind;
    if (difference === null || withMarkers > 0) kind = 'incomplete';
    else if (difference === 0) continue;
    else kind = Math.abs(difference) <= 0.5 * (items.length + 1) ? 'rounding' : 'discrepancy';
    mismatches.push({
      category,
      year,
      total,
      items_sum: itemsSum,
      difference,
      items: items.length,
      items_with_markers: withMarkers,
      kind,
    });
  }
  return mismatches;
}

interface YearTally {
  rows: number;
  quantityMarkers: number;
  quantityEmpty: number;
  numbers: number;
  readonly markers: Set<string>;
}

const yearAnomaly = (kind: AnomalyKind, year: number): Anomaly => ({
  kind,
  year,
  category: null,
  item: null,
  country: null,
  measure: null,
  value: null,
});

/** Years missing between the first and last label, and years labelling more than one column. */
function yearAnomalies(labels: readonly number[]): Anomaly[] {
  const counts = new Map<number, number>();
  for (const year of labels) counts.set(year, (counts.get(year) ?? 0) + 1);
  if (counts.size === 0) return [];
  const first = Math.min(...counts.keys());
  const last = Math.max(...counts.keys());
  const anomalies: Anomaly[] = [];
  for (let year = first; year <= last; year++) {
    const columns = counts.get(year) ?? 0;
    if (columns === 0) anomalies.push(yearAnomaly('year_absent', year));
    else if (columns > 1) anomalies.push(yearAnomaly('year_duplicated', year));
  }
  return anomalies;
}

/**
 * Every check over one dataset version's rows, in the rows' order. `yearLabels`: the year each quantity column is
 * labelled with in the file's header, in column order; null when the file has none. Rows carry the year their
 * column's position gives, so only the labels can show a year absent or published twice.
 */
export function checkRows(rows: readonly TidyRow[], yearLabels: readonly number[] | null): QualityChecks {
  const years = new Map<number, YearTally>();
  const rowAnomalies: Anomaly[] = [];
  const anomaly = (row: TidyRow, kind: AnomalyKind, measure: 'quantity' | 'value_usd', value: number) =>
    rowAnomalies.push({
      kind,
      year: row.year,
      category: row.category,
      item: row.item,
      country: row.country,
      measure,
      value,
    });
  for (const row of rows) {
    let tally = years.get(row.year);
    if (!tally) {
      tally = { rows: 0, quantityMarkers: 0, quantityEmpty: 0, numbers: 0, markers: new Set() };
      years.set(row.year, tally);
    }
    tally.rows++;
    if (row.quantity === null) {
      if (row.quantity_flag === null) tally.quantityEmpty++;
      else tally.quantityMarkers++;
    }
    if (row.quantity !== null || row.value_usd !== null) tally.numbers++;
    for (const flag of [row.quantity_flag, row.value_flag]) if (flag !== null) tally.markers.add(flag);
    if (row.quantity !== null && row.quantity < 0) anomaly(row, 'negative', 'quantity', row.quantity);
    if (row.value_usd !== null && row.value_usd < 0) anomaly(row, 'negative', 'value_usd', row.value_usd);
    if (row.quantity !== null && !Number.isInteger(row.quantity)) {
      anomaly(row, 'non_integer', 'quantity', row.quantity);
    }
  }

  const markerOnlyYears: MarkerOnlyYear[] = [];
  const rowsByYear: RowsByYear[] = [];
  for (const year of [...years.keys()].sort((a, b) => a - b)) {
    const tally = years.get(year) as YearTally;
    if (tally.numbers === 0) markerOnlyYears.push({ year, markers: [...tally.markers].sort() });
    rowsByYear.push({
      year,
      rows: tally.rows,
      quantity_markers: tally.quantityMarkers,
      quantity_empty: tally.quantityEmpty,
    });
  }

  const mismatches = totalsMismatches(rows);
  const anomalies = [...yearAnomalies(yearLabels ?? []), ...rowAnomalies];
  const count = <T>(list: readonly T[], test: (entry: T) => boolean) => list.filter(test).length;
  const anomaliesOf = (kind: AnomalyKind) => count(anomalies, (a) => a.kind === kind);
  return {
    totals_mismatches: mismatches,
    marker_only_years: markerOnlyYears,
    anomalies,
    rows_by_year: rowsByYear,
    summary: {
      discrepancy: count(mismatches, (m) => m.kind === 'discrepancy'),
      rounding: count(mismatches, (m) => m.kind === 'rounding'),
      incomplete: count(mismatches, (m) => m.kind === 'incomplete'),
      marker_only_years: markerOnlyYears.length,
      negative: anomaliesOf('negative'),
      non_integer: anomaliesOf('non_integer'),
      year_absent: anomaliesOf('year_absent'),
      year_duplicated: anomaliesOf('year_duplicated'),
    },
  };
}
