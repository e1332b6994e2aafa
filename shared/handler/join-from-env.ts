import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBJoinStore } from '../adapters/dynamodb-joins';
import { SqsQuarantine } from '../adapters/sqs-quarantine';
import { clientConfig } from '../config/clients';
import { ConfigurationError } from '../errors';
import { DEFAULT_MAX_EVENT_AGE_MS, DEFAULT_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_RECORD_BYTES } from '../kinesis/records';
import { listedShardRanges } from '../kinesis/shard-ranges';
import { createLogger, createMetrics } from '../observability/telemetry';
import type { JoinHandlerDeps } from './join-handler';
import { DEFAULT_JOIN_WINDOW_MS } from '../domain/order-join';

/**
 * Everything join-orders needs, built once per process from its environment (set by the CDK stack):
 * the tables, the quarantine, the decoder's limits and the join window. Read by hand, not with the
 * scorers' schema: that one parses the rules config, which the join has none of, and would bring
 * zod into its bundle (68.5 KB minified without it, 103 KB with it: `npm run build`, 2026-12-04).
 */
export function joinDepsFromEnv(defaultName: string, env: NodeJS.ProcessEnv = process.env): JoinHandlerDeps {
  const name = env['AWS_LAMBDA_FUNCTION_NAME'] || defaultName;
  const dynamodb = new DynamoDBClient(clientConfig(env, 'DYNAMODB'));
  const stateTable = required(env, 'STATE_TABLE', 'the DynamoDB state table name');
  const alertsTable = required(env, 'ALERTS_TABLE', 'the DynamoDB alert outbox table name');
  return {
    name,
    store: new DynamoDBJoinStore(dynamodb, stateTable, alertsTable),
    quarantine: new SqsQuarantine(
      new SQSClient(clientConfig(env, 'SQS')),
      required(env, 'QUARANTINE_QUEUE_URL', 'the SQS quarantine queue URL'),
    ),
    windowMs: wholeNumber(env, 'JOIN_WINDOW_MS', DEFAULT_JOIN_WINDOW_MS, 1),
    maxRecordBytes: wholeNumber(env, 'MAX_RECORD_BYTES', DEFAULT_MAX_RECORD_BYTES, 1),
    maxFutureSkewMs: wholeNumber(env, 'MAX_FUTURE_SKEW_MS', DEFAULT_MAX_FUTURE_SKEW_MS, 0),
    maxEventAgeMs: wholeNumber(env, 'MAX_EVENT_AGE_MS', DEFAULT_MAX_EVENT_AGE_MS, 1),
    // HTTP/1.1, the DynamoDB client's own handler, as the scorers' (scoring-from-env.ts).
    shardRangeOf: listedShardRanges(new KinesisClient({ ...clientConfig(env, 'KINESIS'), requestHandler: dynamodb.config.requestHandler })),
    logger: createLogger(name),
    metrics: createMetrics(name),
  };
}

function required(env: NodeJS.ProcessEnv, variable: string, what: string): string {
  const value = env[variable];
  if (!value) throw new ConfigurationError(`riskstream configuration: ${variable} is required: ${what}`);
  return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number): number {
  const text = env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigurationError(`riskstream configuration: ${variable} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}
