import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real upstream snapshot and the original service's answers, beside the repository (never copied into it). */
export const SNAPSHOT_DIR = fileURLToPath(new URL('../../../../shared/vitibrasil/2025-06/', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(
  new URL('../../../../shared/legacy-golden/2025-06/', import.meta.url),
);

export const hasSnapshot = existsSync(SNAPSHOT_DIR) && existsSync(GOLDEN_DIR);

// In CI the real-data tests must run: a missing ../shared is a failure there, not a skip.
if (!hasSnapshot && process.env.CI === 'true') {
  throw new Error(`CI=true but the real-data snapshot is missing at ${SNAPSHOT_DIR} / ${GOLDEN_DIR}`);
}
