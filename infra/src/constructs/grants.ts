import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Key prefixes (each ending with `/`) per kind of object access. */
export interface ObjectGrants {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  readonly delete?: readonly string[];
}

/**
 * Object access under the given prefixes only, as separate statements (`s3:GetObject`, `s3:PutObject`,
 * `s3:DeleteObject` on `arn:…:bucket/prefix/*`), and `s3:ListBucket` on the bucket: key names only, and
 * without it S3 answers a missing object with 403 instead of 404, which the stores read as "no copy yet".
 */
export function grantObjects(role: iam.IRole, bucket: s3.IBucket, grants: ObjectGrants): void {
  const statement = (action: string, prefixes: readonly string[] | undefined) => {
    if (!prefixes?.length) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [action],
        resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  };
  statement('s3:GetObject', grants.read);
  statement('s3:PutObject', grants.write);
  statement('s3:DeleteObject', grants.delete);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
  );
}

/** The ARN of an SSM parameter named `/a/b` in this stack's account and region. */
export function ssmParameterArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.replace(/^\//, ''),
  });
}

/** Lets a function's role read the SSM parameter holding the API keys, and nothing else of SSM. */
export function grantParameterRead(role: iam.IRole, name: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [ssmParameterArn(role, name)] }),
  );
}

/** The logical id of a construct's CloudFormation resource, as cdk-nag names it in a finding. */
export const logicalIdOf = (construct: Construct): string =>
  Stack.of(construct).resolve(
    Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement),
  ) as string;

/**
 * cdk-nag's IAM5 flags every `*` in a resource. These are the ones this stack means: objects under a prefix
 * (keys are dates and run ids, unknown in advance) and a function's log streams (Lambda names them).
 */
export function acknowledgeScopedWildcards(
  role: iam.IRole,
  bucket: s3.IBucket,
  prefixes: readonly string[],
  logGroup: logs.ILogGroup,
): void {
  for (const prefix of new Set(prefixes)) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${prefix}*]`,
      reason: `Objects under ${prefix} only: their keys (datasets, dates, run ids, content hashes) are not known in advance.`,
    });
  }
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(logGroup)}.Arn>:*]`,
    reason:
      "The function's own log group: Lambda creates its log streams under it with names made at run time.",
  });
}
