import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadSettings } from './settings.js';
import { VitibrasilStack } from './stack.js';

const STACK_NAME = 'Vitibrasil';

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
