import { fileURLToPath } from 'node:url';

/** The bundled snapshot (Embrapa's 2025-06 files, committed) and the original service's answers on them. */
export const SNAPSHOT_DIR = fileURLToPath(new URL('../../../data/vitibrasil/', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('../../../data/legacy-golden/2025-06/', import.meta.url));
