// Registered by vitest.config.ts (`--import`) in each test process. Node passes the flag on to worker threads,
// so a worker started from the TypeScript sources (reader/worker/read-worker.ts) gets these hooks too.
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
