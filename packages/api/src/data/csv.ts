type CsvValue = string | number | boolean | null;

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 line: null as an empty field, quotes only where needed. */
export function csvLine(values: readonly CsvValue[]): string {
  return values
    .map((value) => {
      if (value === null) return '';
      const text = String(value);
      return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',');
}
