import { z } from 'zod';
import { ANOMALY_KINDS, MISMATCH_KINDS } from './quality.js';

/*
 * The schemas of the quality checks (the API's OpenAPI document and its tests, the ingester's checks table): apart
 * from the checks themselves, so that code running the checks alone (the API's reader worker) loads no zod.
 */

export const TotalsMismatchSchema = z
  .object({
    category: z.string().describe("The category: its total row's name."),
    year: z.number().int(),
    total: z
      .number()
      .nullable()
      .describe('The category total as published; null when a marker or an empty cell stands in its place.'),
    items_sum: z
      .number()
      .nullable()
      .describe(
        "Sum of the numbers published for the category's items (markers and empty cells add nothing); null when " +
          'it is beyond the largest finite double (about 1.8 × 10³⁰⁸): no sum can be given.',
      ),
    difference: z
      .number()
      .nullable()
      .describe(
        'total − items_sum (to the published decimals); null when the total or items_sum has no number, or the ' +
          'difference is beyond the largest finite double.',
      ),
    items: z.number().int().nonnegative().describe('Item rows of the category in that year.'),
    items_with_markers: z
      .number()
      .int()
      .nonnegative()
      .describe('Items without a number that year: a marker (nd, *, …) or an empty cell.'),
    kind: z
      .enum(MISMATCH_KINDS)
      .describe(
        'incomplete: the total or an item has no number, or the sum or difference is beyond the largest finite ' +
          'double (items_sum or difference null while the total is a number). Otherwise, the total differs from items_sum: rounding ' +
          'when |difference| ≤ 0.5 × (items + 1), as if each published number had been rounded to a unit; ' +
          'discrepancy beyond that.',
      ),
  })
  .strict()
  .describe('A category-year whose total is not the sum of its items (equal totals are not listed).');
export type TotalsMismatch = z.infer<typeof TotalsMismatchSchema>;

export const MarkerOnlyYearSchema = z
  .object({
    year: z.number().int(),
    markers: z
      .array(z.string())
      .describe('The markers published that year, sorted (none when every cell is empty).'),
  })
  .strict()
  .describe('A year in which no row has a number: every quantity and value is a marker or empty.');
export type MarkerOnlyYear = z.infer<typeof MarkerOnlyYearSchema>;

export const AnomalySchema = z
  .object({
    kind: z
      .enum(ANOMALY_KINDS)
      .describe(
        'negative: a quantity or value below zero. non_integer: a quantity with decimals, where litres and ' +
          'kilograms are published as whole numbers (a few files do publish decimals). year_absent: no column ' +
          "labelled with a year between the header's first and last; year_duplicated: a year labelling more " +
          'than one column (year columns are read by position; the notes say how each was read).',
      ),
    year: z.number().int(),
    category: z.string().nullable(),
    item: z.string().nullable(),
    country: z.string().nullable(),
    measure: z.enum(['quantity', 'value_usd']).nullable().describe('The measure concerned; null for a year.'),
    value: z.number().nullable().describe('The published value; null for a year.'),
  })
  .strict()
  .describe('Something that looks wrong in the published file, reported as published (nothing is rejected).');
export type Anomaly = z.infer<typeof AnomalySchema>;

export const RowsByYearSchema = z
  .object({
    year: z.number().int(),
    rows: z.number().int().nonnegative().describe('Tidy rows of that year (one per published row).'),
    quantity_markers: z.number().int().nonnegative().describe('Rows whose quantity is a marker.'),
    quantity_empty: z.number().int().nonnegative().describe('Rows whose quantity cell is empty.'),
  })
  .strict();
export type RowsByYear = z.infer<typeof RowsByYearSchema>;

export const QualitySummarySchema = z
  .object({
    discrepancy: z.number().int().nonnegative(),
    rounding: z.number().int().nonnegative(),
    incomplete: z.number().int().nonnegative(),
    marker_only_years: z.number().int().nonnegative(),
    negative: z.number().int().nonnegative(),
    non_integer: z.number().int().nonnegative(),
    year_absent: z.number().int().nonnegative(),
    year_duplicated: z.number().int().nonnegative(),
  })
  .strict()
  .describe('How many of each kind: totals mismatches, marker-only years and anomalies.');
export type QualitySummary = z.infer<typeof QualitySummarySchema>;

export const QualityChecksSchema = z
  .object({
    totals_mismatches: z.array(TotalsMismatchSchema).describe('In published order: category, then year.'),
    marker_only_years: z.array(MarkerOnlyYearSchema),
    anomalies: z.array(AnomalySchema).describe('Years first, then rows in published order.'),
    rows_by_year: z.array(RowsByYearSchema),
    summary: QualitySummarySchema,
  })
  .strict();
export type QualityChecks = z.infer<typeof QualityChecksSchema>;
