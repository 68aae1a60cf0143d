import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_IDS, LAKE_QUERIES } from '@vitibrasil/core';
import {
  encodeParquet,
  LAKE_FOLDERS,
  LAMBDA_CONCURRENCY,
  LAMBDA_NODE_OPTIONS,
  parseScheduledInput,
  RUN_FINISHED,
} from '@vitibrasil/ingest-lambda';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuality, encodeRevisions } from '../../packages/ingest-lambda/src/parquet.js';
import { queryLake } from '../../packages/ingest-lambda/test/helpers/duckdb.js';
import { makeRows } from '../../packages/ingest-lambda/test/helpers/fixtures.js';
import { removeSyntheses, resourceOf, resourcesOf, synthesize } from '../local/synth.js';
import { loadSettings, SettingsError } from '../src/settings.js';

let template: Template;
beforeAll(() => {
  template = synthesize().template;
});
afterAll(removeSyntheses);

const ref = (prefix: string, template_ = template, type = 'AWS::S3::Bucket') => ({
  Ref: resourceOf(template_, type, prefix)[0],
});
const arnOf = (prefix: string, type = 'AWS::S3::Bucket') => ({
  'Fn::GetAtt': [resourceOf(template, type, prefix)[0], 'Arn'],
});
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [arnOf('StorageLake'), `/${prefix}*`]] });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** Every statement of the inline policies attached to a role. */
function statementsOf(template_: Template, rolePrefix: string): Statement[] {
  const [roleId] = resourceOf(template_, 'AWS::IAM::Role', rolePrefix);
  return Object.values(resourcesOf(template_, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('lake bucket', () => {
  it('blocks public access, is encrypted, versioned, logged, and retained', () => {
    const [id, lake] = resourceOf(template, 'AWS::S3::Bucket', 'StorageLake');
    expect(lake.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: ref('StorageAccessLogs'), LogFilePrefix: 'lake/' },
    });
    const [logsId, logs] = resourceOf(template, 'AWS::S3::Bucket', 'StorageAccessLogs');
    for (const bucket of [id, logsId]) {
      expect(template.toJSON().Resources[bucket]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    expect(logs.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('denies every request without TLS (and TLS older than 1.2), on both buckets', () => {
    for (const bucket of ['StorageLake', 'StorageAccessLogs']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    }
  });

  it('moves raw copies and run logs to cheaper storage, then expires them; old versions expire', () => {
    const [, lake] = resourceOf(template, 'AWS::S3::Bucket', 'StorageLake');
    const rules = (lake.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const rule = (id: string) => rules.find((r) => r.Id === id);
    expect(rule('raw-copies')).toMatchObject({
      Prefix: LAKE_FOLDERS.raw,
      Status: 'Enabled',
      ExpirationInDays: 730,
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
      ],
    });
    expect(rule('run-logs')).toMatchObject({
      Prefix: LAKE_FOLDERS.logs,
      ExpirationInDays: 365,
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
      ],
    });
    expect(rule('athena-results')).toMatchObject({ Prefix: 'athena-results/', ExpirationInDays: 7 });
    expect(rule('noncurrent-versions')).toMatchObject({
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      ExpiredObjectDeleteMarker: true,
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
    // The curated Parquet never expires: it is the product.
    expect(rules.filter((r) => r.Prefix === LAKE_FOLDERS.curated)).toEqual([]);
  });

  it('takes the retention periods from context, and skips a storage class an object would leave too early', () => {
    const { template: custom } = synthesize({ rawRetentionDays: '45', runLogRetentionDays: '200' });
    const [, lake] = resourceOf(custom, 'AWS::S3::Bucket', 'StorageLake');
    const rules = (lake.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules.find((r) => r.Id === 'raw-copies')).toEqual({
      Id: 'raw-copies',
      Prefix: 'raw/',
      Status: 'Enabled',
      ExpirationInDays: 45,
    });
    expect(rules.find((r) => r.Id === 'run-logs')).toMatchObject({ ExpirationInDays: 200 });
  });
});

describe('ingest function', () => {
  it('runs the bundle on arm64 Node.js 24 with 128 MB, the Node options and concurrency the package exports, and its wiring', () => {
    const [, fn] = resourceOf(template, 'AWS::Lambda::Function', 'IngesterFunction');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      Handler: 'index.handler',
      Timeout: 600,
      Environment: {
        Variables: {
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
          CONCURRENCY: String(LAMBDA_CONCURRENCY),
          API_BASE_URL: {
            'Fn::Join': [
              '',
              [
                {
                  'Fn::GetAtt': [
                    resourceOf(template, 'AWS::ApiGatewayV2::Api', 'ApiHttpApi')[0],
                    'ApiEndpoint',
                  ],
                },
                '/',
              ],
            ],
          },
          LAKE_URI: { 'Fn::Join': ['', ['s3://', ref('StorageLake')]] },
          RAW: 'true',
        },
      },
    });
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).not.toContain('API_KEY');
    expect(Object.keys(variables)).not.toContain('API_KEY_PARAMETER');
  });

  it('retries a failed run twice within 6 hours, then sends it to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref('IngesterFunction', template, 'AWS::Lambda::Function'),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf('IngesterDeadLetters', 'AWS::SQS::Queue') } },
    });
  });

  it('may write only under the lake folders, delete and read only where a run must', () => {
    const statements = statementsOf(template, 'IngesterRole');
    const s3Statements = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      // manifests/latest.json, and each dataset's previous curated partition (to compare with).
      { Effect: 'Allow', Action: 's3:GetObject', Resource: ['curated/', 'manifests/'].map(objectsUnder) },
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: ['curated/', 'logs/', 'manifests/', 'quality/', 'raw/', 'revisions/'].map(objectsUnder),
      },
      {
        Effect: 'Allow',
        Action: 's3:DeleteObject',
        Resource: ['curated/', 'raw/', 'revisions/'].map(objectsUnder),
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arnOf('StorageLake') },
    ]);
    expect(Object.values(LAKE_FOLDERS).sort()).toEqual([
      'curated/',
      'logs/',
      'manifests/',
      'quality/',
      'raw/',
      'revisions/',
    ]);
  });
});

describe('every role', () => {
  it('has no s3:* and no Resource "*" for S3, and no managed policy', () => {
    for (const [id] of Object.entries(resourcesOf(template, 'AWS::IAM::Role'))) {
      for (const statement of statementsOf(template, id)) {
        const s3Actions = actionsOf(statement).filter((a) => a.startsWith('s3:') || a === '*');
        if (s3Actions.length === 0) continue;
        expect(s3Actions).not.toContain('s3:*');
        expect(s3Actions).not.toContain('*');
        expect([statement.Resource].flat()).not.toContain('*');
      }
    }
    for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('schedule', () => {
  const scheduleOf = (template_: Template) =>
    resourceOf(template_, 'AWS::Scheduler::Schedule', 'IngesterSchedule')[1];

  it('runs daily in São Paulo, with the input the handler validates, an explicit retry policy and a DLQ', () => {
    const { Properties } = scheduleOf(template);
    expect(Properties).toMatchObject({
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'America/Sao_Paulo',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arnOf('IngesterFunction', 'AWS::Lambda::Function'),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 6 * 3600 },
        DeadLetterConfig: { Arn: arnOf('IngesterDeadLetters', 'AWS::SQS::Queue') },
      },
    });
    const input = JSON.parse((Properties.Target as { Input: string }).Input) as Record<string, string>;
    expect(input).toEqual({
      time: '<aws.scheduler.scheduled-time>',
      schedule: '<aws.scheduler.schedule-arn>',
      execution: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
    });
    // Rendered as the scheduler renders it, the input is what the handler accepts.
    const rendered = JSON.parse(
      (Properties.Target as { Input: string }).Input.replace(
        '<aws.scheduler.scheduled-time>',
        '2026-01-01T09:00:00Z',
      )
        .replace(
          '<aws.scheduler.schedule-arn>',
          'arn:aws:scheduler:sa-east-1:123456789012:schedule/default/x',
        )
        .replace('<aws.scheduler.execution-id>', 'd32c5kddcf5bb8c3')
        .replace('<aws.scheduler.attempt-number>', '1'),
    );
    expect(parseScheduledInput(rendered)).toMatchObject({ time: '2026-01-01T09:00:00Z', attempt: 1 });
    expect(() => parseScheduledInput(input)).toThrow(/time: expected an ISO 8601 time/);
  });

  it('takes the expression and the time zone from context', () => {
    const { template: custom } = synthesize({
      scheduleExpression: 'cron(30 4 ? * MON-FRI *)',
      scheduleTimeZone: 'UTC',
    });
    expect(scheduleOf(custom).Properties).toMatchObject({
      ScheduleExpression: 'cron(30 4 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it('may only invoke the ingester and send to the dead-letter queue', () => {
    expect(statementsOf(template, 'IngesterSchedulerRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          arnOf('IngesterFunction', 'AWS::Lambda::Function'),
          { 'Fn::Join': ['', [arnOf('IngesterFunction', 'AWS::Lambda::Function'), ':*']] },
        ],
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arnOf('IngesterDeadLetters', 'AWS::SQS::Queue'),
      },
    ]);
  });

  it('keeps the dead letters encrypted, TLS only, for 14 days', () => {
    const [, queue] = resourceOf(template, 'AWS::SQS::Queue', 'IngesterDeadLetters');
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('alarms', () => {
  const topic = () => ({ Ref: resourceOf(template, 'AWS::SNS::Topic', 'Alarms')[0] });

  it('on ingester errors, on messages in the dead-letter queue and on API errors, to the SNS topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        { Name: 'FunctionName', Value: ref('IngesterFunction', template, 'AWS::Lambda::Function') },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [resourceOf(template, 'AWS::SQS::Queue', 'IngesterDeadLetters')[0], 'QueueName'],
          },
        },
      ],
      Threshold: 1,
      AlarmActions: [topic()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref('ApiFunction', template, 'AWS::Lambda::Function') }],
      AlarmActions: [topic()],
    });
    expect(Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm'))).toHaveLength(4);
    template.hasResourceProperties('AWS::SNS::Topic', {});
  });

  it('when no run wrote a dataset for a day, from the ingester’s own "run finished" line', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: ref('IngesterLogs', template, 'AWS::Logs::LogGroup'),
      FilterPattern: `{ $.message = "${RUN_FINISHED}" }`,
      MetricTransformations: [
        {
          MetricNamespace: 'Vitibrasil',
          MetricName: 'DatasetsWritten',
          MetricValue: '$.datasets_written',
          Unit: 'Count',
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DatasetsWritten',
      Namespace: 'Vitibrasil',
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [topic()],
    });
  });

  it('subscribes the alarm e-mail when one is given', () => {
    const { template: custom } = synthesize({ alarmEmail: 'ops@example.com' });
    custom.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(resourcesOf(template, 'AWS::SNS::Subscription')).toEqual({});
  });
});

describe('API function and HTTP API', () => {
  it('runs the API bundle with its cache in S3 and the bundled snapshot in the asset', () => {
    const [, fn] = resourceOf(template, 'AWS::Lambda::Function', 'ApiFunction');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 29,
      Environment: {
        Variables: {
          CACHE_S3_URI: { 'Fn::Join': ['', ['s3://', ref('StorageLake'), '/cache/']] },
          BUNDLED_SNAPSHOT_DIR: '/var/task/data/vitibrasil',
          REQUEST_TIMEOUT_MS: '25000',
        },
      },
    });
    const s3Statements = statementsOf(template, 'ApiRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Resource: objectsUnder('cache/'),
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arnOf('StorageLake') },
    ]);
  });

  it('sits behind an HTTP API: payload 2.0, $default route and stage, access logs, throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: arnOf('ApiFunction', 'AWS::Lambda::Function'),
      TimeoutInMillis: 29_000,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    const [, stage] = resourceOf(template, 'AWS::ApiGatewayV2::Stage', 'ApiDefaultStage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: arnOf('ApiAccessLogs', 'AWS::Logs::LogGroup') },
    });
    const format = JSON.parse((stage.Properties.AccessLogSettings as { Format: string }).Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('takes throttling and memory from context, and refuses a burst below the rate', () => {
    const { template: custom } = synthesize({
      throttleRateLimit: 5,
      throttleBurstLimit: 10,
      apiMemoryMb: '1024',
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 1024 });
    expect(() => synthesize({ throttleRateLimit: 50, throttleBurstLimit: 10 })).toThrow(
      /throttleBurstLimit: must be at least throttleRateLimit/,
    );
  });
});

describe('API keys parameter', () => {
  const parameter = '/vitibrasil/api-keys';
  let custom: Template;
  beforeAll(() => {
    custom = synthesize({ apiKeysParameter: parameter }).template;
  });

  it('is read at run time by both functions, which may read that parameter only', () => {
    const parameterArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':parameter/vitibrasil/api-keys',
        ],
      ],
    };
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ API_KEYS_PARAMETER: parameter }) },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ API_KEY_PARAMETER: parameter }) },
    });
    for (const role of ['ApiRole', 'IngesterRole']) {
      expect(statementsOf(custom, role)).toContainEqual({
        Effect: 'Allow',
        Action: 'ssm:GetParameter',
        Resource: parameterArn,
      });
    }
    // Only the name is in the template: no key, no API_KEYS, no API_KEY.
    const json = JSON.stringify(custom.toJSON());
    expect(json).not.toMatch(/"API_KEYS"|"API_KEY"/);
  });
});

describe('Glue tables and Athena', () => {
  type TableInput = {
    Name: string;
    Parameters: Record<string, unknown>;
    StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location: unknown; SerdeInfo: unknown };
    PartitionKeys: { Name: string; Type: string }[];
  };
  const inputOf = (template_: Template, name: string) =>
    resourceOf(template_, 'AWS::Glue::Table', `Analytics${name[0]?.toUpperCase()}${name.slice(1)}`)[1]
      .Properties.TableInput as TableInput;
  const stamp = { processedAt: new Date('2026-01-01T09:00:00Z'), runId: 'run' };
  /** Each table, its folder and a file its writer produced (no rows needed: the schema is in the footer). */
  const TABLES = [
    {
      name: 'curated',
      folder: LAKE_FOLDERS.curated,
      file: () => encodeParquet(makeRows('producao', 5), stamp),
    },
    {
      name: 'revisions',
      folder: LAKE_FOLDERS.revisions,
      file: () => encodeRevisions([], '2025-12-30', stamp),
    },
    { name: 'quality', folder: LAKE_FOLDERS.quality, file: () => encodeQuality([], stamp) },
  ] as const;

  it.each(TABLES)(
    '$name: projects the 15 catalog ids and the processing dates from the start to NOW, over its Hive folders',
    ({ name, folder }) => {
      const input = inputOf(template, name);
      expect(input.Name).toBe(name);
      expect(input.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.dataset.type': 'enum',
        'projection.dataset.values': DATASET_IDS.join(','),
        'projection.processing_date.type': 'date',
        'projection.processing_date.format': 'yyyy-MM-dd',
        'projection.processing_date.range': '2025-01-01,NOW',
        'projection.processing_date.interval': '1',
        'projection.processing_date.interval.unit': 'DAYS',
        'storage.location.template': {
          'Fn::Join': [
            '',
            [
              's3://',
              ref('StorageLake'),
              `/${folder}dataset=\${dataset}/processing_date=\${processing_date}/`,
            ],
          ],
        },
        has_encrypted_data: 'false',
      });
      expect((input.Parameters['projection.dataset.values'] as string).split(',')).toHaveLength(15);
      expect(input.PartitionKeys.map(({ Name, Type }) => [Name, Type])).toEqual([
        ['dataset', 'string'],
        ['processing_date', 'string'],
      ]);
      expect(input.StorageDescriptor).toMatchObject({
        Location: { 'Fn::Join': ['', ['s3://', ref('StorageLake'), `/${folder}`]] },
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      });
    },
  );

  it('projects from the start date the context gives', () => {
    const { template: later } = synthesize({ projectionStartDate: '2025-06-01' });
    for (const { name } of TABLES) {
      expect(inputOf(later, name).Parameters['projection.processing_date.range']).toBe('2025-06-01,NOW');
    }
  });

  it.each(TABLES)(
    '$name: has the columns of the Parquet files the ingester writes, with the types Athena reads them as',
    async ({ name, file }) => {
      // The writer's schema, read from a real file by a real reader.
      const dir = await mkdtemp(join(tmpdir(), 'glue-columns-'));
      try {
        const path = join(dir, `${name}.parquet`);
        await writeFile(path, file());
        const schema = await queryLake(
          dir,
          `SELECT name, type, logical_type::VARCHAR AS logical FROM parquet_schema('${path}') WHERE name <> 'schema'`,
        );
        // How Athena (Hive) reads each Parquet physical/logical type.
        const hiveType = (physical: unknown, logical: unknown) => {
          const kind = String(logical ?? '');
          if (physical === 'BYTE_ARRAY' && kind.includes('String')) return 'string';
          if (physical === 'INT32' && !kind) return 'int';
          if (physical === 'DOUBLE') return 'double';
          if (physical === 'BOOLEAN') return 'boolean';
          if (physical === 'INT64' && kind.includes('Timestamp')) return 'timestamp';
          throw new Error(`no Hive type for ${String(physical)} ${kind}`);
        };
        const fromFile = schema.map((column) => [column.name, hiveType(column.type, column.logical)]);
        const fromTable = inputOf(template, name).StorageDescriptor.Columns.map((c) => [c.Name, c.Type]);
        expect(fromTable).toEqual(fromFile);
        expect(fromTable.length).toBeGreaterThan(3);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('has an engine 3 workgroup that enforces encrypted, expiring results and a scan cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'vitibrasil',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 * 1024 * 1024,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', ref('StorageLake'), '/athena-results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  it('stores the lake queries of packages/core as named queries over the tables', () => {
    const queries = Object.values(resourcesOf(template, 'AWS::Athena::NamedQuery')).map((q) => q.Properties);
    expect(queries).toHaveLength(LAKE_QUERIES.length);
    for (const query of LAKE_QUERIES) {
      expect(queries).toContainEqual({
        Name: query.title,
        Description: query.description,
        Database: 'vitibrasil',
        WorkGroup: 'vitibrasil',
        QueryString: query.sql('"vitibrasil"."curated"', {
          revisions: '"vitibrasil"."revisions"',
          quality: '"vitibrasil"."quality"',
        }),
      });
    }
    // What the issue asks for is among them.
    expect(LAKE_QUERIES.map((q) => q.id)).toEqual(
      expect.arrayContaining([
        'latest_snapshot_per_dataset',
        'exports_by_country_and_year',
        'production_by_category_latest_year',
      ]),
    );
  });
});

describe('outputs', () => {
  it('name the API URL, the bucket, the Glue database and tables, the workgroup and the alarm topic', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'LakeBucket',
        'GlueDatabase',
        'GlueTables',
        'AthenaWorkGroup',
        'AlarmTopic',
      ]),
    );
    expect(outputs.ApiUrl?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          { 'Fn::GetAtt': [resourceOf(template, 'AWS::ApiGatewayV2::Api', 'ApiHttpApi')[0], 'ApiEndpoint'] },
          '/',
        ],
      ],
    });
    expect(outputs.LakeBucket?.Value).toEqual(ref('StorageLake'));
    expect(outputs.GlueTables?.Value).toBe('curated, revisions, quality');
  });
});

describe('settings', () => {
  it('refuse bad context values, naming each', () => {
    const load = (context: Record<string, unknown>) => () => loadSettings((key) => context[key]);
    expect(load({ scheduleExpression: 'every day' })).toThrow(
      /scheduleExpression: expected cron\(…\) or rate\(…\)/,
    );
    expect(load({ scheduleTimeZone: 'Mars/Olympus' })).toThrow(
      /scheduleTimeZone: expected an IANA time zone/,
    );
    expect(load({ apiKeysParameter: 'no spaces please' })).toThrow(/apiKeysParameter/);
    expect(load({ logRetentionDays: '42' })).toThrow(
      /logRetentionDays: expected a CloudWatch Logs retention/,
    );
    expect(load({ projectionStartDate: '2025-02-30' })).toThrow(/projectionStartDate: expected yyyy-MM-dd/);
    expect(load({ athenaScanCutoffMb: 1 })).toThrow(/athenaScanCutoffMb/);
    expect(load({ scheduleExpression: 'every day' })).toThrow(SettingsError);
    expect(load({ apiKeysParameter: '' })().apiKeysParameter).toBeUndefined();
  });
});
