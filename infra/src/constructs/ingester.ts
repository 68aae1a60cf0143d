import {
  LAKE_FOLDERS,
  LAMBDA_CONCURRENCY,
  LAMBDA_NODE_OPTIONS,
  RUN_FINISHED,
  type RunFinishedFields,
  type ScheduleInputTemplate,
} from '@vitibrasil/ingest-lambda';
import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLER } from '../lambda-conventions.js';
import type { Settings } from '../settings.js';
import { acknowledgeScopedWildcards, grantObjects, grantParameterRead, logicalIdOf } from './grants.js';
import { FUNCTION_ARCHITECTURE, FUNCTION_RUNTIME, functionIdentity } from './runtime.js';

/** Namespace of the metric the stack derives from the ingester's logs. */
const METRIC_NAMESPACE = 'Vitibrasil';
/** Datasets written per run, from the `run finished` log line. */
const DATASETS_WRITTEN_METRIC = 'DatasetsWritten';
const DATASETS_WRITTEN_FIELD: keyof RunFinishedFields = 'datasets_written';

/**
 * What the schedule sends: the scheduler's context attributes, rendered by it at each invocation. `time` is the
 * nominal UTC time (stable across retries), which the handler turns into the São Paulo processing date.
 */
const SCHEDULE_INPUT: ScheduleInputTemplate = {
  time: scheduler.ContextAttribute.scheduledTime,
  schedule: scheduler.ContextAttribute.scheduleArn,
  execution: scheduler.ContextAttribute.executionId,
  attempt: scheduler.ContextAttribute.attemptNumber,
};

/**
 * Scheduler → Lambda is an asynchronous invocation: the scheduler's retries cover only a failed hand-over
 * (throttling, a missing permission); a failed run is retried by Lambda's own asynchronous retries.
 * Both are set explicitly, and both end in the same dead-letter queue.
 */
const SCHEDULER_RETRY = { retryAttempts: 3, maxEventAge: Duration.hours(6) } as const;
const FUNCTION_RETRY = { retryAttempts: 2, maxEventAge: Duration.hours(6) } as const;

/**
 * A run takes about half a minute at 128 MB (estimated from its CPU time); retries and backoff against a cold API
 * take minutes (see infra/README.md).
 */
const TIMEOUT = Duration.minutes(10);

export interface IngesterProps
  extends Pick<
    Settings,
    'scheduleExpression' | 'scheduleTimeZone' | 'apiKeysParameter' | 'logRetentionDays' | 'ingestMemoryMb'
  > {
  readonly bundleDir: string;
  readonly bucket: s3.IBucket;
  /** The API's base URL. */
  readonly apiUrl: string;
}

/**
 * The ingester on Lambda, its schedule (EventBridge Scheduler), the dead-letter queue of both, and the alarms:
 * function errors, a message in the dead-letter queue, and a day without any dataset written.
 */
export class Ingester extends Construct {
  readonly function: lambda.Function;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: IngesterProps) {
    super(scope, id);
    const { logGroup, role } = functionIdentity(this, {
      description: "Vitibrasil ingester: its log group and the lake's folders, nothing else in the bucket.",
      logRetentionDays: props.logRetentionDays,
    });
    // What a run does: read manifests/latest.json and each dataset's previous curated partition (to compare);
    // PUT its curated, raw, revisions and quality objects, deleting others in the partition folder (and the
    // revisions object of a re-run that now finds no change); PUT the manifests and the run log.
    grantObjects(role, props.bucket, {
      read: [LAKE_FOLDERS.curated, LAKE_FOLDERS.manifests],
      write: Object.values(LAKE_FOLDERS),
      delete: [LAKE_FOLDERS.curated, LAKE_FOLDERS.revisions, LAKE_FOLDERS.raw],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the dead-letter queue (of the schedule and of the function's asynchronous invocations); an alarm fires on its first message.",
    });

    const environment: Record<string, string> = {
      // Bounds V8's heap and the datasets in flight so a whole run stays within 128 MB
      // (packages/ingest-lambda/README.md, Performance).
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      CONCURRENCY: String(LAMBDA_CONCURRENCY),
      API_BASE_URL: props.apiUrl,
      LAKE_URI: `s3://${props.bucket.bucketName}`,
      RAW: 'true',
      // The `run finished` line the "nothing written" alarm reads is logged at INFO.
      LOG_LEVEL: 'INFO',
    };
    if (props.apiKeysParameter) {
      environment.API_KEY_PARAMETER = props.apiKeysParameter;
      grantParameterRead(role, props.apiKeysParameter);
    }

    this.function = new lambda.Function(this, 'Function', {
      description: 'Vitibrasil ingester: API → Parquet lake',
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      code: lambda.Code.fromAsset(props.bundleDir),
      handler: HANDLER,
      memorySize: props.ingestMemoryMb,
      timeout: TIMEOUT,
      role,
      logGroup,
      environment,
      ...FUNCTION_RETRY,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the ingester, send to its dead-letter queue.',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.function)}.Arn>:*]`,
      reason:
        'The one ingester function, any of its versions or aliases (granted so by the LambdaInvoke target).',
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Daily Vitibrasil ingestion',
      schedule: scheduler.ScheduleExpression.expression(
        props.scheduleExpression,
        TimeZone.of(props.scheduleTimeZone),
      ),
      target: new LambdaInvoke(this.function, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULE_INPUT),
        deadLetterQueue: this.deadLetterQueue,
        ...SCHEDULER_RETRY,
      }),
    });

    const datasetsWritten = new logs.MetricFilter(this, 'DatasetsWrittenFilter', {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', RUN_FINISHED),
      metricNamespace: METRIC_NAMESPACE,
      metricName: DATASETS_WRITTEN_METRIC,
      metricValue: `$.${DATASETS_WRITTEN_FIELD}`,
      unit: cloudwatch.Unit.COUNT,
    });

    this.alarms = [
      new cloudwatch.Alarm(this, 'ErrorsAlarm', {
        alarmDescription:
          'An ingester invocation failed (a dataset failed, the input or the API key was unusable): see its log group and the run log under logs/.',
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
        alarmDescription:
          "An ingestion was given up (scheduler hand-over or all of Lambda's retries failed): the message holds the input and the error.",
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'NothingWrittenAlarm', {
        alarmDescription:
          'No ingester run wrote any dataset in the last 24 hours (no run, or runs that wrote nothing).',
        metric: datasetsWritten.metric({ period: Duration.days(1), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No `run finished` line at all in a day is the failure this alarm is for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    ];

    acknowledgeScopedWildcards(role, props.bucket, Object.values(LAKE_FOLDERS), logGroup);
  }
}
