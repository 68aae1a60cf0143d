import { DATASET_IDS, LAKE_QUERIES, type LakeTables } from '@vitibrasil/core';
import {
  LAKE_FOLDERS,
  PARQUET_COLUMNS,
  type ParquetColumn,
  QUALITY_PARQUET_COLUMNS,
  REVISIONS_PARQUET_COLUMNS,
} from '@vitibrasil/ingest-lambda';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { glueColumns, PARTITION_KEYS } from '../glue-columns.js';
import type { Settings } from '../settings.js';
import { BUCKET_PREFIXES } from './lake-storage.js';

/** The lake's Parquet tables: each its folder, its writer's columns, the same partitions. */
const LAKE_TABLES = {
  curated: {
    folder: LAKE_FOLDERS.curated,
    columns: PARQUET_COLUMNS,
    description:
      'Tidy rows of the 15 Vitibrasil datasets, one Snappy Parquet per dataset and processing date',
  },
  revisions: {
    folder: LAKE_FOLDERS.revisions,
    columns: REVISIONS_PARQUET_COLUMNS,
    description: "Rows added, removed and revised since each dataset's previous partition",
  },
  quality: {
    folder: LAKE_FOLDERS.quality,
    columns: QUALITY_PARQUET_COLUMNS,
    description: 'Category totals that disagree with the sum of their items',
  },
} as const satisfies Record<
  string,
  { folder: string; columns: readonly ParquetColumn[]; description: string }
>;
export type LakeTableName = keyof typeof LAKE_TABLES;
const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export interface AnalyticsProps
  extends Pick<
    Settings,
    'projectionStartDate' | 'athenaScanCutoffMb' | 'glueDatabaseName' | 'athenaWorkGroupName'
  > {
  readonly bucket: s3.IBucket;
}

/**
 * The Glue database and its tables over the lake's Parquet (curated/, revisions/, quality/), with partition
 * projection (queries see a run's partitions the moment they land: no crawler, no MSCK REPAIR), and an Athena
 * workgroup with the lake's named queries.
 */
export class Analytics extends Construct {
  readonly database: glue.Database;
  readonly tables: Readonly<Record<LakeTableName, glue.S3Table>>;
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: readonly athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    this.database = new glue.Database(this, 'Database', {
      databaseName: props.glueDatabaseName,
      description: 'Embrapa Vitibrasil statistics, as the ingester writes them',
    });
    const table = (name: LakeTableName) => {
      const { folder, columns, description } = LAKE_TABLES[name];
      const location = `s3://${props.bucket.bucketName}/${folder}`;
      const created = new glue.S3Table(this, `${name[0]?.toUpperCase()}${name.slice(1)}`, {
        database: this.database,
        tableName: name,
        description,
        storage: glue.S3TableStorage.fromBucket(props.bucket),
        s3Prefix: folder,
        dataFormat: glue.DataFormat.PARQUET,
        columns: glueColumns(columns),
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
          'storage.location.template': `${location}dataset=\${dataset}/processing_date=\${processing_date}/`,
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
        },
      });
      // SSE-S3 is transparent to Athena; `has_encrypted_data` is for client-side encryption. The L2 renders it as
      // a JSON boolean, where Glue's table parameters are strings.
      (created.node.defaultChild as glue.CfnTable).addPropertyOverride(
        'TableInput.Parameters.has_encrypted_data',
        'false',
      );
      return created;
    };
    this.tables = { curated: table('curated'), revisions: table('revisions'), quality: table('quality') };

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

    // The same SQL the demo runs with DuckDB (packages/core/src/queries.ts), over the Glue tables.
    const qualified = (name: LakeTableName) => `"${props.glueDatabaseName}"."${name}"`;
    const others: LakeTables = { revisions: qualified('revisions'), quality: qualified('quality') };
    this.namedQueries = LAKE_QUERIES.map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.id}`, {
        name: query.title,
        description: query.description,
        database: props.glueDatabaseName,
        workGroup: this.workGroup.name,
        queryString: query.sql(qualified('curated'), others),
      });
      named.node.addDependency(this.workGroup, this.database);
      return named;
    });
  }
}
