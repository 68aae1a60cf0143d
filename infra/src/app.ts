import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadSettings } from './settings.js';
import { VitibrasilStack } from './stack.js';

const STACK_NAME = 'Vitibrasil';
const CDK_JSON = new URL('../cdk.json', import.meta.url);

/**
 * The context the CDK CLI gives the app from cdk.json (feature flags and settings), for an app started without
 * the CLI: `pnpm synth` and the tests, which so make no credential or region lookups.
 */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * The CDK app: settings from context, the stack, and cdk-nag's AWS Solutions checks on everything (a finding
 * not acknowledged in code fails the synth). Environment-agnostic: synth needs no account, region or credentials.
 */
export function createApp(buildDir: string, app: App = new App()): { app: App; stack: VitibrasilStack } {
  const settings = loadSettings((key) => app.node.tryGetContext(key));
  const stack = new VitibrasilStack(app, STACK_NAME, {
    settings,
    buildDir,
    description: 'Vitibrasil: API on Lambda, scheduled ingester, Parquet lake, Glue and Athena',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
