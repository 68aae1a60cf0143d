import { describe, expect, it } from 'vitest';
import { makeRows } from '../test/helpers/fixtures.js';
import { IngestError } from './errors.js';
import { encodeParquet, encodeQuality, ROW_GROUP_ROWS } from './parquet.js';
import { readComparedRows } from './parquet-reader.js';

const stamp = { processedAt: new Date('2026-01-01T02:00:00.000Z'), runId: '20260101T020000Z-abcd1234' };

describe('readComparedRows', () => {
  it('reads the keys and values of a curated file back as they were written', async () => {
    for (const [dataset, count] of [
      ['producao', 600],
      // Several row groups: each group's rows land at their place.
      ['exportacao_uva', 2 * ROW_GROUP_ROWS + 321],
    ] as const) {
      const rows = makeRows(dataset, count);
      const back = await readComparedRows(dataset, encodeParquet(rows, stamp));
      expect(back.length).toBe(rows.length);
      expect(Array.from({ length: back.length }, (_, i) => back.at(i))).toEqual(
        rows.map(({ unit: _unit, is_total: _isTotal, ...compared }) => compared),
      );
      expect(back.at(rows.length)).toBeUndefined();
    }
    expect((await readComparedRows('producao', encodeParquet([], stamp))).length).toBe(0);
  });

  it('refuses a file that is not Parquet, or not a curated file of this schema', async () => {
    await expect(readComparedRows('producao', Buffer.from('not parquet'))).rejects.toMatchObject({
      code: 'LAKE_READ',
    });
    const other = readComparedRows('producao', encodeQuality([], stamp));
    await expect(other).rejects.toBeInstanceOf(IngestError);
    await expect(other).rejects.toThrow(
      /column category is REQUIRED BYTE_ARRAY, expected OPTIONAL BYTE_ARRAY/,
    );
  });
});
