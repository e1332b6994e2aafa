import { SNSClient } from '@aws-sdk/client-sns';
import { SnsAlertPublisher } from '../adapters/sns-publisher';
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

/** Everything publish-alerts needs, built once per process: one SNS client, logger and metrics. */
export function publishAlertsDepsFromEnv(name = 'publish-alerts', env: NodeJS.ProcessEnv = process.env) {
  const topicArn = alertsTopicArnFromEnv(env);
  const sns = new SNSClient(clientConfig(env, 'SNS'));
  return {
    topicArn,
    sns,
    publisher: new SnsAlertPublisher(sns, topicArn),
    logger: createLogger(name),
    metrics: createMetrics(name),
  };
}
