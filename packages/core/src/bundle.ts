import { z } from 'zod';
import { DATASET_IDS } from './catalog.js';

/** Name of the manifest inside the bundled snapshot's folder. */
export const BUNDLE_MANIFEST = 'snapshot.json';

/**
 * `snapshot.json`: what the bundled copy of Embrapa's folder holds. The API verifies each file's size and SHA-256
 * against it before serving the file, and `snapshot:update` writes it.
 */
export const BundleManifestSchema = z
  .object({
    release: z.string().min(1).describe('Label of the upstream release, e.g. 2025-06.'),
    retrieved_at: z.iso.datetime().describe('When the files were fetched from the upstream (UTC).'),
    note: z.string().optional().describe('Provenance, in words.'),
    files: z
      .array(
        z
          .object({
            dataset: z.enum(DATASET_IDS),
            file: z.string().regex(/^[A-Za-z0-9]+\.csv$/),
            url: z.url({ protocol: /^https?$/ }),
            bytes: z.number().int().positive(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
          })
          .strict(),
      )
      .refine(
        (files) =>
          files.length === DATASET_IDS.length && new Set(files.map((f) => f.dataset)).size === files.length,
        {
          message: `must list each of the ${DATASET_IDS.length} datasets exactly once`,
        },
      ),
  })
  .strict();

export type BundleManifest = z.infer<typeof BundleManifestSchema>;
