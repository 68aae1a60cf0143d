/** A published cell read as a measure: a number, or null with the marker text that stood in its place. */
export interface MeasureCell {
  readonly value: number | null;
  readonly flag: string | null;
}

const INTEGER = /^-?\d+$/;
const DECIMAL_COMMA = /^-?\d+,\d+$/;
const THOUSANDS_DOT = /^-?\d{1,3}(\.\d{3})+(,\d+)?$/;

const EMPTY: MeasureCell = { value: null, flag: null };

/**
 * Parses a number as Embrapa writes it (`123`, `35881118,23`, `4.441`, `1.234.567,8`), or returns null. Its
 * decimals are commas, never points: a dot separates thousands (` 4.441 ` is 4441), and a dotted value whose
 * groups are not three digits (`0.5`, `12.34`) is not a number Embrapa writes, so it stays text.
 * Digits too many for a double (`1` and 400 zeros) are not a number either: Infinity would be null in JSON and
 * `Infinity` in CSV.
 */
export function parseNumber(raw: string): number | null {
  const value = parseDigits(raw.trim());
  return value !== null && Number.isFinite(value) ? value : null;
}

function parseDigits(text: string): number | null {
  if (INTEGER.test(text)) return Number(text);
  if (DECIMAL_COMMA.test(text)) return Number(text.replace(',', '.'));
  if (THOUSANDS_DOT.test(text)) return Number(text.replaceAll('.', '').replace(',', '.'));
  return null;
}

/**
 * Empty → null without flag; a number → the number; anything else (`nd`, `*`, `+`, `-`, or text never seen
 * before) → null with the trimmed text kept as the flag, so nothing published is lost.
 */
export function parseMeasure(raw: string): MeasureCell {
  const text = raw.trim();
  if (text === '') return EMPTY;
  const value = parseNumber(text);
  return value === null ? { value: null, flag: text } : { value, flag: null };
}

/** What the original service returned for a cell: 0 when empty, numbers as numbers, markers as published. */
export function legacyCellValue(raw: string): number | string {
  if (raw.trim() === '') return 0;
  return parseNumber(raw) ?? raw;
}

/** Whitespace as a person reads it: trimmed, runs (including non-breaking spaces) collapsed to one space. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Case- and accent-insensitive key for comparisons (`País` → `pais`). */
export function foldText(text: string): string {
  return normalizeWhitespace(text).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
