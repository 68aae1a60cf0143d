import type { DatasetDefinition } from '@vitibrasil/core';
import { foldText } from '../reader/cells.js';
import type { ReadResult } from '../reader/read-result.js';
import type { TidyColumns } from '../reader/tidy-columns.js';
import { type BodyCache, type CachedBody, cachedBody } from './cached-body.js';
import { csvField } from './csv.js';
import { type YearlyTotals, yearlyTotals } from './yearly-totals.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The version a snapshot replaced: its identity, and its columns, which the revisions' removed and revised rows are
 * read from (only the columns: its bodies, and its own predecessor, are let go).
 */
export interface PreviousVersion {
  readonly columns: TidyColumns;
  readonly contentHash: string;
  readonly changedAt: Date;
  /** Last time the upstream confirmed it, before the new version replaced it. */
  readonly fetchedAt: Date;
}

/** The columns a text filter applies to. */
export type NameField = 'category' | 'item' | 'country';

/** What a distinct text is turned into: its JSON, its CSV field, its folded form (text filters). */
type TextForm = 'json' | 'csv' | 'folded';
const MAKE_FORM: Record<TextForm, (text: string) => string> = {
  json: (text) => JSON.stringify(text),
  csv: csvField,
  folded: foldText,
};

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
  /**
   * Each distinct text as JSON, as a CSV field and folded, computed when first needed and kept: a row is serialized
   * by joining its texts' forms. Per text, not all at once: a file may publish a distinct marker in every cell.
   */
  private readonly textForms = new Map<TextForm, Array<string | undefined>>();
  /** Per name column, which texts it holds (a text filter compares those only, never the markers). */
  private readonly namesOf = new Map<NameField, Uint8Array>();
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

  /** Which distinct texts of a name column equal `folded` once folded (case- and accent-insensitive), by index. */
  namesFoldingTo(field: NameField, folded: string): Uint8Array {
    const names = this.names(field);
    const matches = new Uint8Array(names.length);
    for (let t = 0; t < names.length; t++) {
      if (names[t] === 1 && this.textForm('folded', t) === folded) matches[t] = 1;
    }
    return matches;
  }

  private names(field: NameField): Uint8Array {
    let names = this.namesOf.get(field);
    if (!names) {
      names = new Uint8Array(this.columns.texts.length);
      for (const at of this.columns[field]) if (at >= 0) names[at] = 1;
      this.namesOf.set(field, names);
    }
    return names;
  }

  /** Row `index` as JSON: the same text as JSON.stringify of its tidy row, without building the row. */
  rowJson(index: number): string {
    const c = this.columns;
    const text = (at: number | undefined) =>
      at === undefined || at < 0 ? 'null' : this.textForm('json', at);
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
    const text = (at: number | undefined) => (at === undefined || at < 0 ? '' : this.textForm('csv', at));
    return (
      `${this.datasetCsv},${text(c.category[index])},${text(c.item[index])},${text(c.country[index])},` +
      `${c.year[index]},${csvNumber(c.quantity[index])},${text(c.quantityFlag[index])},` +
      `${csvNumber(c.valueUsd[index])},${text(c.valueFlag[index])},${this.unitCsv},` +
      `${c.isTotal[index] === 1}`
    );
  }

  /** Text `at` in `form`, made when first asked for and kept. */
  private textForm(form: TextForm, at: number): string {
    const { texts } = this.columns;
    let forms = this.textForms.get(form);
    if (!forms) {
      // Allocated whole: an array filled out of order from empty would be a slow, sparse one.
      forms = new Array<string | undefined>(texts.length).fill(undefined);
      this.textForms.set(form, forms);
    }
    const known = forms[at];
    if (known !== undefined) return known;
    const made = MAKE_FORM[form](texts[at] ?? '');
    forms[at] = made;
    return made;
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
