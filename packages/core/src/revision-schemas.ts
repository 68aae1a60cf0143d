import { z } from 'zod';
import { DATASET_IDS } from './catalog.js';
import { CHANGE_KINDS } from './revisions.js';

/*
 * The documented shape of a revision and of the change counts: apart from the comparison (revisions.ts), so that
 * code which only compares (the API's reader worker) does not load zod.
 */

export const RevisionSchema = z
  .object({
    dataset: z.enum(DATASET_IDS),
    category: z.string().nullable(),
    item: z.string().nullable(),
    country: z.string().nullable(),
    year: z.number().int(),
    change: z
      .enum(CHANGE_KINDS)
      .describe(
        'added: the key is new; removed: the key is gone; revised: same key (dataset, category, item, country, ' +
          'year), different quantity, value or marker.',
      ),
    old_quantity: z
      .number()
      .nullable()
      .describe('Before (null when added, or when no number was published).'),
    new_quantity: z
      .number()
      .nullable()
      .describe('After (null when removed, or when no number is published).'),
    old_value_usd: z.number().nullable(),
    new_value_usd: z.number().nullable(),
    old_flag: z.string().nullable().describe('Marker published instead of the quantity, before.'),
    new_flag: z.string().nullable().describe('Marker published instead of the quantity, after.'),
    old_value_flag: z.string().nullable().describe('Marker published instead of the value, before.'),
    new_value_flag: z.string().nullable().describe('Marker published instead of the value, after.'),
  })
  .strict()
  .describe('One row added, removed or revised between two versions, with its values before and after.');
export type Revision = z.infer<typeof RevisionSchema>;

export const ChangeCountsSchema = z
  .object({
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    revised: z.number().int().nonnegative(),
  })
  .strict();
export type ChangeCounts = z.infer<typeof ChangeCountsSchema>;
