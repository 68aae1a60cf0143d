import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUNDLED_SNAPSHOT_PATH, HANDLER, TASK_ROOT } from '../lambda-conventions.js';
import type { Settings } from '../settings.js';
import { acknowledgeScopedWildcards, grantObjects, grantParameterRead } from './grants.js';
import { BUCKET_PREFIXES } from './lake-storage.js';
import { FUNCTION_ARCHITECTURE, FUNCTION_RUNTIME, functionIdentity } from './runtime.js';

/** An HTTP API's longest integration timeout: after it API Gateway answers 503 by itself. */
const INTEGRATION_TIMEOUT = Duration.seconds(29);

export interface ApiServiceProps
  extends Pick<
    Settings,
    | 'apiKeysParameter'
    | 'logRetentionDays'
    | 'throttleRateLimit'
    | 'throttleBurstLimit'
    | 'apiMemoryMb'
    | 'upstreamBaseUrl'
  > {
  /** The bundle folder (`build/api`): lambda.Code.fromAsset uploads it as is. */
  readonly bundleDir: string;
  readonly bucket: s3.IBucket;
}

/**
 * The Koa API on Lambda behind an HTTP API ($default stage, access logs, throttling). Its last good copy of each
 * upstream file lives in the lake bucket under `cache/` (CACHE_S3_URI): `/tmp` vanishes with every cold start.
 * The bundled snapshot ships in the code asset as the last resort.
 */
export class ApiService extends Construct {
  readonly function: lambda.Function;
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** `https://{id}.execute-api.{region}.amazonaws.com/` */
  readonly url: string;
  readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    const { logGroup, role } = functionIdentity(this, {
      description: 'Vitibrasil API function: its log group, its cache prefix, its keys parameter.',
      logRetentionDays: props.logRetentionDays,
    });
    // The store reads, replaces, lists and deletes its copies, and copies quarantined ones aside, all under cache/.
    grantObjects(role, props.bucket, {
      read: [BUCKET_PREFIXES.apiCache],
      write: [BUCKET_PREFIXES.apiCache],
      delete: [BUCKET_PREFIXES.apiCache],
    });

    const environment: Record<string, string> = {
      CACHE_S3_URI: `s3://${props.bucket.bucketName}/${BUCKET_PREFIXES.apiCache}`,
      // The bundle's copy of data/vitibrasil: served when neither the cache nor the upstream has a file.
      BUNDLED_SNAPSHOT_DIR: `${TASK_ROOT}/${BUNDLED_SNAPSHOT_PATH}`,
      // The app answers its own 503 problem before API Gateway cuts the integration at 29 s.
      REQUEST_TIMEOUT_MS: '25000',
      LOG_LEVEL: 'info',
      ...(props.upstreamBaseUrl ? { UPSTREAM_BASE_URL: props.upstreamBaseUrl } : {}),
    };
    if (props.apiKeysParameter) {
      environment.API_KEYS_PARAMETER = props.apiKeysParameter;
      grantParameterRead(role, props.apiKeysParameter);
    }

    this.function = new lambda.Function(this, 'Function', {
      description: 'Vitibrasil API (Koa through serverless-http)',
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      code: lambda.Code.fromAsset(props.bundleDir),
      handler: HANDLER,
      memorySize: props.apiMemoryMb,
      timeout: INTEGRATION_TIMEOUT,
      role,
      logGroup,
      environment,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Vitibrasil data API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Api', this.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        timeout: INTEGRATION_TIMEOUT,
      }),
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            protocol: '$context.protocol',
            status: '$context.status',
            bytes: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });
    this.url = `${this.httpApi.apiEndpoint}/`;

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The API function failed (an invocation error, not a problem response): see its log group for the error.',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "Authorization is the app's: with apiKeysParameter set, every data route requires a key (x-api-key or Bearer) checked in the function; /docs, /openapi.json and the probes stay open by design.",
    });
    acknowledgeScopedWildcards(role, props.bucket, [BUCKET_PREFIXES.apiCache], logGroup);
  }
}
