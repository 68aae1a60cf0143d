type CsvValue = string | number | boolean | null;

const NEEDS_QUOTES = /[",\r\n]/;
// What a spreadsheet reads as the start of a formula (OWASP, CSV injection): =, +, -, @, tab, carriage return.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: null as an empty field, quotes only where needed. Text that a spreadsheet would run as a
 * formula gets a leading `'`, as OWASP recommends, so it is shown as text: a name `=HYPERLINK(…)` becomes
 * `'=HYPERLINK(…)`, and the published markers `+` and `-` become `'+` and `'-`. Only text is changed: numbers
 * (negative ones included) and booleans are written as they are.
 */
export function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One RFC 4180 line of fields (see csvField). */
export const csvLine = (values: readonly CsvValue[]): string => values.map(csvField).join(',');
