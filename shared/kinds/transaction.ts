import type { TransactionEnvelope } from '../domain/events';
import { validateTransaction } from '../domain/events';
import type { Decision } from '../domain/fraud-rules';
import type { UserLast } from '../domain/transaction-engine';
import { transactionModel } from '../domain/transaction-engine';
import { EntityType } from '../state/store';
import type { EventKindSpec } from './event-kind';

/** Payments: scored for fraud per user; every decision is stored, queryable by transaction id. */
export const TRANSACTIONS: EventKindSpec<TransactionEnvelope, UserLast, Decision> = {
  name: 'transaction',
  stream: 'transactions',
  entityType: EntityType.user,
  entityField: 'userId',
  rulesSection: 'transactions',
  claims: (input) => 'transactionId' in input,
  claimedBy: 'a transaction needs "transactionId"',
  validate: validateTransaction,
  scoring: (rules, rulesVersion) => ({
    entityType: EntityType.user,
    model: transactionModel(rules.transactions),
    recordOf: (_txn, decision) => decision,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
  }),
  outcome: (decision) => decision.action,
  judgement: ({ action, riskScore, reasons }) => ({ outcome: action, riskScore, reasons }),
  present: ({ transactionId, riskScore, action, reasons, late }) => ({
    transactionId,
    riskScore,
    action,
    reasons,
    ...(late ? { late } : {}),
  }),
};
