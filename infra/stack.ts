import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { Alerting } from './constructs/alerting';
import { Joining } from './constructs/joining';
import { Monitoring } from './constructs/monitoring';
import { Scoring } from './constructs/scoring';
import { Sweep } from './constructs/sweep';
import { State } from './constructs/state';
import { Streams } from './constructs/streams';
import { KINDS, streamOutput, streamTitle } from '../shared/kinds/registry';
import { TRANSACTIONS } from '../shared/kinds/transaction';
import { ORDER_JOIN_NAMES } from '../shared/kinds/names';

export interface RiskstreamStackProps extends StackProps {
  readonly config: DeployConfig;
}

/** riskstream in one stack, composed of one construct per concern. */
export class RiskstreamStack extends Stack {
  readonly streams: Streams;
  readonly state: State;
  readonly scoring: Scoring;
  readonly joining: Joining;
  readonly alerting: Alerting;
  readonly sweep: Sweep;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: RiskstreamStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Data outlives a deleted stack on AWS; an emulator's is disposable.
    const removalPolicy = config.emulator ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: `${config.name}: data at rest`, removalPolicy });
    // Services that write into encrypted resources on our behalf, for this account only: CloudWatch
    // alarms publish to the ops topic, CloudWatch Logs encrypts the function log groups.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` },
        },
      }),
    );

    this.streams = new Streams(this, 'Streams', { name: config.name, config: config.streams, encryptionKey: key });
    this.state = new State(this, 'State', { encryptionKey: key, name: config.name, removalPolicy });
    this.scoring = new Scoring(this, 'Scoring', { config, streams: this.streams, state: this.state, key });
    this.joining = new Joining(this, 'Joining', {
      config,
      streams: this.streams,
      state: this.state,
      quarantine: this.scoring.quarantine,
      key,
    });
    this.alerting = new Alerting(this, 'Alerting', { config, state: this.state, key });
    this.sweep = new Sweep(this, 'Sweep', { config, streams: this.streams, state: this.state, topic: this.alerting.topic, key });
    const scorers = this.scoring.scorers.map((s) => s.fn);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      key,
      streams: this.streams.all,
      scoringFunctions: scorers,
      joinFunction: this.joining.joinOrders,
      publisher: this.alerting.publishAlerts,
      dlqs: [...this.scoring.scorers.map((s) => s.dlq), this.joining.dlq, this.alerting.dlq],
      quarantine: this.scoring.quarantine,
      tables: [this.state.stateTable, this.state.alertsTable],
      alertsTopic: this.alerting.topic,
    });

    const outputs: Record<string, string> = {
      ...Object.fromEntries(
        KINDS.flatMap((kind) => [
          [streamOutput(kind), this.streams.of(kind).streamName],
          [`${streamTitle(kind)}StreamArn`, this.streams.of(kind).streamArn],
        ]),
      ),
      [streamOutput(ORDER_JOIN_NAMES)]: this.streams.orders.streamName,
      [`${streamTitle(ORDER_JOIN_NAMES)}StreamArn`]: this.streams.orders.streamArn,
      StateTableName: this.state.stateTable.tableName,
      AlertsTableName: this.state.alertsTable.tableName,
      AlertsTopicArn: this.alerting.topic.topicArn,
      OpsTopicArn: this.monitoring.opsTopic.topicArn,
      QuarantineQueueUrl: this.scoring.quarantine.queueUrl,
      ...Object.fromEntries(this.scoring.scorers.map(({ kind, dlq }) => [`${streamTitle(kind)}DlqUrl`, dlq.queueUrl])),
      OrdersDlqUrl: this.joining.dlq.queueUrl,
      PublishAlertsDlqUrl: this.alerting.dlq.queueUrl,
      DashboardName: this.monitoring.dashboardName,
      // Whose environment holds the deploy's rules (RULES_CONFIG), version 1 until versions are stored.
      ScoreTransactionsFunctionName: this.scoring.of(TRANSACTIONS).functionName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
