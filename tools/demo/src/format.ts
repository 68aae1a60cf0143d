/** Plain-text tables for the terminal: numbers right-aligned with thousands separators, nulls as a dash. */

/** Columns holding years or dates print as they are, without thousands separators. */
const PLAIN = /(^|_)(year|date)$/;

export function formatValue(value: unknown, column = ''): string {
  if (value === null || value === undefined) return '-';
  if (PLAIN.test(column) && (typeof value === 'number' || typeof value === 'bigint')) return String(value);
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? value.toLocaleString('en-US')
      : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

const isNumeric = (value: unknown) => typeof value === 'number' || typeof value === 'bigint';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Rows of objects as an aligned table, columns in the order of the first row's keys. */
export function table(rows: readonly Record<string, unknown>[], indent = '  '): string {
  const first = rows[0];
  if (!first) return `${indent}(no rows)`;
  const columns = Object.keys(first);
  const cells = rows.map((row) => columns.map((c) => formatValue(row[c], c)));
  const right = columns.map((c) => rows.some((row) => isNumeric(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: readonly string[]) =>
    indent +
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
