import { ConfigError, scoringConfigFromEnv } from '../../../shared/config/env';
import { DEFAULT_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_RECORD_BYTES } from '../../../shared/kinesis/records';

const REQUIRED = {
  EVENT_KIND: 'transaction',
  STATE_TABLE: 'riskstream-state',
  ALERTS_TABLE: 'riskstream-alerts',
  QUARANTINE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/riskstream-quarantine',
};

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    scoringConfigFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected scoringConfigFromEnv to reject ${JSON.stringify(env)}`);
}

describe('scoringConfigFromEnv', () => {
  it('fills in the defaults around the required names', () => {
    // Arrange
    const env = { ...REQUIRED };

    // Act
    const config = scoringConfigFromEnv(env);

    // Assert
    expect(config).toMatchObject({
      stateTable: 'riskstream-state',
      alertsTable: 'riskstream-alerts',
      quarantineQueueUrl: REQUIRED.QUARANTINE_QUEUE_URL,
      eventKind: 'transaction',
      commitMode: 'conditional',
      maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
      maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS,
    });
    expect(config.rules.transactions.window).toBe(5 * 60_000);
  });

  it('reads numbers from their strings and the rules from RULES_CONFIG', () => {
    // Arrange
    const env = {
      ...REQUIRED,
      COMMIT_MODE: 'single-writer',
      MAX_RECORD_BYTES: '1024',
      MAX_FUTURE_SKEW_MS: '0',
      RULES_CONFIG: '{"transactions":{"window":"2m"}}',
    };

    // Act
    const config = scoringConfigFromEnv(env);

    // Assert
    expect(config).toMatchObject({ commitMode: 'single-writer', maxRecordBytes: 1024, maxFutureSkewMs: 0 });
    expect(config.rules.transactions.window).toBe(2 * 60_000);
  });

  it('names every missing or bad variable, in our words or classic zod English', () => {
    // Arrange
    const env = {
      EVENT_KIND: 'order',
      QUARANTINE_QUEUE_URL: 'not a url',
      COMMIT_MODE: 'fast',
      MAX_RECORD_BYTES: '1.5',
      MAX_FUTURE_SKEW_MS: '-1',
    };

    // Act
    const error = configErrorOf(env);

    // Assert
    expect(error.message).toBe(
      'riskstream configuration: EVENT_KIND must name the event kind the function scores: transaction or reading; ' +
        'STATE_TABLE is required: the DynamoDB state table name; ' +
        'ALERTS_TABLE is required: the DynamoDB alert outbox table name; ' +
        'QUARANTINE_QUEUE_URL must be the URL of the SQS quarantine queue; ' +
        'COMMIT_MODE Invalid option: expected one of "conditional"|"single-writer"; ' +
        'MAX_RECORD_BYTES Invalid input: expected int, received number; ' +
        'MAX_FUTURE_SKEW_MS Too small: expected number to be >=0',
    );
  });

  it('rejects RULES_CONFIG that is not JSON', () => {
    // Arrange
    const env = { ...REQUIRED, RULES_CONFIG: '{' };

    // Act
    const error = configErrorOf(env);

    // Assert
    expect(error.message).toMatch(/^riskstream configuration: RULES_CONFIG is not valid JSON/);
  });
});
