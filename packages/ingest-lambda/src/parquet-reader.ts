/**
 * The only module that knows the Parquet reader (hyparquet, the writer's own reader): reads a curated file of an
 * earlier run back, to compare it with the rows being written.
 */
import type { ComparedRow, DatasetId } from '@vitibrasil/core';
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

/** What a comparison reads: the key and the values, nothing else (less memory on a 128 MB function). */
const COMPARED: ReadonlySet<string> = new Set<keyof ComparedRow>([
  'category',
  'item',
  'country',
  'year',
  'quantity',
  'quantity_flag',
  'value_usd',
  'value_flag',
]);
const COLUMNS = PARQUET_COLUMNS.filter((c) => COMPARED.has(c.name));

/**
 * Reads the keys and values of a curated/ file's rows of `dataset`. The file's schema is checked against the
 * columns this version writes (name, physical type, nullability): a typed Parquet file that passes gives values of
 * the types the rows need, with no per-row validation. Throws IngestError('LAKE_READ') otherwise.
 */
export async function readComparedRows(dataset: DatasetId, bytes: Uint8Array): Promise<ComparedRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new IngestError('LAKE_READ', `not a Parquet file: ${(error as Error).message}`, { cause: error });
  }
  const elements = new Map(metadata.schema.slice(1).map((element) => [element.name, element]));
  for (const column of COLUMNS) {
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
  const records = await parquetReadObjects({ file, columns: COLUMNS.map((c) => c.name) });
  for (const record of records) record.dataset = dataset; // in place: no second object per row
  return records as ComparedRow[];
}
