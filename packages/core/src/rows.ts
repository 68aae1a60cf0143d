import { z } from 'zod';
import { DATASET_IDS } from './catalog.js';

/**
 * One tidy observation: a dataset, a row of the published table and one year.
 * This schema is the single source for the TypeScript type, the OpenAPI document and the Parquet columns.
 */
export const TidyRowSchema = z
  .object({
    dataset: z.enum(DATASET_IDS).describe('Dataset id (see the catalog).'),
    category: z
      .string()
      .nullable()
      .describe('Name of the category total row this row belongs to (its own name on a total row).'),
    item: z
      .string()
      .nullable()
      .describe('Product or cultivar; null on total rows and on import/export rows.'),
    country: z.string().nullable().describe('Partner country (import/export datasets only).'),
    year: z.number().int().min(1900).max(2200).describe('Year of the observation.'),
    quantity: z.number().nullable().describe('Litres or kilograms (see unit); null when not published.'),
    quantity_flag: z
      .string()
      .nullable()
      .describe(
        'Marker or other text published instead of a quantity (nd, *, +, -, a number too large for a double, ' +
          '...), as published; null when a number was published.',
      ),
    value_usd: z.number().nullable().describe('Value in US$ (import/export datasets only).'),
    value_flag: z.string().nullable().describe('Marker published instead of a value.'),
    unit: z.enum(['L', 'kg']).describe('Unit of quantity: litres or kilograms.'),
    is_total: z.boolean().describe('True on category total rows: never add a total to its items.'),
  })
  .strict()
  .describe('One observation: a row of the published table (a category total or an item) and one year.');

export type TidyRow = z.infer<typeof TidyRowSchema>;

/** Column order for CSV output and columnar storage. */
export const TIDY_COLUMNS = Object.keys(TidyRowSchema.shape) as (keyof TidyRow)[];
