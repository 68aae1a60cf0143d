import type { DatasetDefinition, RowsByIndex, TidyRow } from '@vitibrasil/core';

/** The index of a null text. */
const NO_TEXT = -1;

/**
 * A version's tidy rows as columns: numbers in typed arrays, texts as indices into one list of distinct texts.
 * The reader's worker sends them by transferring the arrays' buffers, not by copying: a structured clone of 160k
 * row objects stalled the event loop for about 0.3 s when it reached the main thread. About 45 bytes per
 * observation, where a row object and its serialized forms took several hundred.
 */
export interface TidyColumns {
  readonly length: number;
  /** Every distinct text of the columns below (names, categories, markers), once each. */
  readonly texts: readonly string[];
  /** Indices into `texts`; -1 for null. */
  readonly category: Int32Array;
  readonly item: Int32Array;
  readonly country: Int32Array;
  readonly quantityFlag: Int32Array;
  readonly valueFlag: Int32Array;
  readonly year: Uint16Array;
  /** NaN for null: the reader gives finite numbers only, a text that is no finite number stays in the flag. */
  readonly quantity: Float64Array;
  readonly valueUsd: Float64Array;
  /** 1 on category total rows. */
  readonly isTotal: Uint8Array;
}

/** The reader's rows as columns (in the worker, before they are sent). */
export function toTidyColumns(rows: readonly TidyRow[]): TidyColumns {
  const texts: string[] = [];
  const indexOf = new Map<string, number>();
  const text = (value: string | null): number => {
    if (value === null) return NO_TEXT;
    let index = indexOf.get(value);
    if (index === undefined) {
      index = texts.length;
      texts.push(value);
      indexOf.set(value, index);
    }
    return index;
  };
  const n = rows.length;
  const columns = {
    length: n,
    texts,
    category: new Int32Array(n),
    item: new Int32Array(n),
    country: new Int32Array(n),
    quantityFlag: new Int32Array(n),
    valueFlag: new Int32Array(n),
    year: new Uint16Array(n),
    quantity: new Float64Array(n),
    valueUsd: new Float64Array(n),
    isTotal: new Uint8Array(n),
  };
  rows.forEach((row, i) => {
    columns.category[i] = text(row.category);
    columns.item[i] = text(row.item);
    columns.country[i] = text(row.country);
    columns.quantityFlag[i] = text(row.quantity_flag);
    columns.valueFlag[i] = text(row.value_flag);
    columns.year[i] = row.year;
    columns.quantity[i] = row.quantity ?? Number.NaN;
    columns.valueUsd[i] = row.value_usd ?? Number.NaN;
    columns.isTotal[i] = row.is_total ? 1 : 0;
  });
  return columns;
}

/** The buffers to transfer with the columns (each array has its own). */
export const columnBuffers = (columns: TidyColumns): ArrayBuffer[] =>
  [
    columns.category,
    columns.item,
    columns.country,
    columns.quantityFlag,
    columns.valueFlag,
    columns.year,
    columns.quantity,
    columns.valueUsd,
    columns.isTotal,
  ].map((array) => array.buffer as ArrayBuffer);

/** The text at `index` of a text column, null for -1. */
export const textAt = (columns: TidyColumns, index: number): string | null =>
  index === NO_TEXT ? null : (columns.texts[index] ?? null);

const numberAt = (value: number | undefined): number | null =>
  value === undefined || Number.isNaN(value) ? null : value;

/** Row `i` as the tidy row it was read as. */
export function tidyRowAt(columns: TidyColumns, dataset: DatasetDefinition, i: number): TidyRow {
  return {
    dataset: dataset.id,
    category: textAt(columns, columns.category[i] ?? NO_TEXT),
    item: textAt(columns, columns.item[i] ?? NO_TEXT),
    country: textAt(columns, columns.country[i] ?? NO_TEXT),
    year: columns.year[i] ?? 0,
    quantity: numberAt(columns.quantity[i]),
    quantity_flag: textAt(columns, columns.quantityFlag[i] ?? NO_TEXT),
    value_usd: numberAt(columns.valueUsd[i]),
    value_flag: textAt(columns, columns.valueFlag[i] ?? NO_TEXT),
    unit: dataset.unit,
    is_total: columns.isTotal[i] === 1,
  };
}

/** The columns as rows by position, each built when asked for (the comparison of two versions reads them once). */
export const columnRows = (columns: TidyColumns, dataset: DatasetDefinition): RowsByIndex => ({
  length: columns.length,
  at: (i) => (i >= 0 && i < columns.length ? tidyRowAt(columns, dataset, i) : undefined),
});
