import type { Validation } from '../domain/events';
import type { Field } from '../domain/event-fields';
import { id, letters, MAX_AMOUNT, number, string, timestamp, toMillis, trim, validateFields } from '../domain/event-fields';
import type { Decision, Transaction, TransactionEnvelope } from '../domain/fraud-rules';
import { Action, TransactionRulesSchema } from '../domain/fraud-rules';
import type { UserLast } from '../domain/transaction-engine';
import { transactionModel } from '../domain/transaction-engine';
import type { EventKindSpec } from './event-kind';
import { KIND_NAMES } from './names';

/**
 * Unknown extra fields are kept, so producers can add context without being rejected; a missing or
 * wrong-typed required field is rejected with a message that names the field, and every problem of
 * an event is reported. Written by hand rather than as zod schemas: validation runs for every record
 * of every batch, and zod/mini has no compiled fast path for objects (1.0 µs a record instead of
 * 5.0, BENCHMARKS.md).
 */
const TRANSACTION_FIELDS: readonly Field[] = [
  { name: 'transactionId', required: true, check: id, normalize: trim },
  { name: 'userId', required: true, check: id, normalize: trim },
  { name: 'cardId', required: false, check: string },
  { name: 'amount', required: true, check: number(0, MAX_AMOUNT, 'must not be negative') },
  { name: 'currency', required: false, check: letters(3, 'currency code') },
  { name: 'country', required: true, check: letters(2, 'country code'), normalize: (value: string) => value.toUpperCase() },
  { name: 'merchantCategory', required: false, check: string },
  { name: 'deviceId', required: false, check: string },
  { name: 'timestamp', required: true, check: timestamp },
];

export function validateTransaction(input: unknown): Validation<TransactionEnvelope> {
  const parsed = validateFields<Transaction>(TRANSACTION_FIELDS, input);
  if (!parsed.ok) return parsed;
  const txn = parsed.value;
  return {
    ok: true,
    value: { kind: 'transaction', id: txn.transactionId, entity: txn.userId, time: toMillis(txn.timestamp), event: txn },
  };
}

const actionOf = (decision: Decision): string => decision.action;

/** Payments: scored for fraud per user; every decision is stored, queryable by transaction id. */
export const TRANSACTIONS: EventKindSpec<TransactionEnvelope, UserLast, Decision, typeof TransactionRulesSchema> = {
  ...KIND_NAMES.transaction,
  rulesSchema: TransactionRulesSchema,
  claims: () => false,
  claimedBy: 'a transaction needs "transactionId"',
  validate: validateTransaction,
  scoring: (rules, rulesVersion) => ({
    entityType: KIND_NAMES.transaction.entityType,
    model: transactionModel(rules),
    recordOf: (_txn, decision) => decision,
    outcome: actionOf,
    shadowOf: (_txn, { action, riskScore, reasons }) => ({ action, riskScore, reasons }),
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
  }),
  outcome: actionOf,
  outcomes: [Action.approve, Action.manualReview, Action.block],
  judgement: ({ action, riskScore, reasons }) => ({ outcome: action, riskScore, reasons }),
  storedJudgement: ({ action, riskScore, reasons }) => ({
    outcome: String(action),
    ...(typeof riskScore === 'number' ? { riskScore } : {}),
    reasons: (reasons ?? []) as Decision['reasons'],
  }),
  present: ({ transactionId, riskScore, action, reasons, late }) => ({
    transactionId,
    riskScore,
    action,
    reasons,
    ...(late ? { late } : {}),
  }),
};
