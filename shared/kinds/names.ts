/**
 * Each event kind's names, as data only: what the stack, the sweep and the stores key by. Code that
 * needs the names but not the kinds' validators and engines (the sweep's bundle) imports this, not
 * the registry; each kind's entry (transaction.ts, reading.ts) takes its names from here.
 */
export const KIND_NAMES = {
  transaction: { name: 'transaction', stream: 'transactions', entityType: 'user' },
  reading: { name: 'reading', stream: 'readings', entityType: 'device' },
} as const;

export type KindNames = (typeof KIND_NAMES)[keyof typeof KIND_NAMES];

/** In the registry's order. */
export const ALL_KIND_NAMES: readonly KindNames[] = [KIND_NAMES.transaction, KIND_NAMES.reading];

/** The stream's name capitalised, as the stack's ids and outputs use it (`Transactions`: `ScoreTransactions`, `TransactionsDlq`). */
export function streamTitle(kind: { readonly stream: string }): string {
  return `${kind.stream.charAt(0).toUpperCase()}${kind.stream.slice(1)}`;
}

/** The stack output that names a kind's stream (`TransactionsStreamName`). */
export function streamOutput(kind: { readonly stream: string }): string {
  return `${streamTitle(kind)}StreamName`;
}

/** The environment variable that gives the sweep a kind's stream (`TRANSACTIONS_STREAM`), where its entities' control records go. */
export function streamVariable(kind: { readonly stream: string }): string {
  return `${kind.stream.toUpperCase()}_STREAM`;
}
