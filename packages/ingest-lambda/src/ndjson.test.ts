import { describe, expect, it } from 'vitest';
import { makeRows, toNdjson } from '../test/helpers/fixtures.js';
import { RowValidationError } from './errors.js';
import { parseRows } from './ndjson.js';

describe('parseRows', () => {
  it('returns every row, ignoring blank lines and CRLF', () => {
    const rows = makeRows('producao', 30);
    const body = `${toNdjson(rows).replaceAll('\n', '\r\n')}\n\n`;
    expect(parseRows('producao', Buffer.from(body))).toEqual(rows);
  });

  it('fails the whole dataset on any invalid line, counting all of them', () => {
    const rows = makeRows('exportacao_vinho', 5);
    const lines = toNdjson(rows).trimEnd().split('\n');
    lines[1] = '{"dataset":"exportacao_vinho"';
    lines[3] = JSON.stringify({ ...rows[3], year: 1970.5 });
    lines.push(JSON.stringify({ ...rows[0], dataset: 'producao' }));
    lines.push(JSON.stringify({ ...rows[0], extra: 1 }));
    let error: unknown;
    try {
      parseRows('exportacao_vinho', Buffer.from(lines.join('\n')));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RowValidationError);
    const invalid = error as RowValidationError;
    expect(invalid.code).toBe('ROWS_INVALID');
    expect(invalid.invalidRows).toBe(4);
    expect(invalid.issues.map((i) => i.line)).toEqual([2, 4, 6, 7]);
    expect(invalid.issues[0]?.message).toMatch(/^not JSON/);
    expect(invalid.issues[1]?.message).toMatch(/^year:/);
    expect(invalid.issues[2]?.message).toBe('dataset is producao, expected exportacao_vinho');
    expect(invalid.message).toContain('4 of 7 row(s) failed validation');
  });
});
