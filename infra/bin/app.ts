/**
 * `cdk synth` / `pnpm synth`: bundles both functions with esbuild (scripts/bundle.ts), then synthesizes the stack
 * into cdk.out. Offline: no Docker, no credentials, no lookups.
 */

import { bundleFunctions, DEFAULT_BUILD_DIR } from '../scripts/bundle.js';
import { createApp } from '../src/app.js';
import { SettingsError } from '../src/settings.js';

await bundleFunctions(DEFAULT_BUILD_DIR);
try {
  createApp(DEFAULT_BUILD_DIR).app.synth();
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
