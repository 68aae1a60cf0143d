/**
 * What the bundler (scripts/bundle.ts), the stack and the local Lambda host (scripts/local-lambda.ts) agree on.
 * No CDK import: the bundler and the host load this too.
 */

/** Where Lambda extracts a function's code; its working folder. */
export const TASK_ROOT = '/var/task';

/** The handler setting of every bundle: `index.mjs`, export `handler`. */
export const HANDLER = 'index.handler';

/** Where the bundled snapshot sits inside the API's bundle, relative to the task root. */
export const BUNDLED_SNAPSHOT_PATH = 'data/vitibrasil';
