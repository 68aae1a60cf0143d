import { describe, expect, it } from 'vitest';
import { RowCountGuardError } from './errors.js';
import { checkRowCount } from './guard.js';

describe('checkRowCount', () => {
  it('accepts any count above zero when there is no previous manifest', () => {
    expect(() => checkRowCount('producao', 1, null, 0.5)).not.toThrow();
  });

  it('refuses zero rows', () => {
    expect(() => checkRowCount('producao', 0, null, 0.5)).toThrow(
      expect.objectContaining({ code: 'ROWS_EMPTY', rows: 0 }),
    );
  });

  it('refuses far fewer rows than the previous manifest, and accepts the boundary', () => {
    expect(() => checkRowCount('producao', 49, 100, 0.5)).toThrow(RowCountGuardError);
    expect(() => checkRowCount('producao', 49, 100, 0.5)).toThrow(/49 row\(s\) is below 50% of the 100/);
    expect(() => checkRowCount('producao', 50, 100, 0.5)).not.toThrow();
    expect(() => checkRowCount('producao', 1, 100, 0)).not.toThrow();
  });
});
