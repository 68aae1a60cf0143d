import { type DatasetDefinition, diffRows, type Revision, type TidyRow } from '@vitibrasil/core';
import { foldText } from '../reader/cells.js';
import { serializeLegacy } from '../reader/legacy.js';
import type { ReadDataset } from '../reader/read-dataset.js';
import { type BodyCache, type CachedBody, cachedBody } from './cached-body.js';
import { csvLine } from './csv.js';
import { type YearlyTotals, yearlyTotals } from './yearly-totals.js';

const JSON_TYPE = 'application/json; charset=utf-8';

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
  /**
   * Each distinct name folded once, when a text filter first needs it: the rows repeat a handful of names
   * thousands of times, and folding each row's copy on the event loop took seconds at the limits.
   */
  private readonly foldedNames = new Map<string, string>();
  /**
   * Each row serialized when a body first includes it, then kept: a page or a filter serializes its rows, not the
   * whole version (which stalled the first request of a version by up to 0.3 s at the limits).
   */
  private readonly json: Array<string | undefined> = [];
  private readonly csv: Array<string | undefined> = [];
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

  /** A name as text filters compare it (case- and accent-insensitive); null stays null. */
  folded(name: string | null): string | null {
    if (name === null) return null;
    let folded = this.foldedNames.get(name);
    if (folded === undefined) {
      folded = foldText(name);
      this.foldedNames.set(name, folded);
    }
    return folded;
  }

  /** Row `index` as JSON. */
  rowJson(index: number): string {
    this.json[index] ??= JSON.stringify(this.rows[index]);
    return this.json[index];
  }

  /** Row `index` as a CSV line (text cells neutralised). */
  rowCsv(index: number): string {
    const row = this.rows[index];
    this.csv[index] ??= row ? csvLine(Object.values(row)) : '';
    return this.csv[index];
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
