import type { TransactionEnvelope } from '../domain/events';
import { validateTransaction } from '../domain/events';
import type { Decision } from '../domain/fraud-rules';
import type { UserLast } from '../domain/transaction-engine';
import { transactionModel } from '../domain/transaction-engine';
import type { EventKindSpec } from './event-kind';
import { KIND_NAMES } from './names';

/** Payments: scored for fraud per user; every decision is stored, queryable by transaction id. */
export const TRANSACTIONS: EventKindSpec<TransactionEnvelope, UserLast, Decision> = {
  ...KIND_NAMES.transaction,
  rulesSection: 'transactions',
  claims: (input) => 'transactionId' in input,
  claimedBy: 'a transaction needs "transactionId"',
  validate: validateTransaction,
  scoring: (rules, rulesVersion) => ({
    entityType: KIND_NAMES.transaction.entityType,
    model: transactionModel(rules.transactions),
    recordOf: (_txn, decision) => decision,
    shadowOf: (_txn, { action, riskScore, reasons }) => ({ action, riskScore, reasons }),
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
  }),
  outcome: (decision) => decision.action,
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
