import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { removeSyntheses, synthesize } from '../local/synth.js';

afterAll(removeSyntheses);

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default stack', {}],
    [
      'with API keys and an alarm e-mail',
      { apiKeysParameter: '/vitibrasil/api-keys', alarmEmail: 'ops@example.com' },
    ],
  ])('finds nothing that is not acknowledged in code, in %s', (_name, context) => {
    const { app, stack } = synthesize(context);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
      ),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('does report what is not acknowledged (the check is live)', () => {
    const { app, stack } = synthesize();
    new Bucket(stack, 'Unguarded');
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.success).toBe(false);
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
