import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Both functions: the bundles target Node 20 syntax and run on the newest Node.js runtime, on Graviton. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * A function's own log group and role, the role allowed to write that log group and nothing else yet: each
 * construct then grants exactly what its function needs.
 */
export function functionIdentity(
  scope: Construct,
  props: { readonly description: string; readonly logRetentionDays: logs.RetentionDays },
): { readonly logGroup: logs.LogGroup; readonly role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  logGroup.grantWrite(role);
  return { logGroup, role };
}
