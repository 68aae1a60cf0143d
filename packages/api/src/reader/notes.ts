/** A year column whose published label is not the year its position gives. It is read as the position says. */
export interface HeaderYearNote {
  /** Position of the column in the line, counted from 1 as a spreadsheet does. */
  readonly column: number;
  /** The label as published (e.g. `2021`). */
  readonly label: string;
  /** The year the column was read as. */
  readonly year: number;
  readonly measure: 'quantity' | 'value';
}

/**
 * How a file was read where it departs from the way the latest releases are written: one plain-data structure,
 * computed with the read, shown in the catalog and kept for the quality report.
 */
export interface ReadingNotes {
  /**
   * `published`: the first line named the columns. `absent`: the file began with data, so the columns were named
   * by position (id, control, name or id, country; years from 1970).
   */
  readonly header: 'published' | 'absent';
  /** Year columns read by position against their label; empty when every label agrees. */
  readonly headerYears: readonly HeaderYearNote[];
}
