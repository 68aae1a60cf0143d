import type { DatasetDefinition, TidyRow } from '@vitibrasil/core';
import { foldText } from '../reader/cells.js';
import type { ReadResult } from '../reader/read-result.js';
import { type TidyColumns, tidyRowAt } from '../reader/tidy-columns.js';
import { type BodyCache, type CachedBody, cachedBody } from './cached-body.js';
import { csvField } from './csv.js';
import { type YearlyTotals, yearlyTotals } from './yearly-totals.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The version a snapshot replaced, as the revisions name it (its rows were compared by the reader and let go). */
export interface PreviousVersion {
  readonly contentHash: string;
  readonly changedAt: Date;
  /** Last time the upstream confirmed it, before the new version replaced it. */
  readonly fetchedAt: Date;
}

const jsonNumber = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? 'null' : String(value);
const csvNumber = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '' : String(value);

/**
 * One content version of one dataset: what the reader made of the bytes (columns, serialized reports), plus what is
 * derived from it, built lazily once and kept. Requests for the same version and query reuse the same body.
 */
export class DatasetSnapshot {
  readonly rowCount: number;
  readonly yearFrom: number | null;
  readonly yearTo: number | null;
  /** When this version was read: when it replaced the previous version in this process (and was checked). */
  readonly readAt = new Date();
  /** Each distinct text as JSON, and as a CSV field: a row is serialized by joining its texts' forms. */
  private textJson: readonly string[] | undefined;
  private textCsv: readonly string[] | undefined;
  /** Each distinct text folded, when a text filter first needs them. */
  private foldedTexts: readonly string[] | undefined;
  private readonly datasetJson: string;
  private readonly unitJson: string;
  private readonly datasetCsv: string;
  private readonly unitCsv: string;
  private legacy: CachedBody | undefined;
  private totals: YearlyTotals | undefined;

  constructor(
    readonly dataset: DatasetDefinition,
    readonly read: ReadResult,
    /** SHA-256 (hex) of the upstream bytes. */
    readonly contentHash: string,
    readonly byteLength: number,
    /** When this content was first seen (or the upstream's Last-Modified, when it sent one). */
    readonly changedAt: Date,
    /** Query bodies, shared by every dataset and version so that one memory budget bounds them all. */
    private readonly bodies: BodyCache,
    /** The version this one replaced in this process, if any (read.revisions compares the two). */
    readonly previous: PreviousVersion | null,
  ) {
    this.rowCount = read.columns.length;
    this.yearFrom = read.years.length ? Math.min(...read.years) : null;
    this.yearTo = read.years.length ? Math.max(...read.years) : null;
    this.datasetJson = JSON.stringify(dataset.id);
    this.unitJson = JSON.stringify(dataset.unit);
    this.datasetCsv = csvField(dataset.id);
    this.unitCsv = csvField(dataset.unit);
  }

  get columns(): TidyColumns {
    return this.read.columns;
  }

  /** Short version tag used in cursors. */
  get versionTag(): string {
    return this.contentHash.slice(0, 12);
  }

  /** Row `index` as a tidy row. */
  row(index: number): TidyRow {
    return tidyRowAt(this.columns, this.dataset, index);
  }

  /** Which distinct texts equal `folded` once folded (case- and accent-insensitive), by their index. */
  textsFoldingTo(folded: string): Uint8Array {
    this.foldedTexts ??= this.columns.texts.map(foldText);
    return Uint8Array.from(this.foldedTexts, (text) => (text === folded ? 1 : 0));
  }

  /** Row `index` as JSON: the same text as JSON.stringify of its tidy row, without building the row. */
  rowJson(index: number): string {
    const c = this.columns;
    this.textJson ??= c.texts.map((text) => JSON.stringify(text));
    const text = (at: number | undefined) => (at === undefined || at < 0 ? 'null' : this.textJson?.[at]);
    return (
      `{"dataset":${this.datasetJson},"category":${text(c.category[index])},"item":${text(c.item[index])},` +
      `"country":${text(c.country[index])},"year":${c.year[index]},"quantity":${jsonNumber(c.quantity[index])},` +
      `"quantity_flag":${text(c.quantityFlag[index])},"value_usd":${jsonNumber(c.valueUsd[index])},` +
      `"value_flag":${text(c.valueFlag[index])},"unit":${this.unitJson},"is_total":${c.isTotal[index] === 1}}`
    );
  }

  /** Row `index` as a CSV line in TIDY_COLUMNS order (text fields neutralised, see csvField). */
  rowCsv(index: number): string {
    const c = this.columns;
    this.textCsv ??= c.texts.map(csvField);
    const text = (at: number | undefined) => (at === undefined || at < 0 ? '' : this.textCsv?.[at]);
    return (
      `${this.datasetCsv},${text(c.category[index])},${text(c.item[index])},${text(c.country[index])},` +
      `${c.year[index]},${csvNumber(c.quantity[index])},${text(c.quantityFlag[index])},` +
      `${csvNumber(c.valueUsd[index])},${text(c.valueFlag[index])},${this.unitCsv},` +
      `${c.isTotal[index] === 1}`
    );
  }

  /** The original service's answer, serialized by the reader. */
  legacyBody(): CachedBody {
    const json = this.read.legacyJson;
    this.legacy ??= cachedBody(Buffer.from(json.buffer, json.byteOffset, json.byteLength), JSON_TYPE);
    return this.legacy;
  }

  /** The yearly total the home page charts: computed once per version, whatever the number of page views. */
  yearlyTotals(): YearlyTotals {
    this.totals ??= yearlyTotals(this.columns, this.read.years);
    return this.totals;
  }

  body(key: string, build: () => CachedBody | Promise<CachedBody>): Promise<CachedBody> {
    return this.bodies.getOrBuild(`${this.dataset.id}|${this.versionTag}|${key}`, build);
  }
}
