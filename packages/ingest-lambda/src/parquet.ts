/**
 * The only module that knows the Parquet writer (hyparquet-writer): swap the writer here and nowhere else.
 * The lake's three tables (curated/, revisions/, quality/) each take their columns from a zod schema of core.
 */
import {
  type Revision,
  RevisionSchema,
  type TidyRow,
  TidyRowSchema,
  type TotalsMismatch,
  TotalsMismatchSchema,
} from '@vitibrasil/core';
import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { z } from 'zod';

/** Bumped whenever a file schema changes; recorded in the manifest and in the file's key-value metadata. */
export const PARQUET_SCHEMA_VERSION = 1;

/**
 * Rows per row group. The writer's working memory (a group's columns, levels and pages) follows the group, not
 * the file: the largest datasets (7,755 rows today) are written in two groups, and a dataset twice as long takes
 * no more memory to encode (a 128 MB function; README, Performance).
 */
export const ROW_GROUP_ROWS = 4_096;

/** How a column is stored; the CDK stack maps each kind to its Glue type (a new kind fails its build). */
export type ColumnKind = 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP_MILLIS';

export interface ParquetColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

export interface RunStamp {
  readonly processedAt: Date;
  readonly runId: string;
}

/**
 * Physical type per field. Typed over the schema's keys, so a new field in core fails the build here. `dataset` is
 * a partition folder, so not a column in the files (Athena rejects a column that is also a partition key).
 */
type ColumnKinds<Row> = { readonly [K in Exclude<keyof Row, 'dataset'>]: ColumnKind };

interface ParquetTable<Row> {
  /** The file's columns, in order: the schema's fields (less `dataset`), then the run stamp. */
  readonly columns: readonly ParquetColumn[];
  encode(rows: readonly Row[], stamp: RunStamp): Uint8Array;
}

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

function defineTable<Row extends object>(
  shape: { readonly [K in keyof Row]: z.ZodType },
  kinds: ColumnKinds<Row>,
): ParquetTable<Row> {
  const rowColumns = (Object.keys(shape) as (keyof Row & string)[])
    .filter((name): name is Exclude<keyof Row, 'dataset'> & string => name !== 'dataset')
    .map((name) => ({ name, kind: kinds[name], nullable: shape[name].safeParse(null).success }));
  const columns: readonly ParquetColumn[] = [
    ...rowColumns,
    { name: 'processed_at', kind: 'TIMESTAMP_MILLIS', nullable: false },
    { name: 'run_id', kind: 'STRING', nullable: false },
  ];
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: columns.length },
    ...columns.map(schemaElement),
  ];
  return {
    columns,
    encode(rows, stamp) {
      const writer = new ByteWriter();
      const file = new ParquetWriter({
        writer,
        schema,
        codec: 'SNAPPY',
        kvMetadata: [{ key: 'vitibrasil.schema_version', value: String(PARQUET_SCHEMA_VERSION) }],
        createdBy: 'vitibrasil-ingest',
      });
      // One group's columns at a time: they are garbage once the group is written.
      for (let start = 0; start < rows.length; start += ROW_GROUP_ROWS) {
        const group = rows.slice(start, start + ROW_GROUP_ROWS);
        file.write({
          columnData: [
            ...rowColumns.map(({ name }) => ({ name, data: group.map((row) => row[name]) })),
            { name: 'processed_at', data: new Array<Date>(group.length).fill(stamp.processedAt) },
            { name: 'run_id', data: new Array<string>(group.length).fill(stamp.runId) },
          ],
          rowGroupSize: ROW_GROUP_ROWS,
        });
      }
      file.finish();
      return new Uint8Array(writer.getBuffer());
    },
  };
}

const curated = defineTable<TidyRow>(TidyRowSchema.shape, {
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
});

/** A revision as the lake stores it: with the partition it was compared against. */
export const LakeRevisionSchema = RevisionSchema.extend({
  previous_processing_date: z
    .string()
    .describe('The partition (YYYY-MM-DD) the rows were compared with: the one before this one.'),
});
export type LakeRevision = z.infer<typeof LakeRevisionSchema>;

const revisions = defineTable<LakeRevision>(LakeRevisionSchema.shape, {
  category: 'STRING',
  item: 'STRING',
  country: 'STRING',
  year: 'INT32',
  change: 'STRING',
  old_quantity: 'DOUBLE',
  new_quantity: 'DOUBLE',
  old_value_usd: 'DOUBLE',
  new_value_usd: 'DOUBLE',
  old_flag: 'STRING',
  new_flag: 'STRING',
  old_value_flag: 'STRING',
  new_value_flag: 'STRING',
  previous_processing_date: 'STRING',
});

const quality = defineTable<TotalsMismatch>(TotalsMismatchSchema.shape, {
  category: 'STRING',
  year: 'INT32',
  total: 'DOUBLE',
  items_sum: 'DOUBLE',
  difference: 'DOUBLE',
  items: 'INT32',
  items_with_markers: 'INT32',
  kind: 'STRING',
});

/** curated/: the tidy rows. */
export const PARQUET_COLUMNS = curated.columns;
export const encodeParquet = (rows: readonly TidyRow[], stamp: RunStamp): Uint8Array =>
  curated.encode(rows, stamp);

/** revisions/: rows added, removed and revised since the dataset's previous partition. */
export const REVISIONS_PARQUET_COLUMNS = revisions.columns;
export function encodeRevisions(
  changes: readonly Revision[],
  previousProcessingDate: string,
  stamp: RunStamp,
): Uint8Array {
  return revisions.encode(
    changes.map((change) => ({ ...change, previous_processing_date: previousProcessingDate })),
    stamp,
  );
}

/** quality/: category totals that disagree with their items (the API's quality report, totals_mismatches). */
export const QUALITY_PARQUET_COLUMNS = quality.columns;
export const encodeQuality = (mismatches: readonly TotalsMismatch[], stamp: RunStamp): Uint8Array =>
  quality.encode(mismatches, stamp);
