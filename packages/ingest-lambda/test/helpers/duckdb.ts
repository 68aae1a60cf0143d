import { DuckDBInstance } from '@duckdb/node-api';

export interface LakeRow {
  readonly [column: string]: unknown;
}

/** `read_parquet` over one of the lake's tables, Hive partitions typed as text. */
export const lakeTable = (root: string, table: 'curated' | 'revisions' | 'quality'): string =>
  `read_parquet('${root.replaceAll("'", "''")}/${table}/**/*.parquet', hive_partitioning = true, ` +
  `file_row_number = true, hive_types = {'dataset': VARCHAR, 'processing_date': VARCHAR})`;

/**
 * Runs SQL against an in-memory DuckDB and returns plain JS rows. `{curated}`, `{revisions}` and `{quality}` in
 * the SQL are replaced by `read_parquet('<root>/<table>/**\/*.parquet', hive_partitioning = true, ...)` with
 * processing_date kept as text.
 */
export async function queryLake(root: string, sql: string): Promise<LakeRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      sql.replace(/\{(curated|revisions|quality)\}/g, (_, table: 'curated' | 'revisions' | 'quality') =>
        lakeTable(root, table),
      ),
    );
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
