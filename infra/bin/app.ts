/**
 * The app `cdk.json` runs (`npx cdk synth`, `cdk deploy`) and `pnpm synth` runs directly: bundles both functions
 * with esbuild (scripts/bundle.ts), then synthesizes the stack into infra/cdk.out. Under the CDK CLI the context
 * and the output folder come from the CLI; without it, from cdk.json and infra/cdk.out, with no credential,
 * region or network lookup at all (the CLI looks up a default account even to synthesize).
 */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { bundleFunctions, DEFAULT_BUILD_DIR } from '../scripts/bundle.js';
import { cdkJsonContext, createApp } from '../src/app.js';
import { SettingsError } from '../src/settings.js';

const underCli = process.env.CDK_OUTDIR !== undefined;

await bundleFunctions(DEFAULT_BUILD_DIR);
try {
  const app = underCli
    ? new App()
    : new App({ outdir: fileURLToPath(new URL('../cdk.out', import.meta.url)), context: cdkJsonContext() });
  createApp(DEFAULT_BUILD_DIR, app).app.synth();
  if (!underCli) console.log(`synthesized into ${app.outdir}`);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
