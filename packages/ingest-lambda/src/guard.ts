import type { DatasetId } from '@vitibrasil/core';
import { RowCountGuardError } from './errors.js';

/**
 * Refuses to replace a dataset with nothing, or with far fewer rows than its last written object
 * (`rows < previousRows × minRatio`): an upstream outage or a truncated file must not wipe the lake.
 */
export function checkRowCount(
  dataset: DatasetId,
  rows: number,
  previousRows: number | null,
  minRatio: number,
): void {
  if (rows === 0) {
    throw new RowCountGuardError(
      'ROWS_EMPTY',
      `${dataset}: the API served no rows; nothing written`,
      0,
      previousRows,
    );
  }
  if (previousRows !== null && rows < previousRows * minRatio) {
    throw new RowCountGuardError(
      'ROWS_DROPPED',
      `${dataset}: ${rows} row(s) is below ${minRatio * 100}% of the ${previousRows} in the latest manifest; nothing written ` +
        '(lower MIN_ROW_RATIO to accept it)',
      rows,
      previousRows,
    );
  }
}
