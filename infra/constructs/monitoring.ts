import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ComparisonOperator, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { DefaultDashboardFactory, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import type { CustomMetricGroup, CustomMetricWithAlarm } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { MetricName, NAMESPACE } from '../../shared/observability/telemetry';
import type { DeployConfig } from '../config';

export interface MonitoringProps {
  readonly config: DeployConfig;
  readonly key: IKey;
  readonly streams: readonly IStream[];
  readonly scoringFunctions: readonly IFunction[];
  /** join-orders: alarmed on as a scorer is, with its own rows (joins by outcome). */
  readonly joinFunction: IFunction;
  readonly publisher: IFunction;
  readonly dlqs: readonly IQueue[];
  readonly quarantine: IQueue;
  readonly tables: readonly Table[];
  readonly alertsTopic: Topic;
}

/**
 * What an on-call engineer looks at, and what wakes them: one dashboard and alarms on iterator
 * age, function errors, DLQ and quarantine depth, failed notifications, alerts publish-alerts could
 * not read and DynamoDB throttling, all to the ops topic. Built with cdk-monitoring-constructs, which pairs each resource's metrics with
 * its alarms and widgets; the functions' own EMF metrics are added as custom groups.
 */
export class Monitoring extends Construct {
  readonly opsTopic: Topic;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    const alarms = config.alarms;
    // The functions on an input stream: each alarmed on for errors, iterator age, failed records and configuration errors.
    const streamFunctions = [...props.scoringFunctions, props.joinFunction];
    this.opsTopic = new Topic(this, 'OpsTopic', { topicName: `${config.name}-ops`, masterKey: props.key, enforceSSL: true });
    // enforceSSL replaces SNS's default topic policy: CloudWatch alarms of this account, and only
    // those, must be allowed to publish.
    const stack = Stack.of(this);
    this.opsTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.opsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${config.name}*` },
        },
      }),
    );
    this.dashboardName = `${config.name}-operations`;
    const facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        actionsEnabled: true,
        alarmNamePrefix: config.name,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.opsTopic }),
        // One breaching 5-minute datapoint is enough: the thresholds are counts that should not happen.
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: this.dashboardName,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    facade.addLargeHeader('riskstream');

    for (const stream of props.streams) {
      facade.monitorKinesisDataStream({ streamName: stream.streamName, alarmFriendlyName: stream.node.id });
    }
    // Every function reads a stream (Kinesis or the outbox's), so every one has an iterator age.
    for (const fn of [...streamFunctions, props.publisher]) {
      facade.monitorLambdaFunction({
        lambdaFunction: fn,
        alarmFriendlyName: fn.node.id,
        addFaultCountAlarm: { Critical: { maxErrorCount: alarms.functionErrors - 1 } },
        addThrottlesCountAlarm: { Warning: { maxErrorCount: 0 } },
        addMaxIteratorAgeAlarm: { Critical: { maxAgeInMillis: alarms.iteratorAgeMs } },
      });
    }
    for (const queue of props.dlqs) {
      facade.monitorSqsQueue({
        queue,
        alarmFriendlyName: queue.node.id,
        addQueueMaxSizeAlarm: { Critical: { maxMessageCount: alarms.dlqDepth - 1 } },
      });
    }
    facade.monitorSqsQueue({
      queue: props.quarantine,
      alarmFriendlyName: 'Quarantine',
      addQueueMaxSizeAlarm: { Warning: { maxMessageCount: alarms.quarantineDepth - 1 } },
    });
    for (const table of props.tables) {
      facade.monitorDynamoTable({
        table,
        alarmFriendlyName: table.node.id,
        addReadThrottledEventsCountAlarm: { Warning: { maxThrottledEventsThreshold: alarms.dynamoDbThrottles - 1 } },
        addWriteThrottledEventsCountAlarm: { Warning: { maxThrottledEventsThreshold: alarms.dynamoDbThrottles - 1 } },
      });
    }
    facade.monitorSnsTopic({
      topic: props.alertsTopic,
      alarmFriendlyName: 'AlertsTopic',
      addMessageNotificationsFailedAlarm: { Critical: { maxNotificationsFailedCount: alarms.failedNotifications - 1 } },
    });
    facade.monitorCustom({
      alarmFriendlyName: 'Pipeline',
      humanReadableName: 'riskstream pipeline',
      metricGroups: [
        {
          title: 'Records failed (retried by Lambda)',
          metrics: streamFunctions.map((fn): CustomMetricWithAlarm => ({
            alarmFriendlyName: `${fn.node.id}RecordsFailed`,
            metric: fiveMinuteSum(MetricName.recordsFailed, fn.functionName),
            // A partial batch failure is not a Lambda error: without this alarm it would go unseen.
            addAlarm: { Warning: { threshold: alarms.recordsFailed - 1, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD } },
          })),
        },
        {
          title: 'Alerts publish-alerts could not read (never sent)',
          metrics: [
            {
              alarmFriendlyName: 'PublishAlertsMalformed',
              metric: fiveMinuteSum(MetricName.publishAlerts.malformed, props.publisher.functionName),
              // An outbox item publish-alerts cannot parse is skipped, not retried (it never changes): without
              // this alarm that alert is lost unseen. Whatever validation accepts must be publishable, so one is a bug.
              addAlarm: {
                Critical: { threshold: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
              },
            },
          ],
        },
        {
          title: 'Configuration errors (a missing table or queue, access denied)',
          metrics: [...streamFunctions, props.publisher].map((fn): CustomMetricWithAlarm => ({
            alarmFriendlyName: `${fn.node.id}ConfigurationErrors`,
            metric: fiveMinuteSum(MetricName.configurationErrors, fn.functionName),
            // Every batch fails until a person fixes the deployment; the log line says what to check.
            addAlarm: {
              Critical: { threshold: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
            },
          })),
        },
        ...pipelineMetricGroups(props.scoringFunctions.map((f) => f.functionName)),
        {
          title: 'Orders joined with payments, by outcome; sides kept out (late, a second payment)',
          metrics: [...Object.values(MetricName.joins), MetricName.joinSidesLate, MetricName.recordsQuarantined].map(
            (metricName) =>
              new Metric({
                namespace: NAMESPACE,
                metricName,
                dimensionsMap: { service: props.joinFunction.functionName },
                statistic: 'Sum',
                period: Duration.minutes(1),
              }),
          ),
        },
        {
          title: 'Alerts published to SNS',
          metrics: Object.values(MetricName.publishAlerts).map(
            (metricName) =>
              new Metric({
                namespace: NAMESPACE,
                metricName,
                dimensionsMap: { service: props.publisher.functionName },
                statistic: 'Sum',
                period: Duration.minutes(1),
              }),
          ),
        },
        {
          title: 'DynamoDB conditional check failures',
          metrics: props.tables.map(
            (table) =>
              new Metric({
                namespace: 'AWS/DynamoDB',
                metricName: 'ConditionalCheckFailedRequests',
                dimensionsMap: { TableName: table.tableName },
                statistic: 'Sum',
                period: Duration.minutes(1),
                label: table.node.id,
              }),
          ),
        },
      ],
    });
  }
}

/** One function's own EMF count over an alarm's period (namespace riskstream, dimension service = function name). */
function fiveMinuteSum(metricName: string, service: string): Metric {
  return new Metric({ namespace: NAMESPACE, metricName, dimensionsMap: { service }, statistic: 'Sum', period: Duration.minutes(5) });
}

/** The scoring functions' own EMF metrics (namespace riskstream, dimension service = function name). */
function pipelineMetricGroups(serviceNames: readonly string[]): CustomMetricGroup[] {
  const metric = (metricName: string, service: string) =>
    new Metric({
      namespace: NAMESPACE,
      metricName,
      dimensionsMap: { service },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: `${metricName} ${service}`,
    });
  const group = (title: string, names: readonly string[]): CustomMetricGroup => ({
    title,
    metrics: serviceNames.flatMap((service) => names.map((name) => metric(name, service))),
  });
  return [
    group('Decisions by action', Object.values(MetricName.decisions)),
    group('Alerts by severity', Object.values(MetricName.alerts)),
    group('Duplicates skipped, late events, quarantined records', [
      MetricName.duplicatesSkipped,
      MetricName.lateEvents,
      MetricName.recordsQuarantined,
    ]),
    group('Events scored and DynamoDB requests', [MetricName.eventsScored, MetricName.dynamoDbRequests]),
  ];
}
