import { join } from 'node:path';
import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { Analytics } from './constructs/analytics.js';
import { ApiService } from './constructs/api-service.js';
import { Ingester } from './constructs/ingester.js';
import { LakeStorage } from './constructs/lake-storage.js';
import type { Settings } from './settings.js';

export interface VitibrasilStackProps extends StackProps {
  readonly settings: Settings;
  /** Where scripts/bundle.ts wrote the bundles (`api/`, `ingest/`). */
  readonly buildDir: string;
}

/** The whole service: lake bucket, API on Lambda behind an HTTP API, scheduled ingester, Glue and Athena, alarms. */
export class VitibrasilStack extends Stack {
  readonly storage: LakeStorage;
  readonly api: ApiService;
  readonly ingester: Ingester;
  readonly analytics: Analytics;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: VitibrasilStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.storage = new LakeStorage(this, 'Storage', settings);
    const bucket = this.storage.bucket;
    this.api = new ApiService(this, 'Api', { ...settings, bundleDir: join(props.buildDir, 'api'), bucket });
    this.ingester = new Ingester(this, 'Ingester', {
      ...settings,
      bundleDir: join(props.buildDir, 'ingest'),
      bucket,
      apiUrl: this.api.url,
    });
    this.analytics = new Analytics(this, 'Analytics', { ...settings, bucket });

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'Vitibrasil alarms', enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry no data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key costs more than the rest of the stack at rest.',
    });
    if (settings.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    for (const alarm of [...this.ingester.alarms, this.api.errorsAlarm]) {
      alarm.addAlarmAction(new SnsAction(this.alarmTopic));
      alarm.addOkAction(new SnsAction(this.alarmTopic));
    }

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.api.url, 'The API (HTTP API, $default stage)');
    output(
      'LakeBucket',
      bucket.bucketName,
      'The lake: curated/, raw/, manifests/, logs/; the API cache under cache/',
    );
    output('GlueDatabase', this.analytics.database.databaseName, 'Glue database');
    output(
      'GlueTables',
      Object.keys(this.analytics.tables).join(', '),
      'Glue tables over curated/, revisions/ and quality/ (partition projection)',
    );

    output('AthenaWorkGroup', this.analytics.workGroup.name, 'Athena workgroup with the named queries');
    output('AlarmTopic', this.alarmTopic.topicArn, 'SNS topic of the alarms');
    output(
      'IngestFunction',
      this.ingester.function.functionName,
      'The ingester (invoke it by hand: see README)',
    );
    output('DeadLetterQueue', this.ingester.deadLetterQueue.queueUrl, 'Failed ingestions');
  }
}
