import { readFileSync } from 'node:fs';
import { DATASET_IDS } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import {
  PARQUET_COLUMNS,
  type ParquetColumn,
  QUALITY_PARQUET_COLUMNS,
  REVISIONS_PARQUET_COLUMNS,
} from './parquet.js';

/*
 * The README's Athena DDL is meant to be pasted and run: each statement complete (no "as above"), its columns those
 * the ingester writes, its partition projection the same for the three tables, each with its own location.
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const ATHENA_TYPES: Record<ParquetColumn['kind'], string> = {
  STRING: 'string',
  INT32: 'int',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  TIMESTAMP_MILLIS: 'timestamp',
};

const TABLES = {
  vitibrasil_curated: { folder: 'curated', columns: PARQUET_COLUMNS },
  vitibrasil_revisions: { folder: 'revisions', columns: REVISIONS_PARQUET_COLUMNS },
  vitibrasil_quality: { folder: 'quality', columns: QUALITY_PARQUET_COLUMNS },
} as const;

interface Statement {
  readonly text: string;
  readonly columns: string[][];
  readonly location: string | undefined;
  readonly properties: Map<string, string>;
}

function statements(): Map<string, Statement> {
  const found = new Map<string, Statement>();
  for (const match of readme.matchAll(/CREATE EXTERNAL TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    const [text, name = '', body = ''] = match;
    const [columns = ''] = body.split('\n)\nPARTITIONED BY');
    found.set(name, {
      text,
      columns: columns
        .split(',')
        .map((column) => column.trim().split(/\s+/))
        .filter((parts) => parts.length === 2),
      location: /\nLOCATION '([^']+)'/.exec(body)?.[1],
      properties: new Map(
        [...body.matchAll(/^\s*'([^']+)' = '([^']*)',?$/gm)].map(([, key = '', value = '']) => [key, value]),
      ),
    });
  }
  return found;
}

describe("the README's Athena DDL", () => {
  const found = statements();

  it('has a complete statement per lake table, without elisions', () => {
    expect([...found.keys()].sort()).toEqual(Object.keys(TABLES).sort());
    for (const [name, statement] of found) {
      expect(statement.text, name).not.toMatch(/\/\*|--|…|as above/);
      expect(statement.text, name).toMatch(/\nPARTITIONED BY \(dataset string, processing_date string\)\n/);
      expect(statement.text, name).toMatch(/\nSTORED AS PARQUET\n/);
    }
  });

  it.each(Object.entries(TABLES))('%s: the columns and types the ingester writes', (name, table) => {
    expect(found.get(name)?.columns).toEqual(table.columns.map((c) => [c.name, ATHENA_TYPES[c.kind]]));
  });

  it.each(Object.entries(TABLES))(
    '%s: partition projection over every dataset, in its own folder',
    (name, table) => {
      const statement = found.get(name);
      const location = `s3://my-bucket/vitibrasil/${table.folder}/`;
      expect(statement?.location).toBe(location);
      expect(Object.fromEntries(statement?.properties ?? [])).toEqual({
        'projection.enabled': 'true',
        'projection.dataset.type': 'enum',
        'projection.dataset.values': DATASET_IDS.join(','),
        'projection.processing_date.type': 'date',
        'projection.processing_date.format': 'yyyy-MM-dd',
        'projection.processing_date.range': '2025-01-01,NOW',
        'projection.processing_date.interval': '1',
        'projection.processing_date.interval.unit': 'DAYS',
        'storage.location.template': `${location}dataset=\${dataset}/processing_date=\${processing_date}/`,
      });
    },
  );
});
