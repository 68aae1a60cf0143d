import { LAKE_FOLDERS } from '@vitibrasil/ingest-lambda';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Settings } from '../settings.js';

/** Key prefixes of the lake bucket besides the ingester's folders (LAKE_FOLDERS). */
export const BUCKET_PREFIXES = {
  /** The API's last good copy of each upstream file (CACHE_S3_URI). */
  apiCache: 'cache/',
  /** Athena query results (the workgroup's output location). */
  athenaResults: 'athena-results/',
} as const;

export type LakeStorageProps = Pick<
  Settings,
  | 'rawRetentionDays'
  | 'runLogRetentionDays'
  | 'noncurrentVersionDays'
  | 'athenaResultsRetentionDays'
  | 'accessLogRetentionDays'
>;

/**
 * The lake bucket (curated Parquet, raw NDJSON, manifests, run logs; the API's cache; Athena's results) and the
 * bucket its server access logs go to. Both block public access, are encrypted (SSE-S3), refuse requests without
 * TLS and are kept when the stack is deleted: the lake is the product, the logs its audit trail.
 */
export class LakeStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeStorageProps) {
    super(scope, id);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access logs can only be delivered to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access log bucket: logging its own accesses to itself would log every delivery, and to a third bucket only moves the question.',
    });

    // Standard-IA after 30 days, Glacier Instant Retrieval after 90, each only when the object stays there longer
    // than the class's minimum storage duration (30 and 90 days). S3 does not move objects under 128 KB.
    const toCheaperStorage = (days: number): s3.Transition[] => [
      ...(days >= 60
        ? [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }]
        : []),
      ...(days >= 180
        ? [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }]
        : []),
    ];

    this.bucket = new s3.Bucket(this, 'Lake', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        {
          id: 'raw-copies',
          prefix: LAKE_FOLDERS.raw,
          transitions: toCheaperStorage(props.rawRetentionDays),
          expiration: Duration.days(props.rawRetentionDays),
        },
        {
          id: 'run-logs',
          prefix: LAKE_FOLDERS.logs,
          transitions: toCheaperStorage(props.runLogRetentionDays),
          expiration: Duration.days(props.runLogRetentionDays),
        },
        {
          id: 'athena-results',
          prefix: BUCKET_PREFIXES.athenaResults,
          expiration: Duration.days(props.athenaResultsRetentionDays),
        },
        {
          // Every re-run replaces objects and the API replaces its copies: old versions would pile up.
          id: 'noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
