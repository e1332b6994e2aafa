import type { ReadingEnvelope, TransactionEnvelope } from '../domain/events';
import type { Decision } from '../domain/fraud-rules';
import type { DeviceLast } from '../domain/reading-engine';
import { readingModel } from '../domain/reading-engine';
import type { RulesConfig } from '../domain/rules-config';
import type { ReadingResult } from '../domain/sensor-rules';
import type { UserLast } from '../domain/transaction-engine';
import { transactionModel } from '../domain/transaction-engine';
import { EntityType } from '../state/store';
import type { ScoringKind } from './score-batch';

export type TransactionKind = ScoringKind<TransactionEnvelope, UserLast, Decision>;
export type ReadingKind = ScoringKind<ReadingEnvelope, DeviceLast, ReadingResult>;

/** Transactions follow their user; every decision is stored, queryable by transaction id. */
export function transactionKind(rules: RulesConfig, rulesVersion?: number): TransactionKind {
  return {
    entityType: EntityType.user,
    model: transactionModel(rules.transactions),
    recordOf: (_txn, decision) => decision,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
  };
}

/**
 * Readings follow their device. Each reading's status is stored for as long as its device's item
 * (that is what recognises it when it comes again); the device's window aggregates hold the
 * figures and the outbox holds every non-ok reading.
 */
export function readingKind(rules: RulesConfig, rulesVersion?: number): ReadingKind {
  return {
    entityType: EntityType.device,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
    model: readingModel(rules.readings),
    recordOf: (reading, result) => ({
      readingId: reading.id,
      deviceId: reading.entity,
      eventTime: result.eventTime,
      status: result.status,
    }),
  };
}
