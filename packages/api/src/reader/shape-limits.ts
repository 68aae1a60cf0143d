import { SuspiciousUpstreamFile } from '../errors.js';
import type { Delimiter } from './dialect.js';

/** The largest file the reader accepts, counted on the decoded text before any cell is parsed. */
export interface ShapeLimits {
  /** Fields on the widest line. */
  readonly maxColumns: number;
  /** Lines after the header. */
  readonly maxRows: number;
  /** Fields on all lines, the header's included: what the CSV parser would allocate, a bound on the observations. */
  readonly maxCells: number;
  /** Characters in one cell, checked once the cells are parsed, before any row is built from them. */
  readonly maxCellLength: number;
  /**
   * Characters of text the tidy rows would hold: Σ over observations of the category, item and country lengths.
   * Each observation repeats its row's names, in the worker's rows and in every whole-dataset body (CSV, NDJSON): a
   * long name × many observations is what this bounds, before any tidy row is built.
   */
  readonly maxTidyText: number;
}

/**
 * Today's largest file (ExpVinho.csv, 2025-06) has 112 columns, 141 rows and 15,904 cells (header included): these
 * leave 8.9×, 70× and 12.6× headroom (centuries more years, far more countries). Today's longest cell has 44
 * characters (Producao.csv) and the most tidy text is 166,320 characters (ProcessaViniferas.csv): 1,000 and
 * 8,000,000 leave 22× and 48× headroom (the latter: the cell limit's observations at 40 characters of names each).
 * What an accepted file costs at these limits is measured by `pnpm bench:limits` (docs/performance.md).
 */
export const DEFAULT_SHAPE_LIMITS: ShapeLimits = {
  maxColumns: 1_000,
  maxRows: 10_000,
  maxCells: 200_000,
  maxCellLength: 1_000,
  maxTidyText: 8_000_000,
};

export interface FileShape {
  readonly columns: number;
  readonly rows: number;
  readonly cells: number;
}

const LF = 10;
const CR = 13;

/**
 * Upper bounds of a file's shape in one pass over its characters: quotes are ignored, so a quoted delimiter or line
 * break counts as one, and the parser can only find fewer fields, lines or cells than counted here. Empty lines
 * (which the parser skips) are not counted. Stops early once a limit is passed: a hostile file costs one scan of
 * its first bytes.
 */
export function measureShape(text: string, delimiter: Delimiter, limits: ShapeLimits): FileShape {
  const separator = delimiter.charCodeAt(0);
  let columns = 0;
  let lines = 0;
  let cells = 0;
  let fields = 1;
  let empty = true;
  const endLine = () => {
    if (!empty) {
      lines++;
      cells += fields;
      if (fields > columns) columns = fields;
    }
    fields = 1;
    empty = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      endLine();
      if (columns > limits.maxColumns || lines - 1 > limits.maxRows || cells > limits.maxCells) break;
    } else if (c !== CR) {
      empty = false;
      if (c === separator) fields++;
    }
  }
  endLine();
  return { columns, rows: Math.max(0, lines - 1), cells };
}

/** Throws SuspiciousUpstreamFile when the file is beyond a limit, naming the limit and the variable that sets it. */
export function checkShape(file: string, text: string, delimiter: Delimiter, limits: ShapeLimits): void {
  const shape = measureShape(text, delimiter, limits);
  const over = (what: string, count: number, limit: number, variable: string): never => {
    throw new SuspiciousUpstreamFile(
      file,
      `${what}: at least ${count}, more than the ${limit} accepted (${variable})`,
    );
  };
  if (shape.columns > limits.maxColumns)
    over('columns', shape.columns, limits.maxColumns, 'UPSTREAM_MAX_COLUMNS');
  if (shape.rows > limits.maxRows) over('rows', shape.rows, limits.maxRows, 'UPSTREAM_MAX_ROWS');
  if (shape.cells > limits.maxCells) over('cells', shape.cells, limits.maxCells, 'UPSTREAM_MAX_CELLS');
}

/** Throws SuspiciousUpstreamFile at the first cell longer than the limit (UPSTREAM_MAX_CELL_LENGTH). */
export function checkCellLength(
  file: string,
  lines: readonly (readonly string[])[],
  limits: Pick<ShapeLimits, 'maxCellLength'>,
): void {
  lines.forEach((cells, line) => {
    cells.forEach((cell, column) => {
      if (cell.length > limits.maxCellLength) {
        throw new SuspiciousUpstreamFile(
          file,
          `a cell of ${cell.length} characters (line ${line + 1}, column ${column + 1}), more than the ${limits.maxCellLength} accepted (UPSTREAM_MAX_CELL_LENGTH)`,
        );
      }
    });
  });
}

/** One published row as the tidy rows will repeat it: its names' length, once per quantity column. */
export interface RowText {
  readonly textLength: number;
  readonly observations: number;
}

/** Throws SuspiciousUpstreamFile when the tidy rows would hold more text than the limit (UPSTREAM_MAX_TIDY_TEXT). */
export function checkTidyText(
  file: string,
  rows: Iterable<RowText>,
  limits: Pick<ShapeLimits, 'maxTidyText'>,
): void {
  let total = 0;
  for (const row of rows) total += row.textLength * row.observations;
  if (total > limits.maxTidyText) {
    throw new SuspiciousUpstreamFile(
      file,
      `tidy rows would hold ${total} characters of names, more than the ${limits.maxTidyText} accepted (UPSTREAM_MAX_TIDY_TEXT)`,
    );
  }
}
