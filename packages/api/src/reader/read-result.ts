import {
  type ChangeCounts,
  type ChangePositions,
  countPositions,
  type DatasetDefinition,
  diffPositions,
  type QualitySummary,
} from '@vitibrasil/core';
import type { TextEncoding } from './decode.js';
import type { Delimiter } from './dialect.js';
import { serializeLegacy } from './legacy.js';
import type { ReadingNotes } from './notes.js';
import type { ReadDataset } from './read-dataset.js';
import { columnBuffers, columnRows, type TidyColumns, toTidyColumns } from './tidy-columns.js';

/** The rows changed from the version this one replaced, by their positions in the two versions' columns. */
export interface RevisionsRead {
  readonly counts: ChangeCounts;
  readonly positions: ChangePositions;
}

/**
 * What the service keeps of a file read in the reader's worker, in the form that crosses to the main thread at no
 * cost to its event loop: columns and serialized JSON, sent by transferring their buffers. Whatever may grow with
 * the file (rows, the legacy document, the quality report's lists, the revisions) is typed arrays or bytes here;
 * only small summaries are objects.
 */
export interface ReadResult {
  readonly columns: TidyColumns;
  /** Data rows of the published table. */
  readonly publishedRows: number;
  /** The year of each measure column, in published order. */
  readonly years: readonly number[];
  readonly encoding: TextEncoding;
  readonly delimiter: Delimiter;
  readonly notes: ReadingNotes;
  readonly qualitySummary: QualitySummary;
  /** The quality checks as a JSON object (totals mismatches, marker-only years, anomalies, rows by year, summary). */
  readonly qualityJson: Uint8Array;
  /** The original service's answer, as its JSON text. */
  readonly legacyJson: Uint8Array;
  /** Null when no previous version was given. A few bytes per change, whatever the rows. */
  readonly revisions: RevisionsRead | null;
}

// Its own buffer for each text: a Buffer.from of a short string may share the pool, which must never be transferred.
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * Everything derived from a read that the service serves, computed where the read ran (the worker): the columns,
 * the legacy and quality JSON, and the comparison with the previous version's columns when one is given (as
 * positions: the revisions body is written from the two versions' columns, as it is asked for).
 */
export function readResult(
  dataset: DatasetDefinition,
  read: ReadDataset,
  previous: TidyColumns | null,
): ReadResult {
  const positions = previous === null ? null : diffPositions(columnRows(previous, dataset), read.rows);
  return {
    columns: toTidyColumns(read.rows),
    publishedRows: read.table.rows.length,
    years: read.table.measures.map((measure) => measure.year),
    encoding: read.table.encoding,
    delimiter: read.table.delimiter,
    notes: read.notes,
    qualitySummary: read.quality.summary,
    qualityJson: utf8(JSON.stringify(read.quality)),
    legacyJson: utf8(serializeLegacy(read.legacy)),
    revisions: positions === null ? null : { counts: countPositions(positions), positions },
  };
}

/** The buffers a result's message transfers. */
export const resultBuffers = (result: ReadResult): ArrayBuffer[] => [
  ...columnBuffers(result.columns),
  result.qualityJson.buffer as ArrayBuffer,
  result.legacyJson.buffer as ArrayBuffer,
  ...(result.revisions
    ? [
        result.revisions.positions.kinds,
        result.revisions.positions.current,
        result.revisions.positions.previous,
      ].map((array) => array.buffer as ArrayBuffer)
    : []),
];
