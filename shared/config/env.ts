import * as z from 'zod';
import type { RulesConfig } from '../domain/rules-config';
import { parseRulesConfig } from '../domain/rules-config';
import { DEFAULT_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_RECORD_BYTES } from '../kinesis/records';
import { CommitMode } from '../state/store';

/** What a scoring function reads from its environment (set by the CDK stack, or by hand locally). */
const ScoringEnvSchema = z.object({
  STATE_TABLE: z.string().min(1, 'is required: the DynamoDB state table name'),
  ALERTS_TABLE: z.string().min(1, 'is required: the DynamoDB alert outbox table name'),
  QUARANTINE_QUEUE_URL: z.string().url('must be the URL of the SQS quarantine queue'),
  COMMIT_MODE: z.enum([CommitMode.conditional, CommitMode.singleWriter]).default(CommitMode.conditional),
  MAX_RECORD_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_RECORD_BYTES),
  MAX_FUTURE_SKEW_MS: z.coerce.number().int().nonnegative().default(DEFAULT_MAX_FUTURE_SKEW_MS),
  RULES_CONFIG: z.string().optional(),
});

export interface ScoringConfig {
  readonly stateTable: string;
  readonly alertsTable: string;
  readonly quarantineQueueUrl: string;
  readonly commitMode: CommitMode;
  readonly maxRecordBytes: number;
  readonly maxFutureSkewMs: number;
  readonly rules: RulesConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function scoringConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ScoringConfig {
  const parsed = ScoringEnvSchema.safeParse({ ...env, STATE_TABLE: env['STATE_TABLE'] ?? '', ALERTS_TABLE: env['ALERTS_TABLE'] ?? '', QUARANTINE_QUEUE_URL: env['QUARANTINE_QUEUE_URL'] ?? '' });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`riskstream configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  let rules: unknown = {};
  if (e.RULES_CONFIG) {
    try {
      rules = JSON.parse(e.RULES_CONFIG);
    } catch (error) {
      throw new ConfigError(`riskstream configuration: RULES_CONFIG is not valid JSON (${(error as Error).message})`);
    }
  }
  return {
    stateTable: e.STATE_TABLE,
    alertsTable: e.ALERTS_TABLE,
    quarantineQueueUrl: e.QUARANTINE_QUEUE_URL,
    commitMode: e.COMMIT_MODE,
    maxRecordBytes: e.MAX_RECORD_BYTES,
    maxFutureSkewMs: e.MAX_FUTURE_SKEW_MS,
    rules: parseRulesConfig(rules),
  };
}
