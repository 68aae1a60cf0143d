/**
 * The only module that knows the Parquet writer (hyparquet-writer): swap the writer here and nowhere else.
 */
import { TIDY_COLUMNS, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';

/** Bumped whenever the file schema changes; recorded in the manifest and in the file's key-value metadata. */
export const PARQUET_SCHEMA_VERSION = 1;

/** Tidy row fields stored in the file: `dataset` is a partition folder, so not a column (Athena forbids both). */
type RowColumn = Exclude<keyof TidyRow, 'dataset'>;
/** How a column is stored; the CDK stack maps each kind to its Glue type (a new kind fails its build). */
export type ColumnKind = 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP_MILLIS';

/** Physical type per row field. Typed over the schema's keys: a new field in core fails the build here. */
const ROW_COLUMN_KINDS: { readonly [K in RowColumn]: ColumnKind } = {
  category: 'STRING',
  item: 'STRING',
  country: 'STRING',
  year: 'INT32',
  quantity: 'DOUBLE',
  quantity_flag: 'STRING',
  value_usd: 'DOUBLE',
  value_flag: 'STRING',
  unit: 'STRING',
  is_total: 'BOOLEAN',
};

export interface ParquetColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

/** The file's columns, in order: the tidy row schema's fields (less `dataset`), then the run stamp. */
export const PARQUET_COLUMNS: readonly ParquetColumn[] = [
  ...TIDY_COLUMNS.filter((name): name is RowColumn => name !== 'dataset').map((name) => ({
    name,
    kind: ROW_COLUMN_KINDS[name],
    nullable: TidyRowSchema.shape[name].safeParse(null).success,
  })),
  { name: 'processed_at', kind: 'TIMESTAMP_MILLIS', nullable: false },
  { name: 'run_id', kind: 'STRING', nullable: false },
];

function schemaElement({ name, kind, nullable }: ParquetColumn): SchemaElement {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (kind) {
    case 'STRING':
      return {
        name,
        repetition_type,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
    case 'TIMESTAMP_MILLIS':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
    default:
      return { name, repetition_type, type: kind };
  }
}

const SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: PARQUET_COLUMNS.length },
  ...PARQUET_COLUMNS.map(schemaElement),
];

export interface RunStamp {
  readonly processedAt: Date;
  readonly runId: string;
}

/** Encodes one dataset's rows as a Snappy-compressed Parquet file, stamped with the run. */
export function encodeParquet(rows: readonly TidyRow[], stamp: RunStamp): Uint8Array {
  const rowColumns = PARQUET_COLUMNS.filter(
    (c): c is ParquetColumn & { name: RowColumn } => c.name in ROW_COLUMN_KINDS,
  );
  const data = rowColumns.map(({ name }) => ({ name, values: new Array<unknown>(rows.length) }));
  rows.forEach((row, i) => {
    for (const column of data) column.values[i] = row[column.name];
  });
  const columnData = [
    ...data.map(({ name, values }) => ({ name, data: values })),
    { name: 'processed_at', data: new Array<Date>(rows.length).fill(stamp.processedAt) },
    { name: 'run_id', data: new Array<string>(rows.length).fill(stamp.runId) },
  ];
  const buffer = parquetWriteBuffer({
    columnData,
    schema: SCHEMA,
    codec: 'SNAPPY',
    rowGroupSize: 1_000_000,
    kvMetadata: [{ key: 'vitibrasil.schema_version', value: String(PARQUET_SCHEMA_VERSION) }],
    createdBy: 'vitibrasil-ingest',
  });
  return new Uint8Array(buffer);
}
