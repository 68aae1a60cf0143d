/** A published cell read as a measure: a number, or null with the marker text that stood in its place. */
export interface MeasureCell {
  readonly value: number | null;
  readonly flag: string | null;
}

const INTEGER = /^-?\d+$/;
const DECIMAL_COMMA = /^-?\d+,\d+$/;
// A thousands group never starts the number with 0: `0.500` and `012.345` are no thousands.
const THOUSANDS_DOT = /^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$/;
// Digits written with a dot, as a number would be: `4.441`, `12.34`, `.5`, `1,234.5`.
const DOTTED = /^-?[\d.,]*\d[\d.,]*$/;

const EMPTY: MeasureCell = { value: null, flag: null };

/**
 * How a file's dotted values read. Embrapa's decimals are commas and a dot separates thousands (` 4.441 ` is 4441),
 * but only in a file where every dotted value is a thousands pattern: one dotted value that is not (`12.34`,
 * `0.500`) means the file may write decimal points, so none of its dotted values can be read either way and all
 * stay text (`text`).
 */
export type DottedValues = 'thousands' | 'text';

/** `text` when a cell of `columns` is a dotted value that is not a thousands pattern; `thousands` otherwise. */
export function dottedValues(rows: readonly (readonly string[])[], columns: readonly number[]): DottedValues {
  for (const row of rows) {
    for (const column of columns) {
      const text = row[column]?.trim() ?? '';
      if (text.includes('.') && DOTTED.test(text) && !THOUSANDS_DOT.test(text)) return 'text';
    }
  }
  return 'thousands';
}

/**
 * Parses a number as Embrapa writes it (`123`, `35881118,23`, `4.441`, `1.234.567,8`), or returns null. Its
 * decimals are commas, never points: a dot separates thousands (` 4.441 ` is 4441) unless `dotted` says the
 * file's dotted values are ambiguous, and a dotted value that is not a thousands pattern (`0.5`, `12.34`, `0.500`)
 * is not a number Embrapa writes, so it stays text. Digits too many for a double (`1` and 400 zeros) are not a
 * number either: Infinity would be null in JSON and `Infinity` in CSV.
 */
export function parseNumber(raw: string, dotted: DottedValues = 'thousands'): number | null {
  const value = parseDigits(raw.trim(), dotted);
  return value !== null && Number.isFinite(value) ? value : null;
}

function parseDigits(text: string, dotted: DottedValues): number | null {
  if (INTEGER.test(text)) return Number(text);
  if (DECIMAL_COMMA.test(text)) return Number(text.replace(',', '.'));
  if (dotted === 'thousands' && THOUSANDS_DOT.test(text)) {
    return Number(text.replaceAll('.', '').replace(',', '.'));
  }
  return null;
}

/**
 * Empty → null without flag; a number → the number; anything else (`nd`, `*`, `+`, `-`, or text never seen
 * before) → null with the trimmed text kept as the flag, so nothing published is lost.
 */
export function parseMeasure(raw: string, dotted: DottedValues = 'thousands'): MeasureCell {
  const text = raw.trim();
  if (text === '') return EMPTY;
  const value = parseNumber(text, dotted);
  return value === null ? { value: null, flag: text } : { value, flag: null };
}

/** What the original service returned for a cell: 0 when empty, numbers as numbers, markers as published. */
export function legacyCellValue(raw: string, dotted: DottedValues = 'thousands'): number | string {
  if (raw.trim() === '') return 0;
  return parseNumber(raw, dotted) ?? raw;
}

/** Whitespace as a person reads it: trimmed, runs (including non-breaking spaces) collapsed to one space. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Case- and accent-insensitive key for comparisons (`País` → `pais`). */
export function foldText(text: string): string {
  return normalizeWhitespace(text).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
