import { foldText, normalizeWhitespace, parseNumber } from './cells.js';
import type { PublishedTable } from './table.js';

/** For each row of a production/processing/commercialization table: is it a category total, and its category. */
export interface RowCategory {
  readonly isTotal: boolean;
  /** The (whitespace-normalized) name of the total row this row belongs to; a total's own name. */
  readonly category: string | null;
}

// Item codes carry a short prefix (`vm_Tinto`, `ti_Bordo`, `br_IAC`): never a total, whatever the case of the name.
const ITEM_PREFIX = /^[a-z]{1,4}_/i;

const squash = (text: string): string => foldText(text).replace(/[^\p{L}\p{N}]/gu, '');

function isUpperCaseName(name: string): boolean {
  return /\p{L}/u.test(name) && name === name.toLocaleUpperCase('pt-BR');
}

/**
 * The lexical signal of a total row: an upper-case name whose control is empty, or is the name itself
 * (possibly without spaces, as `BRANCASEROSADAS`). Commercialization files repeat the category on item rows
 * (`VINHO DE MESA;Tinto`): the control then differs from the name, so the row is an item.
 */
function looksLikeTotal(control: string, name: string): boolean {
  if (ITEM_PREFIX.test(control) || !isUpperCaseName(name)) return false;
  return control === '' || squash(control) === squash(name);
}

/**
 * True when, in most years where every value is published, the rows add up to the total.
 * Upstream totals do not always equal the sum of their items, so this only ever confirms, never refutes.
 */
function addsUpTo(total: readonly (number | null)[], rows: readonly (readonly (number | null)[])[]): boolean {
  let comparable = 0;
  let equal = 0;
  total.forEach((expected, year) => {
    if (expected === null) return;
    let sum = 0;
    for (const row of rows) {
      const value = row[year];
      if (value === null || value === undefined) return;
      sum += value;
    }
    comparable++;
    if (Math.abs(sum - expected) <= Math.max(1, Math.abs(expected) * 1e-3)) equal++;
  });
  return comparable >= 3 && equal >= comparable * 0.8;
}

/**
 * Decides which rows are category totals. The `control` column does not encode it consistently across files and
 * releases, so a lexical signal proposes candidates and the numbers settle the doubtful ones: a candidate that
 * follows a total is demoted to an item when the total's items only add up with the candidate (and the rows up
 * to the next candidate) included — an upper-case cultivar code, not a new category.
 */
export function classifyRows(table: PublishedTable): RowCategory[] {
  const names = table.rows.map((row) => normalizeWhitespace(row[table.nameIndex] ?? ''));
  const controls = table.rows.map((row) =>
    table.controlIndex === null ? '' : normalizeWhitespace(row[table.controlIndex] ?? ''),
  );
  const values = table.rows.map((row) =>
    table.measures.map((column) => parseNumber(row[column.index] ?? '', table.dotted)),
  );
  const candidate = names.map((name, i) => looksLikeTotal(controls[i] ?? '', name));
  const nextCandidate = (from: number): number => {
    const found = candidate.findIndex((isCandidate, i) => i >= from && isCandidate);
    return found === -1 ? candidate.length : found;
  };

  const result: RowCategory[] = [];
  let totalIndex = -1;
  let items: (readonly (number | null)[])[] = [];
  names.forEach((name, i) => {
    let isTotal = candidate[i] === true;
    if (isTotal && totalIndex !== -1) {
      const total = values[totalIndex] ?? [];
      const closesCategory = items.length > 0 && addsUpTo(total, items);
      const span = values.slice(i, nextCandidate(i + 1));
      if (!closesCategory && addsUpTo(total, [...items, ...span])) isTotal = false;
    }
    if (isTotal) {
      totalIndex = i;
      items = [];
      result.push({ isTotal: true, category: name });
    } else {
      items.push(values[i] ?? []);
      result.push({ isTotal: false, category: totalIndex === -1 ? null : (names[totalIndex] ?? null) });
    }
  });
  return result;
}
