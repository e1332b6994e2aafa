import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBBudgetStore } from '../adapters/dynamodb-budgets';
import { publishDigest } from '../adapters/sns-publisher';
import { budgetWindow, digestId } from '../alerting/budgets';
import { clientConfig } from '../config/clients';
import { ConfigError } from '../config/env';
import { createLogger, createMetrics } from '../observability/telemetry';
import { alertsTopicArnFromEnv } from './publish-alerts-from-env';
import type { DigestPorts, SweepDeps } from './sweep-handler';
import { ALL_KIND_NAMES, ORDER_JOIN_NAMES, streamVariable } from '../kinds/names';

const NO_DIGESTS: DigestPorts = {
  dueDigests: () => Promise.resolve([]),
  claim: () => Promise.resolve(false),
  publish: () => Promise.resolve(),
  sent: () => Promise.resolve(),
};

/** The digests through the budget store and the alerts topic; a digest takes a place in the budget of the window it is sent in. */
function digestPorts(budgets: DynamoDBBudgetStore, sns: SNSClient, topicArn: string): DigestPorts {
  return {
    dueDigests: (now) => budgets.dueDigests(now),
    claim: async (digest, now) =>
      (await budgets.take(
        { id: digest.recipient, budget: digest.budget },
        `digest:${digestId(digest)}`,
        budgetWindow(now, digest.budget.perMs),
      )) === 'send',
    publish: (digest) => publishDigest(sns, topicArn, digest),
    sent: (digest) => budgets.sent(digest),
  };
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`riskstream configuration: ${name} is required: ${what}`);
  return value;
}

/** Everything the sweep needs, built once per process from its environment (set by the CDK stack). */
export function sweepDepsFromEnv(name = 'sweep-incidents', env: NodeJS.ProcessEnv = process.env): SweepDeps {
  const dynamodb = new DynamoDBClient(clientConfig(env, 'DYNAMODB'));
  const stateTable = required(env, 'STATE_TABLE', 'the DynamoDB state table, whose incidents index the sweep reads');
  const budgets = new DynamoDBBudgetStore(dynamodb, stateTable);
  // Set by the stack only when a subscriber has a budget: without one there are no digests to send.
  const topicArn = env['ALERTS_TOPIC_ARN'] ? alertsTopicArnFromEnv(env) : undefined;
  return {
    dynamodb,
    // HTTP/1.1: the Kinesis client defaults to HTTP/2 for every command, and emulators answer HTTP/1.1
    // only. The DynamoDB client's handler is the SDK's own HTTP/1.1 one: importing @smithy/node-http-handler
    // instead bundled a second @smithy/core (212 KB → 88 KB without it). Nothing destroys either client.
    kinesis: new KinesisClient({ ...clientConfig(env, 'KINESIS'), requestHandler: dynamodb.config.requestHandler }),
    stateTable,
    streams: Object.fromEntries(
      [...ALL_KIND_NAMES, ORDER_JOIN_NAMES].map((kind) => [
        kind.entityType,
        required(env, streamVariable(kind), `the ${kind.stream} stream, where the control records of ${kind.entityType}s go`),
      ]),
    ),
    digests: topicArn ? digestPorts(budgets, new SNSClient(clientConfig(env, 'SNS')), topicArn) : NO_DIGESTS,
    logger: createLogger(env['AWS_LAMBDA_FUNCTION_NAME'] || name),
    metrics: createMetrics(env['AWS_LAMBDA_FUNCTION_NAME'] || name),
  };
}
