import { type DatasetId, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { type RowIssue, RowValidationError } from './errors.js';

/** Problems kept on a RowValidationError; the count of invalid rows is always exact. */
const MAX_ISSUES = 10;

/**
 * Parses an NDJSON body and validates every line against the tidy row schema, and that it belongs to
 * `dataset`. Blank lines are ignored. Any invalid line fails the whole dataset: a partial dataset is never
 * written.
 */
export function parseRows(dataset: DatasetId, body: Buffer): TidyRow[] {
  const rows: TidyRow[] = [];
  const issues: RowIssue[] = [];
  let invalid = 0;
  let total = 0;
  const reject = (line: number, message: string) => {
    invalid++;
    if (issues.length < MAX_ISSUES) issues.push({ line, message });
  };
  // Scans the buffer line by line: no string of the whole body, no array of every line.
  let line = 0;
  for (let start = 0; start < body.length; ) {
    const newline = body.indexOf(10, start);
    const end = newline === -1 ? body.length : newline;
    const text = body.toString('utf8', start, end).trim();
    start = end + 1;
    line++;
    if (text === '') continue;
    total++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      reject(line, `not JSON: ${(error as Error).message}`);
      continue;
    }
    const parsed = TidyRowSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      reject(
        line,
        issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'does not match the row schema',
      );
    } else if (parsed.data.dataset !== dataset) {
      reject(line, `dataset is ${parsed.data.dataset}, expected ${dataset}`);
    } else {
      rows.push(parsed.data);
    }
  }
  if (invalid > 0) throw new RowValidationError(dataset, invalid, total, issues);
  return rows;
}
