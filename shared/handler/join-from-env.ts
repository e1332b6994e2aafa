import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBJoinStore } from '../adapters/dynamodb-joins';
import { SqsQuarantine } from '../adapters/sqs-quarantine';
import { clientConfig } from '../config/clients';
import { ConfigError, scoringConfigFromEnv } from '../config/env';
import { listedShardRanges } from '../kinesis/shard-ranges';
import { createLogger, createMetrics } from '../observability/telemetry';
import type { JoinHandlerDeps } from './join-handler';
import { DEFAULT_JOIN_WINDOW_MS } from '../domain/order-join';

/** Everything join-orders needs, built once per process from its environment (set by the CDK stack): a scorer's, and the join window. */
export function joinDepsFromEnv(defaultName: string, env: NodeJS.ProcessEnv = process.env): JoinHandlerDeps {
  const name = env['AWS_LAMBDA_FUNCTION_NAME'] || defaultName;
  const config = scoringConfigFromEnv(env);
  const windowMs = env['JOIN_WINDOW_MS'] === undefined ? DEFAULT_JOIN_WINDOW_MS : Number(env['JOIN_WINDOW_MS']);
  if (!Number.isInteger(windowMs) || windowMs <= 0)
    throw new ConfigError(`riskstream configuration: JOIN_WINDOW_MS must be a positive whole number of ms, got ${env['JOIN_WINDOW_MS']}`);
  const dynamodb = new DynamoDBClient(clientConfig(env, 'DYNAMODB'));
  return {
    name,
    store: new DynamoDBJoinStore(dynamodb, config.stateTable, config.alertsTable),
    quarantine: new SqsQuarantine(new SQSClient(clientConfig(env, 'SQS')), config.quarantineQueueUrl),
    windowMs,
    maxRecordBytes: config.maxRecordBytes,
    maxFutureSkewMs: config.maxFutureSkewMs,
    maxEventAgeMs: config.maxEventAgeMs,
    // HTTP/1.1, the DynamoDB client's own handler, as the scorers' (from-env.ts).
    shardRangeOf: listedShardRanges(new KinesisClient({ ...clientConfig(env, 'KINESIS'), requestHandler: dynamodb.config.requestHandler })),
    logger: createLogger(name),
    metrics: createMetrics(name),
  };
}
