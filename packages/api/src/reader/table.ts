import type { DatasetFamily } from '@vitibrasil/core';
import { parse } from 'csv-parse/sync';
import { MalformedUpstreamFile } from '../errors.js';
import { type DottedValues, dottedValues } from './cells.js';
import {
  type Columns,
  columnsByPosition,
  columnsFromHeader,
  excerpt,
  isIntegerId,
  startsWithData,
} from './columns.js';
import type { TextEncoding } from './decode.js';
import type { Delimiter } from './dialect.js';
import type { ReadingNotes } from './notes.js';

/** A published file, its structure recognised and checked; cells still as published. */
export interface PublishedTable extends Omit<Columns, 'notes'> {
  readonly file: string;
  readonly encoding: TextEncoding;
  readonly delimiter: Delimiter;
  /** Data rows, each exactly `header.length` cells. */
  readonly rows: readonly (readonly string[])[];
  /** How the file's dotted values read: as thousands, or all as text when any is ambiguous. */
  readonly dotted: DottedValues;
}

interface Source {
  readonly file: string;
  readonly family: DatasetFamily;
  readonly text: string;
  readonly encoding: TextEncoding;
  readonly delimiter: Delimiter;
}

/** Parses and checks the structure of a file; throws MalformedUpstreamFile naming what is wrong. */
export function readPublishedTable(source: Source): { table: PublishedTable; notes: ReadingNotes } {
  const { file, family, text, delimiter } = source;
  const fail = (reason: string): never => {
    throw new MalformedUpstreamFile(file, reason);
  };

  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    return fail(`not parseable as CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  records = records.filter((record) => record.some((cell) => cell.trim() !== ''));
  const [first] = records;
  if (!first) return fail('no header line');

  // Some releases start directly with data: every line is then a row, and the columns are known by position.
  const headerless = startsWithData(first);
  const body = headerless ? records : records.slice(1);
  const { notes, ...columns } = headerless
    ? columnsByPosition(body, family, fail)
    : columnsFromHeader(first, family, fail);
  if (body.length === 0) fail('no data rows');

  const width = columns.header.length;
  const firstLine = headerless ? 1 : 2;
  const rows = body.map((record, i) => {
    // A repeated header or any stray line inside the data is no row: it would be served as an item named `produto`.
    if (!headerless && !isIntegerId(record[columns.idIndex])) {
      fail(
        `line ${i + firstLine} has ${excerpt(record[columns.idIndex]?.trim() ?? '')} in the id column (column ${columns.idIndex + 1}), not an integer id`,
      );
    }
    if (record.length < width) {
      fail(`line ${i + firstLine} has ${record.length} of ${width} fields (ragged or truncated row)`);
    }
    if (record.length > width) {
      if (record.slice(width).some((cell) => cell.trim() !== '')) {
        fail(`line ${i + firstLine} has ${record.length} fields, the header ${width}`);
      }
      return record.slice(0, width);
    }
    return record;
  });

  const dotted = dottedValues(
    rows,
    columns.measures.map((column) => column.index),
  );
  return { table: { file, encoding: source.encoding, delimiter, ...columns, rows, dotted }, notes };
}
