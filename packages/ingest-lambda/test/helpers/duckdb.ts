import { DuckDBInstance } from '@duckdb/node-api';

export interface LakeRow {
  readonly [column: string]: unknown;
}

/**
 * Runs SQL against an in-memory DuckDB and returns plain JS rows. `{curated}` in the SQL is replaced by
 * `read_parquet('<root>/curated/**\/*.parquet', hive_partitioning = true, ...)` with processing_date kept as text.
 */
export async function queryLake(root: string, sql: string): Promise<LakeRow[]> {
  const glob = `${root.replaceAll("'", "''")}/curated/**/*.parquet`;
  const source =
    `read_parquet('${glob}', hive_partitioning = true, file_row_number = true, ` +
    `hive_types = {'dataset': VARCHAR, 'processing_date': VARCHAR})`;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql.replaceAll('{curated}', source));
    return reader.getRowObjectsJS() as LakeRow[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every row of a dataset in the lake, in file order, as TidyRow-shaped objects plus the stamp columns. */
export async function datasetRows(root: string, dataset: string, processingDate: string): Promise<LakeRow[]> {
  return queryLake(
    root,
    `SELECT * EXCLUDE (file_row_number) FROM {curated} WHERE dataset = '${dataset}' AND processing_date = '${processingDate}' ORDER BY file_row_number`,
  );
}
