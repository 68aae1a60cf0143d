import { DATASET_IDS, LAKE_QUERIES } from '@vitibrasil/core';
import { LAKE_FOLDERS } from '@vitibrasil/ingest-lambda';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CURATED_COLUMNS, PARTITION_KEYS } from '../glue-columns.js';
import type { Settings } from '../settings.js';
import { BUCKET_PREFIXES } from './lake-storage.js';

/** The Glue table over `curated/`. */
const CURATED_TABLE = 'curated';
const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export interface AnalyticsProps
  extends Pick<
    Settings,
    'projectionStartDate' | 'athenaScanCutoffMb' | 'glueDatabaseName' | 'athenaWorkGroupName'
  > {
  readonly bucket: s3.IBucket;
}

/**
 * The Glue database and table over the curated Parquet, with partition projection (queries see a run's partition
 * the moment it lands: no crawler, no MSCK REPAIR), and an Athena workgroup with the lake's named queries.
 */
export class Analytics extends Construct {
  readonly database: glue.Database;
  readonly table: glue.S3Table;
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: readonly athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const curated = `s3://${props.bucket.bucketName}/${LAKE_FOLDERS.curated}`;

    this.database = new glue.Database(this, 'Database', {
      databaseName: props.glueDatabaseName,
      description: 'Embrapa Vitibrasil statistics, as the ingester writes them',
    });
    this.table = new glue.S3Table(this, 'Curated', {
      database: this.database,
      tableName: CURATED_TABLE,
      description:
        'Tidy rows of the 15 Vitibrasil datasets, one Snappy Parquet per dataset and processing date',
      storage: glue.S3TableStorage.fromBucket(props.bucket),
      s3Prefix: LAKE_FOLDERS.curated,
      dataFormat: glue.DataFormat.PARQUET,
      columns: CURATED_COLUMNS,
      partitionKeys: PARTITION_KEYS,
      partitionProjection: {
        dataset: glue.PartitionProjectionConfiguration.enum({ values: [...DATASET_IDS] }),
        processing_date: glue.PartitionProjectionConfiguration.date({
          min: props.projectionStartDate,
          max: 'NOW',
          format: 'yyyy-MM-dd',
          step: { interval: 1, intervalUnit: glue.DateIntervalUnit.DAYS },
        }),
      },
      parameters: {
        // The ingester's Hive folders, so projection needs no partition metadata at all.
        'storage.location.template': `${curated}dataset=\${dataset}/processing_date=\${processing_date}/`,
        classification: 'parquet',
        'parquet.compression': 'SNAPPY',
      },
    });

    // SSE-S3 is transparent to Athena; `has_encrypted_data` is for client-side encryption. The L2 renders its
    // `hasEncryptedData: false` as a JSON boolean, where Glue's table parameters are strings.
    (this.table.node.defaultChild as glue.CfnTable).addPropertyOverride(
      'TableInput.Parameters.has_encrypted_data',
      'false',
    );

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.athenaWorkGroupName,
      description: 'Queries over the Vitibrasil lake',
      state: 'ENABLED',
      // Lets `cdk destroy` remove the workgroup with its query history and named queries.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.athenaScanCutoffMb * 1024 * 1024,
        resultConfiguration: {
          outputLocation: `s3://${props.bucket.bucketName}/${BUCKET_PREFIXES.athenaResults}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    // The same SQL the demo runs with DuckDB (packages/core/src/queries.ts), over the Glue table.
    const table = `"${props.glueDatabaseName}"."${CURATED_TABLE}"`;
    this.namedQueries = LAKE_QUERIES.map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.id}`, {
        name: query.title,
        description: query.description,
        database: props.glueDatabaseName,
        workGroup: this.workGroup.name,
        queryString: query.sql(table),
      });
      named.node.addDependency(this.workGroup, this.database);
      return named;
    });
  }
}
