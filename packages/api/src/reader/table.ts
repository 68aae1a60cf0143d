import type { DatasetFamily } from '@vitibrasil/core';
import { parse } from 'csv-parse/sync';
import { MalformedUpstreamFile } from '../errors.js';
import { foldText } from './cells.js';
import type { TextEncoding } from './decode.js';
import type { Delimiter } from './dialect.js';

export interface MeasureColumn {
  readonly index: number;
  readonly year: number;
  /** Import/export files publish each year twice: quantity first, then value in US$. */
  readonly measure: 'quantity' | 'value';
  /** The key the original service used: `1970`, and `1970.1` for the second column of a year (pandas' rule). */
  readonly legacyKey: string;
}

/** A published file, its structure recognised and checked; cells still as published. */
export interface PublishedTable {
  readonly file: string;
  readonly encoding: TextEncoding;
  readonly delimiter: Delimiter;
  /** Header names as published (BOM removed). */
  readonly header: readonly string[];
  readonly idIndex: number;
  readonly controlIndex: number | null;
  /** produto / cultivar, or the country on import/export files. */
  readonly nameIndex: number;
  readonly measures: readonly MeasureColumn[];
  /** Data rows, each exactly `header.length` cells. */
  readonly rows: readonly (readonly string[])[];
}

const TRADE_FAMILIES: ReadonlySet<DatasetFamily> = new Set(['importacao', 'exportacao']);
const NAME_HEADERS: Record<'trade' | 'table', ReadonlySet<string>> = {
  trade: new Set(['pais', 'country']),
  table: new Set(['produto', 'cultivar']),
};
const YEAR_HEADER = /^(\d{4})(?:\.\d+)?$/;

interface Source {
  readonly file: string;
  readonly family: DatasetFamily;
  readonly text: string;
  readonly encoding: TextEncoding;
  readonly delimiter: Delimiter;
}

/** Parses and checks the structure of a file; throws MalformedUpstreamFile naming what is wrong. */
export function readPublishedTable(source: Source): PublishedTable {
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
  const [rawHeader, ...body] = records;
  if (!rawHeader) return fail('no header line');

  // A trailing delimiter yields an empty last header name; it carries no data and is ignored.
  let width = rawHeader.length;
  while (width > 0 && rawHeader[width - 1]?.trim() === '') width--;
  const header = rawHeader.slice(0, width);

  const trade = TRADE_FAMILIES.has(family);
  const nameHeaders = NAME_HEADERS[trade ? 'trade' : 'table'];
  let idIndex = -1;
  let controlIndex = -1;
  let nameIndex = -1;
  const measures: MeasureColumn[] = [];
  const seenYears = new Map<number, number>();
  for (const [index, name] of header.entries()) {
    const key = foldText(name);
    const claim = (current: number, role: string): number =>
      current === -1 ? index : fail(`header has two ${role} columns ('${name}')`);
    if (key === 'id') idIndex = claim(idIndex, 'id');
    else if (key === 'control' && !trade) controlIndex = claim(controlIndex, 'control');
    else if (nameHeaders.has(key)) nameIndex = claim(nameIndex, 'name');
    else {
      const match = YEAR_HEADER.exec(key);
      if (!match) fail(`unexpected column '${name}' in the header`);
      const year = Number(match?.[1]);
      const seen = seenYears.get(year) ?? 0;
      if (seen >= (trade ? 2 : 1)) fail(`year ${year} appears ${seen + 1} times in the header`);
      seenYears.set(year, seen + 1);
      measures.push({
        index,
        year,
        measure: seen === 0 ? 'quantity' : 'value',
        legacyKey: seen === 0 ? String(year) : `${year}.${seen}`,
      });
    }
  }
  if (idIndex === -1) fail('header has no id column');
  if (nameIndex === -1) fail(`header has no ${[...nameHeaders].join('/')} column`);
  if (measures.length === 0) fail('header has no year columns');
  if (trade) {
    for (const [year, count] of seenYears) if (count !== 2) fail(`year ${year} lacks its value (US$) column`);
  }
  if (body.length === 0) fail('no data rows');

  const rows = body.map((record, i) => {
    if (record.length < width) {
      fail(`line ${i + 2} has ${record.length} of ${width} fields (ragged or truncated row)`);
    }
    if (record.length > width) {
      if (record.slice(width).some((cell) => cell.trim() !== '')) {
        fail(`line ${i + 2} has ${record.length} fields, the header ${width}`);
      }
      return record.slice(0, width);
    }
    return record;
  });

  return {
    file,
    encoding: source.encoding,
    delimiter,
    header,
    idIndex,
    controlIndex: controlIndex === -1 ? null : controlIndex,
    nameIndex,
    measures,
    rows,
  };
}
