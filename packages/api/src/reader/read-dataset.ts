import { checkRows, type DatasetDefinition, type QualityChecks, type TidyRow } from '@vitibrasil/core';
import { MalformedUpstreamFile } from '../errors.js';
import { decodeText } from './decode.js';
import { sniffDelimiter } from './dialect.js';
import { type LegacyDocument, legacyDocument } from './legacy.js';
import type { ReadingNotes } from './notes.js';
import { checkShape, DEFAULT_SHAPE_LIMITS, type ShapeLimits } from './shape-limits.js';
import { type PublishedTable, readPublishedTable } from './table.js';
import { tidyRows } from './tidy.js';
import { classifyRows } from './totals.js';

/** Everything read from one upstream file. Pure data: computed once per content version. */
export interface ReadDataset {
  readonly table: PublishedTable;
  readonly rows: readonly TidyRow[];
  readonly legacy: LegacyDocument;
  /** How the file was read where it departs from the latest releases (no header, year labels overruled). */
  readonly notes: ReadingNotes;
  /** The consistency checks of these rows (totals against items, marker-only years, anomalies). */
  readonly quality: QualityChecks;
}

export interface BodyFacts {
  readonly contentType?: string | null;
  /**
   * True when the transport proved the body complete (Content-Length or chunked framing checked by the client, or
   * a stored copy whose hash matched). A close-delimited body is not proven: cut after a full cell, it would parse.
   */
  readonly lengthVerified: boolean;
}

/**
 * bytes → decoded text → dialect → shape within limits → checked table → totals → tidy rows, legacy shape and
 * quality checks.
 * Throws MalformedUpstreamFile, or SuspiciousUpstreamFile for a file beyond the limits (before any cell is parsed).
 * In the service it runs in the reader's worker thread (worker/isolated-reader.ts), never on the event loop.
 */
export function readDataset(
  dataset: DatasetDefinition,
  bytes: Uint8Array,
  facts: BodyFacts,
  limits: ShapeLimits = DEFAULT_SHAPE_LIMITS,
): ReadDataset {
  const fail = (reason: string): never => {
    throw new MalformedUpstreamFile(dataset.file, reason);
  };
  const decoded = decodeText(bytes);
  if ('damaged' in decoded) return fail(decoded.damaged);
  const { text, encoding } = decoded;
  if (text.trim() === '') fail('empty body');
  // Error pages come back with status 200 from this site; recognise them before reading them as CSV.
  if (/^\s*</.test(text) || facts.contentType?.toLowerCase().includes('text/html')) {
    fail('an HTML page, not a CSV file');
  }
  // Every published file ends with a line break; without one, an unproven body may have been cut mid-cell.
  if (!facts.lengthVerified && !/[\r\n]$/.test(text))
    fail('no line break at the end: the body may be truncated');
  const delimiter = sniffDelimiter(text) ?? fail('first line has neither tab nor semicolon delimiters');
  checkShape(dataset.file, text, delimiter, limits);
  const { table, notes } = readPublishedTable({
    file: dataset.file,
    family: dataset.family,
    text,
    encoding,
    delimiter,
  });
  const categories = dataset.hasValue ? null : classifyRows(table);
  const rows = tidyRows(dataset, table, categories);
  return {
    table,
    rows,
    legacy: legacyDocument(table, categories),
    notes,
    quality: checkRows(rows, yearLabels(table, notes)),
  };
}

/**
 * The year each quantity column is labelled with, as published: its year, unless a note says the label disagreed.
 * Null for a file without a header, whose years are positions only.
 */
function yearLabels(table: PublishedTable, notes: ReadingNotes): number[] | null {
  if (notes.header === 'absent') return null;
  const labels = new Map(notes.headerYears.map((note) => [note.column, note.label]));
  return table.measures
    .filter((column) => column.measure === 'quantity')
    .map((column) => {
      const label = labels.get(column.index + 1);
      return label === undefined ? column.year : Number.parseInt(label, 10);
    });
}
