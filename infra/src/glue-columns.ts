import type { ColumnKind, ParquetColumn } from '@vitibrasil/ingest-lambda';
import { type Column, Schema, type Type } from 'aws-cdk-lib/aws-glue';

/**
 * The Hive type Athena reads each Parquet column kind as. Typed over every kind the writer knows, so a new kind in
 * `packages/ingest-lambda/src/parquet.ts` fails this build instead of drifting.
 */
const GLUE_TYPES: { readonly [K in ColumnKind]: Type } = {
  STRING: Schema.STRING,
  INT32: Schema.INTEGER,
  DOUBLE: Schema.DOUBLE,
  BOOLEAN: Schema.BOOLEAN,
  // INT64 TIMESTAMP(MILLIS, adjusted to UTC): Athena engine 3 reads it as timestamp (UTC).
  TIMESTAMP_MILLIS: Schema.TIMESTAMP,
};

/** A table's columns: the Parquet writer's, in its order, with the matching types. */
export const glueColumns = (columns: readonly ParquetColumn[]): Column[] =>
  columns.map((column) => ({
    name: column.name,
    type: GLUE_TYPES[column.kind],
    comment: column.nullable ? 'nullable' : 'never null',
  }));

/**
 * The partition keys of every lake table, from the Hive folders `dataset=…/processing_date=…`. processing_date is
 * a STRING, not a DATE: see infra/README.md ("processing_date: STRING, not DATE").
 */
export const PARTITION_KEYS: Column[] = [
  { name: 'dataset', type: Schema.STRING, comment: 'catalog id of the dataset' },
  {
    name: 'processing_date',
    type: Schema.STRING,
    comment: 'yyyy-MM-dd, calendar day of the run in São Paulo',
  },
];
