/**
 * The only module that knows the Parquet reader (hyparquet, the writer's own reader): reads a curated file of an
 * earlier run back into tidy rows, to compare it with the rows being written.
 */
import type { DatasetId, TidyRow } from '@vitibrasil/core';
import { type FileMetaData, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { IngestError } from './errors.js';
import { PARQUET_COLUMNS } from './parquet.js';

const PHYSICAL_TYPE = {
  STRING: 'BYTE_ARRAY',
  INT32: 'INT32',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP_MILLIS: 'INT64',
} as const;

/** The row columns (the stamp is not needed to compare rows). */
const ROW_COLUMNS = PARQUET_COLUMNS.filter((c) => c.name !== 'processed_at' && c.name !== 'run_id');

/**
 * Reads a curated/ file into tidy rows of `dataset`. The file's schema is checked against the columns this
 * version writes (name, physical type, nullability): a typed Parquet file that passes gives values of the types
 * the rows need, with no per-row validation. Throws IngestError('LAKE_READ') otherwise.
 */
export async function readCuratedRows(dataset: DatasetId, bytes: Uint8Array): Promise<TidyRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new IngestError('LAKE_READ', `not a Parquet file: ${(error as Error).message}`, { cause: error });
  }
  const elements = new Map(metadata.schema.slice(1).map((element) => [element.name, element]));
  for (const column of ROW_COLUMNS) {
    const element = elements.get(column.name);
    const repetition = column.nullable ? 'OPTIONAL' : 'REQUIRED';
    if (element?.type !== PHYSICAL_TYPE[column.kind] || element.repetition_type !== repetition) {
      throw new IngestError(
        'LAKE_READ',
        `column ${column.name} is ${element ? `${element.repetition_type} ${element.type}` : 'missing'}, ` +
          `expected ${repetition} ${PHYSICAL_TYPE[column.kind]}`,
      );
    }
  }
  const records = await parquetReadObjects({ file, columns: ROW_COLUMNS.map((c) => c.name) });
  return records.map((record) => ({ dataset, ...record }) as TidyRow);
}
