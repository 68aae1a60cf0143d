/**
 * The only module that knows the Parquet reader (hyparquet, the writer's own reader): reads a curated file of an
 * earlier run back, to compare it with the rows being written.
 */
import type { ComparedRow, DatasetId, RowsByIndex } from '@vitibrasil/core';
import { type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import { IngestError } from './errors.js';
import { PARQUET_COLUMNS } from './parquet.js';

const PHYSICAL_TYPE = {
  STRING: 'BYTE_ARRAY',
  INT32: 'INT32',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP_MILLIS: 'INT64',
} as const;

type Column = Exclude<keyof ComparedRow, 'dataset'>;

/** What a comparison reads: the key and the values, nothing else. */
const COMPARED: readonly Column[] = [
  'category',
  'item',
  'country',
  'year',
  'quantity',
  'quantity_flag',
  'value_usd',
  'value_flag',
];
const COLUMNS = PARQUET_COLUMNS.filter((c) => (COMPARED as readonly string[]).includes(c.name));

/**
 * A file's rows kept as its columns, one array each, and made into a row only when asked for: on a 128 MB
 * function, a dataset of 7,755 rows read back costs eight arrays, not 7,755 long-lived objects.
 */
class ColumnarRows implements RowsByIndex {
  constructor(
    private readonly dataset: DatasetId,
    readonly length: number,
    /** Typed by the file's schema, checked before reading: strings or null, numbers or null, years. */
    private readonly columns: Readonly<Record<Column, readonly unknown[]>>,
  ) {}

  at(index: number): ComparedRow | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const text = (column: Column) => (this.columns[column][index] ?? null) as string | null;
    const number = (column: Column) => (this.columns[column][index] ?? null) as number | null;
    return {
      dataset: this.dataset,
      category: text('category'),
      item: text('item'),
      country: text('country'),
      year: this.columns.year[index] as number,
      quantity: number('quantity'),
      quantity_flag: text('quantity_flag'),
      value_usd: number('value_usd'),
      value_flag: text('value_flag'),
    };
  }
}

/**
 * Reads the keys and values of a curated/ file's rows of `dataset`. The file's schema is checked against the
 * columns this version writes (name, physical type, nullability): a typed Parquet file that passes gives values of
 * the types the rows need, with no per-row validation. Throws IngestError('LAKE_READ') otherwise.
 */
export async function readComparedRows(dataset: DatasetId, bytes: Uint8Array): Promise<RowsByIndex> {
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
  const length = Number(metadata.num_rows);
  const columns = Object.fromEntries(COMPARED.map((name) => [name, new Array<unknown>(length)])) as Record<
    Column,
    unknown[]
  >;
  // Column chunks as decoded, copied into place; without onComplete, hyparquet builds no row objects.
  await parquetRead({
    file,
    metadata,
    columns: [...COMPARED],
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      if (!(COMPARED as readonly string[]).includes(columnName)) return;
      const target = columns[columnName as Column];
      for (let i = rowStart; i < rowEnd; i++) target[i] = columnData[i - rowStart];
    },
  });
  return new ColumnarRows(dataset, length, columns);
}
