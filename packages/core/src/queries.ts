/**
 * The lake's SQL, in one place: the demo runs it with DuckDB over the local lake, the CDK app stores it as
 * Athena named queries over the Glue tables. Written in the subset both engines share (no engine-specific
 * functions); `processing_date` compares the same whether a partition is typed DATE or text.
 */

/** The lake's other tables, named as the engine names them (an Athena `"db"."table"`, a DuckDB `read_parquet(…)`). */
export interface LakeTables {
  /** `revisions/`: rows added, removed and revised since the dataset's previous partition. */
  readonly revisions: string;
  /** `quality/`: category totals that disagree with their items. */
  readonly quality: string;
}

export interface LakeQuery {
  /** Stable identifier (named query name, demo label). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Printed by `pnpm demo`. */
  readonly demo: boolean;
  /** The SQL, given the curated table (an Athena `"db"."table"` or a DuckDB `read_parquet(…)`) and the others. */
  readonly sql: (curated: string, tables: LakeTables) => string;
}

/** Latest partition of one dataset: every query reads one snapshot, never several runs at once. */
const latestOf = (curated: string, dataset: string) =>
  `processing_date = (SELECT max(processing_date) FROM ${curated} WHERE dataset = '${dataset}')`;

/**
 * Each dataset's latest curated partition. The revisions/ and quality/ partitions of a run are joined to it, not
 * to their own latest: a run that found nothing writes no rows there, and must not bring back an older run's.
 */
const latestPartitions = (curated: string) =>
  `latest AS (\n  SELECT dataset, max(processing_date) AS processing_date FROM ${curated} GROUP BY dataset\n)`;

export const LAKE_QUERIES: readonly LakeQuery[] = [
  {
    id: 'latest_snapshot_per_dataset',
    title: 'Latest snapshot per dataset',
    description: 'For each dataset, its latest processing date, row count and year range.',
    demo: false,
    sql: (curated) => `WITH latest AS (
  SELECT dataset, max(processing_date) AS processing_date FROM ${curated} GROUP BY dataset
)
SELECT c.dataset, c.processing_date, count(*) AS row_count, min(c.year) AS year_from, max(c.year) AS year_to
FROM ${curated} c
JOIN latest l ON c.dataset = l.dataset AND c.processing_date = l.processing_date
GROUP BY c.dataset, c.processing_date
ORDER BY c.dataset`,
  },
  {
    id: 'top_wine_destinations_latest_year',
    title: 'Top destinations of Brazilian wine, latest year (US$)',
    description:
      'The ten countries that bought the most Brazilian wine by value in the latest published year.',
    demo: true,
    sql: (curated) => `SELECT country, year, quantity AS kg, value_usd AS usd
FROM ${curated}
WHERE dataset = 'exportacao_vinho' AND ${latestOf(curated, 'exportacao_vinho')}
  AND NOT is_total AND value_usd IS NOT NULL
  AND year = (SELECT max(year) FROM ${curated} WHERE dataset = 'exportacao_vinho' AND ${latestOf(curated, 'exportacao_vinho')})
ORDER BY value_usd DESC, country
LIMIT 10`,
  },
  {
    id: 'production_by_category_latest_year',
    title: 'Production by category, latest year (L)',
    description:
      'Litres produced per category in the latest year: the category total rows only, never totals plus items.',
    demo: true,
    sql: (curated) => `SELECT category, year, quantity AS litres, quantity_flag AS flag
FROM ${curated}
WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')} AND is_total
  AND year = (SELECT max(year) FROM ${curated} WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')})
ORDER BY quantity DESC NULLS LAST, category`,
  },
  {
    id: 'production_last_ten_years',
    title: 'Total production, last ten years (L)',
    description:
      'Sum of the category totals per year (each litre counted once), the last ten published years.',
    demo: true,
    sql: (curated) => `SELECT year, sum(quantity) AS litres, count(*) AS categories
FROM ${curated}
WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')} AND is_total
GROUP BY year
ORDER BY year DESC
LIMIT 10`,
  },
  {
    id: 'exports_by_country_and_year',
    title: 'Exports by country and year (kg and US$)',
    description:
      'Every export dataset, per country and year, in kilograms and US$, from the latest snapshots.',
    demo: false,
    sql: (curated) => `WITH latest AS (
  SELECT dataset, max(processing_date) AS processing_date FROM ${curated}
  WHERE dataset LIKE 'exportacao%' GROUP BY dataset
)
SELECT c.dataset, c.country, c.year, c.quantity AS kg, c.value_usd AS usd
FROM ${curated} c
JOIN latest l ON c.dataset = l.dataset AND c.processing_date = l.processing_date
WHERE NOT c.is_total
ORDER BY c.dataset, c.year DESC, c.value_usd DESC NULLS LAST`,
  },
  {
    id: 'latest_revisions',
    title: 'What changed in the last run',
    description:
      "Rows added, removed or revised in each dataset's latest partition since its previous one, with the values " +
      'before and after.',
    demo: false,
    sql: (curated, { revisions }) => `WITH ${latestPartitions(curated)}
SELECT r.dataset, r.previous_processing_date, r.processing_date, r.change, r.category, r.item, r.country, r.year,
  r.old_quantity, r.new_quantity, r.old_value_usd, r.new_value_usd, r.old_flag, r.new_flag,
  r.old_value_flag, r.new_value_flag
FROM ${revisions} r
JOIN latest l ON r.dataset = l.dataset AND r.processing_date = l.processing_date
ORDER BY r.dataset, r.change, r.year, r.category, r.item, r.country`,
  },
  {
    id: 'totals_disagreeing_with_items',
    title: 'Categories whose totals disagree with their items',
    description:
      'Category totals that differ from the sum of their items by more than rounding explains, in the latest ' +
      'partition of each dataset, largest difference first (the quality table also lists rounding and ' +
      'incomplete category-years).',
    demo: false,
    sql: (curated, { quality }) => `WITH ${latestPartitions(curated)}
SELECT q.dataset, q.category, q.year, q.total, q.items_sum, q.difference, q.items
FROM ${quality} q
JOIN latest l ON q.dataset = l.dataset AND q.processing_date = l.processing_date
WHERE q.kind = 'discrepancy'
ORDER BY abs(q.difference) DESC, q.dataset, q.category, q.year`,
  },
];
