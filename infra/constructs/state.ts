import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ALERT_KEY, INCIDENTS_INDEX, KEY, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';

export interface StateProps {
  readonly name: string;
  readonly encryptionKey: IKey;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateful part: the state table (entity windows, last-seen facts, applied ids, decisions) and
 * the alert outbox table, whose stream carries new alerts and nothing else to publish-alerts.
 * `Table`, not `TableV2`: the emulator's CloudFormation has no GlobalTable.
 */
export class State extends Construct {
  readonly stateTable: Table;
  readonly alertsTable: Table;

  constructor(scope: Construct, id: string, props: StateProps) {
    super(scope, id);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    this.stateTable = new Table(this, 'StateTable', {
      ...common,
      tableName: `${props.name}-state`,
      partitionKey: { name: KEY, type: AttributeType.STRING },
    });
    // Entities with open incidents, by when they are due: the sweep's and the CLI's (sparse: see INCIDENTS_INDEX).
    this.stateTable.addGlobalSecondaryIndex({
      indexName: INCIDENTS_INDEX.name,
      partitionKey: { name: INCIDENTS_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: INCIDENTS_INDEX.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.alertsTable = new Table(this, 'AlertsTable', {
      ...common,
      tableName: `${props.name}-alerts`,
      partitionKey: { name: ALERT_KEY, type: AttributeType.STRING },
      stream: StreamViewType.NEW_IMAGE,
    });
  }
}
