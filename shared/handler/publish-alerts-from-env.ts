import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBBudgetStore } from '../adapters/dynamodb-budgets';
import { DynamoDBPublishedMarks } from '../adapters/dynamodb-published-marks';
import { SnsAlertPublisher } from '../adapters/sns-publisher';
import { SqsRejectedAlertQueue } from '../adapters/sqs-rejected-alerts';
import { BudgetedAlertPublisher } from '../alerting/budgeted-publisher';
import { parseBudgetedSubscribers } from '../alerting/budgets';
import type { AlertPublisher } from '../alerting/messages';
import { clientConfig } from '../config/clients';
import { ConfigError } from '../config/env';
import { createLogger, createMetrics } from '../observability/telemetry';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** What publish-alerts reads from its environment: the alerts topic. */
export function alertsTopicArnFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const arn = env['ALERTS_TOPIC_ARN'];
  if (!arn) throw new ConfigError('riskstream configuration: ALERTS_TOPIC_ARN is required: the SNS alerts topic ARN');
  if (!TOPIC_ARN.test(arn))
    throw new ConfigError(
      `riskstream configuration: ALERTS_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${arn}"`,
    );
  return arn;
}

/** publish-alerts' own DLQ (its mapping's on-failure destination), where alerts SNS refuses as the sender's fault go. */
export function alertsDlqUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env['ALERTS_DLQ_URL'];
  if (!url) throw new ConfigError("riskstream configuration: ALERTS_DLQ_URL is required: the URL of publish-alerts' DLQ (an SQS queue)");
  if (!/^https?:\/\/\S+$/.test(url))
    throw new ConfigError(`riskstream configuration: ALERTS_DLQ_URL must be an SQS queue URL, got "${url}"`);
  return url;
}

/** The alert outbox table, where publish-alerts reads and writes the published marks. */
export function alertsTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const table = env['ALERTS_TABLE'];
  if (!table)
    throw new ConfigError(
      'riskstream configuration: ALERTS_TABLE is required: the alert outbox table, whose items publish-alerts marks published',
    );
  return table;
}

/**
 * The alert publisher: straight to the topic, or, with budgeted subscribers (BUDGETED_SUBSCRIBERS,
 * set by the stack), counting theirs in the state table (STATE_TABLE) and holding what is over.
 */
export function alertPublisherFromEnv(sns: SNSClient, dynamodb: DynamoDBClient, topicArn: string, env: NodeJS.ProcessEnv): AlertPublisher {
  const topic = new SnsAlertPublisher(sns, topicArn);
  const subscribers = parseBudgetedSubscribers(env['BUDGETED_SUBSCRIBERS']);
  if (subscribers.length === 0) return topic;
  const stateTable = env['STATE_TABLE'];
  if (!stateTable)
    throw new ConfigError('riskstream configuration: STATE_TABLE is required with BUDGETED_SUBSCRIBERS: where their budgets are counted');
  return new BudgetedAlertPublisher(topic, new DynamoDBBudgetStore(dynamodb, stateTable), subscribers);
}

/** Everything publish-alerts needs, built once per process: one client per service, logger and metrics. */
export function publishAlertsDepsFromEnv(name = 'publish-alerts', env: NodeJS.ProcessEnv = process.env) {
  const topicArn = alertsTopicArnFromEnv(env);
  const dlqUrl = alertsDlqUrlFromEnv(env);
  const alertsTable = alertsTableFromEnv(env);
  const sns = new SNSClient(clientConfig(env, 'SNS'));
  const sqs = new SQSClient(clientConfig(env, 'SQS'));
  const dynamodb = new DynamoDBClient(clientConfig(env, 'DYNAMODB'));
  return {
    topicArn,
    sns,
    sqs,
    dynamodb,
    publisher: alertPublisherFromEnv(sns, dynamodb, topicArn, env),
    marks: new DynamoDBPublishedMarks(dynamodb, alertsTable),
    rejectedAlerts: new SqsRejectedAlertQueue(sqs, dlqUrl),
    logger: createLogger(name),
    metrics: createMetrics(name),
  };
}
