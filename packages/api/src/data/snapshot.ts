import { type DatasetDefinition, diffRows, type Revision, type TidyRow } from '@vitibrasil/core';
import { foldText } from '../reader/cells.js';
import { serializeLegacy } from '../reader/legacy.js';
import type { ReadDataset } from '../reader/read-dataset.js';
import { type BodyCache, type CachedBody, cachedBody } from './cached-body.js';
import { csvLine } from './csv.js';
import { type YearlyTotals, yearlyTotals } from './yearly-totals.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Folded (case- and accent-insensitive) text columns of one row, for filters. */
export interface FoldedRow {
  readonly category: string | null;
  readonly item: string | null;
  readonly country: string | null;
}

/** The version a snapshot replaced: only its rows and identity are kept, for the revisions between the two. */
export interface PreviousVersion {
  readonly rows: readonly TidyRow[];
  readonly contentHash: string;
  readonly changedAt: Date;
  /** Last time the upstream confirmed it, before the new version replaced it. */
  readonly fetchedAt: Date;
}

/**
 * One content version of one dataset: what was read from the bytes, plus everything derived from it, built
 * lazily once and kept. Requests for the same version and query reuse the same serialized body.
 */
export class DatasetSnapshot {
  readonly rowCount: number;
  readonly yearFrom: number | null;
  readonly yearTo: number | null;
  /** When this version was read: when it replaced the previous version in this process (and was checked). */
  readonly readAt = new Date();
  private revisionList: Revision[] | undefined;
  private folded: FoldedRow[] | undefined;
  private json: string[] | undefined;
  private csv: string[] | undefined;
  private legacy: CachedBody | undefined;
  private totals: YearlyTotals | undefined;

  constructor(
    readonly dataset: DatasetDefinition,
    readonly read: ReadDataset,
    /** SHA-256 (hex) of the upstream bytes. */
    readonly contentHash: string,
    readonly byteLength: number,
    /** When this content was first seen (or the upstream's Last-Modified, when it sent one). */
    readonly changedAt: Date,
    /** Query bodies, shared by every dataset and version so that one memory budget bounds them all. */
    private readonly bodies: BodyCache,
    /** The version this one replaced in this process, if any: only the last one is kept. */
    readonly previous: PreviousVersion | null,
  ) {
    this.rowCount = read.rows.length;
    const years = read.table.measures.map((m) => m.year);
    this.yearFrom = years.length ? Math.min(...years) : null;
    this.yearTo = years.length ? Math.max(...years) : null;
  }

  get rows(): readonly TidyRow[] {
    return this.read.rows;
  }

  /** Short version tag used in cursors. */
  get versionTag(): string {
    return this.contentHash.slice(0, 12);
  }

  /** Rows added, removed and revised since the previous version; null when none is held. Computed once. */
  revisions(): readonly Revision[] | null {
    if (this.previous === null) return null;
    this.revisionList ??= diffRows(this.previous.rows, this.rows);
    return this.revisionList;
  }

  foldedRows(): readonly FoldedRow[] {
    this.folded ??= this.rows.map((row) => ({
      category: row.category === null ? null : foldText(row.category),
      item: row.item === null ? null : foldText(row.item),
      country: row.country === null ? null : foldText(row.country),
    }));
    return this.folded;
  }

  rowJson(): readonly string[] {
    this.json ??= this.rows.map((row) => JSON.stringify(row));
    return this.json;
  }

  rowCsv(): readonly string[] {
    this.csv ??= this.rows.map((row) => csvLine(Object.values(row)));
    return this.csv;
  }

  legacyBody(): CachedBody {
    this.legacy ??= cachedBody(serializeLegacy(this.read.legacy), JSON_TYPE);
    return this.legacy;
  }

  /** The yearly total the home page charts: computed once per version, whatever the number of page views. */
  yearlyTotals(): YearlyTotals {
    this.totals ??= yearlyTotals(
      this.rows,
      this.read.table.measures.map((m) => m.year),
    );
    return this.totals;
  }

  body(key: string, build: () => CachedBody): CachedBody {
    return this.bodies.getOrBuild(`${this.dataset.id}|${this.versionTag}|${key}`, build);
  }
}
