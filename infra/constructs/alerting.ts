import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopicSubscription } from 'aws-cdk-lib/aws-sns';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription, SqsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Queue as QueueType } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BudgetedSubscriber } from '../../shared/alerting/budgets';
import { SEVERITY_ORDER } from '../../shared/domain/alerts';
import type { Severity } from '../../shared/domain/alerts';
import type { DeployConfig } from '../config';
import { subscribersOf } from '../config';
import { terminalQueue } from './queues';
import { RiskstreamFunction } from './riskstream-function';
import type { State } from './state';

export interface AlertingProps {
  readonly config: DeployConfig;
  readonly state: State;
  readonly key: IKey;
}

/** The severities a subscriber with this minimum receives. */
export function severitiesFrom(minimum: Severity): Severity[] {
  return SEVERITY_ORDER.slice(SEVERITY_ORDER.indexOf(minimum));
}

/**
 * An SNS filter policy on the message attributes publish-alerts sets: severity, optionally kind, and
 * the notification type when the subscriber takes only one of incidents and alerts; and no message
 * meant for one budgeted subscriber (`recipient`).
 */
export function filterPolicy(subscriber: {
  minSeverity: Severity;
  kinds?: readonly string[] | undefined;
  notifications?: readonly string[] | undefined;
}): Record<string, SubscriptionFilter> {
  const types = [...new Set(subscriber.notifications ?? [])];
  return {
    severity: SubscriptionFilter.stringFilter({ allowlist: severitiesFrom(subscriber.minSeverity) }),
    ...(subscriber.kinds ? { kind: SubscriptionFilter.stringFilter({ allowlist: [...subscriber.kinds] }) } : {}),
    ...(types.length === 1 ? { notification: SubscriptionFilter.stringFilter({ allowlist: types }) } : {}),
    recipient: new SubscriptionFilter([{ exists: false }]),
  };
}

/**
 * A budgeted subscriber's policy: the messages addressed to it, nothing else. publish-alerts has
 * applied its severity, kinds and types already, and counted the message against its budget.
 */
export function budgetedFilterPolicy(id: string): Record<string, SubscriptionFilter> {
  return { recipient: SubscriptionFilter.stringFilter({ allowlist: [id] }) };
}

/** The subscribers with a budget, as publish-alerts reads them (BUDGETED_SUBSCRIBERS). */
export function budgetedSubscribers(subscriptions: DeployConfig['subscriptions']): BudgetedSubscriber[] {
  return subscribersOf(subscriptions).flatMap(({ protocol, id, config }) =>
    config.budget === false
      ? []
      : [
          {
            id,
            protocol,
            minSeverity: config.minSeverity,
            ...(config.kinds ? { kinds: config.kinds } : {}),
            notifications: config.notifications,
            budget: { notifications: config.budget.notifications, perMs: config.budget.per },
          },
        ],
  );
}

/**
 * The alert path after the outbox: publish-alerts on the outbox table's stream (new alert items
 * only), the SNS alerts topic, and the subscriptions the configuration names.
 */
export class Alerting extends Construct {
  readonly topic: Topic;
  readonly publishAlerts: RiskstreamFunction;
  readonly dlq: QueueType;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const { config, key } = props;
    this.topic = new Topic(this, 'AlertsTopic', { topicName: `${config.name}-alerts`, masterKey: key, enforceSSL: true });
    this.dlq = terminalQueue(this, 'PublishAlertsDlq', {
      name: `${config.name}-publish-alerts-dlq`,
      key,
      retentionMs: config.queues.retention,
    });
    // The DLQ is the mapping's on-failure destination and, for alerts SNS refuses as the sender's
    // fault, the function's own: it sends those there itself instead of failing the batch. On the
    // outbox it reads the published marks of a batch (BatchGetItem) and writes them (BatchWriteItem).
    this.publishAlerts = new RiskstreamFunction(this, 'PublishAlerts', { function: 'publish-alerts', config, logKey: key })
      .bindTopic(this.topic, 'ALERTS_TOPIC_ARN')
      .bindQueue(this.dlq, 'ALERTS_DLQ_URL')
      .bindTable(props.state.alertsTable, 'ALERTS_TABLE', { actions: ['BatchGetItem', 'BatchWriteItem'] });

    const mapping = config.mappings.publishAlerts;
    if (config.emulator) {
      props.state.alertsTable.grantStreamRead(this.publishAlerts);
    } else {
      this.publishAlerts.addEventSource(
        new DynamoEventSource(props.state.alertsTable, {
          batchSize: mapping.batchSize,
          maxBatchingWindow: Duration.millis(mapping.maxBatchingWindow),
          startingPosition: StartingPosition[mapping.startingPosition],
          bisectBatchOnError: mapping.bisectBatchOnError,
          reportBatchItemFailures: mapping.reportBatchItemFailures,
          retryAttempts: mapping.retryAttempts,
          maxRecordAge: Duration.millis(mapping.maxRecordAge),
          onFailure: new SqsDlq(this.dlq),
          // A rewrite of an alert (same id) and its published mark are MODIFY records: only a new alert is published.
          filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
        }),
      );
    }

    const budgeted = budgetedSubscribers(config.subscriptions);
    if (budgeted.length > 0) {
      // Budgets are counted (UpdateItem), and held notifications kept (PutItem), in the state table: on those items only.
      this.publishAlerts
        .bindTable(props.state.stateTable, 'STATE_TABLE', { actions: ['UpdateItem', 'PutItem'], leadingKeys: ['budget#*', 'held#*'] })
        .addEnvironment('BUDGETED_SUBSCRIBERS', JSON.stringify(budgeted));
    }
    for (const subscription of subscriptionsFrom(this, config.subscriptions)) this.topic.addSubscription(subscription);
  }
}

function subscriptionsFrom(scope: Construct, subscriptions: DeployConfig['subscriptions']): ITopicSubscription[] {
  let queues = 0;
  return subscribersOf(subscriptions).map(({ protocol, endpoint, id, config }) => {
    const policy = config.budget === false ? filterPolicy(config) : budgetedFilterPolicy(id);
    if (protocol === 'email') return new EmailSubscription(endpoint, { filterPolicy: policy });
    if (protocol === 'sms') return new SmsSubscription(endpoint, { filterPolicy: policy });
    if (protocol === 'https') return new UrlSubscription(endpoint, { filterPolicy: policy });
    return new SqsSubscription(Queue.fromQueueArn(scope, `SqsSubscriber${queues++}`, endpoint), {
      filterPolicy: policy,
      rawMessageDelivery: false,
    });
  });
}
