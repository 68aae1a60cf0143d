import { DATASETS, type DatasetDefinition } from '@vitibrasil/core';
import type { ReadingNotes } from '../reader/notes.js';
import type { DatasetCache } from '../upstream/dataset-cache.js';
import type { CatalogEntry, ReadingNotesBody } from './openapi/schemas.js';

/** Path of a dataset's legacy route, e.g. /processamentoCSV/tipo/Viniferas. */
export const legacyPath = (dataset: DatasetDefinition): string =>
  dataset.legacy.tipo === null ? dataset.legacy.path : `${dataset.legacy.path}/tipo/${dataset.legacy.tipo}`;

/** Path of a dataset's catalog entry, and of its rows. */
export const datasetPath = (dataset: DatasetDefinition): string => `/v1/datasets/${dataset.id}`;
export const rowsPath = (dataset: DatasetDefinition): string => `${datasetPath(dataset)}/rows`;

/** How a version was read, as the catalog and the quality report show it. */
export const readingNotes = (notes: ReadingNotes): ReadingNotesBody => ({
  header: notes.header,
  header_years: notes.headerYears.map((note) => ({
    column: note.column,
    label: note.label,
    year: note.year,
    measure: note.measure === 'value' ? 'value_usd' : 'quantity',
  })),
});

/** One catalog entry: the dataset's definition and what is cached of it. */
export function catalogEntry(
  dataset: DatasetDefinition,
  cache: DatasetCache,
  upstreamUrl: (file: string) => string,
): CatalogEntry {
  const { served, lastFailure } = cache.status(dataset.id);
  const snapshot = served?.snapshot;
  const revisions = snapshot?.read.revisions;
  return {
    id: dataset.id,
    title: dataset.title,
    family: dataset.family,
    unit: dataset.unit,
    measures: dataset.hasValue ? ['quantity', 'value_usd'] : ['quantity'],
    upstream_url: upstreamUrl(dataset.file),
    legacy_route: legacyPath(dataset),
    rows_url: rowsPath(dataset),
    quality_url: `${datasetPath(dataset)}/quality`,
    revisions_url: `${datasetPath(dataset)}/revisions`,
    cached:
      served && snapshot
        ? {
            state: served.state,
            origin: served.origin,
            release: served.release,
            fetched_at: served.fetchedAt.toISOString(),
            changed_at: snapshot.changedAt.toISOString(),
            content_hash: snapshot.contentHash,
            bytes: snapshot.byteLength,
            row_count: snapshot.rowCount,
            published_rows: snapshot.read.publishedRows,
            year_from: snapshot.yearFrom,
            year_to: snapshot.yearTo,
            encoding: snapshot.read.encoding,
            delimiter: snapshot.read.delimiter === '\t' ? 'tab' : 'semicolon',
            notes: readingNotes(snapshot.read.notes),
            quality: snapshot.read.qualitySummary,
            previous:
              snapshot.previous && revisions
                ? {
                    content_hash: snapshot.previous.contentHash,
                    fetched_at: snapshot.previous.fetchedAt.toISOString(),
                    ...revisions.counts,
                  }
                : null,
          }
        : null,
    last_error: lastFailure
      ? { at: lastFailure.at.toISOString(), code: lastFailure.code, message: lastFailure.message }
      : null,
  };
}

export const catalog = (cache: DatasetCache, upstreamUrl: (file: string) => string): CatalogEntry[] =>
  DATASETS.map((dataset) => catalogEntry(dataset, cache, upstreamUrl));
