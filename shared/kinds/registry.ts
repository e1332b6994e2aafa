import type { AnyEnvelope, Validation } from '../domain/events';
import { typeName } from '../domain/events';
import type { AnyKindSpec } from './event-kind';
import { READINGS } from './reading';
import { TRANSACTIONS } from './transaction';

/** Every event kind riskstream takes, in the order mixed input is matched against them. */
export const KINDS: readonly AnyKindSpec[] = [TRANSACTIONS, READINGS] as unknown as readonly AnyKindSpec[];

export function kindNamed(name: string): AnyKindSpec {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`no event kind "${name}": the kinds are ${KINDS.map((k) => k.name).join(', ')}`);
  return kind;
}

/** The kind its stream carries (the name it has in the stack: `transactions`). */
export function kindOfStream(stream: string): AnyKindSpec {
  const kind = KINDS.find((k) => k.stream === stream);
  if (!kind) throw new Error(`no event kind is carried by a stream "${stream}"`);
  return kind;
}

/** The kind whose entities are of this type (a user's events are transactions). */
export function kindOfEntityType(type: string): AnyKindSpec {
  const kind = KINDS.find((k) => k.entityType === type);
  if (!kind) throw new Error(`no event kind follows entities of type "${type}"`);
  return kind;
}

/** The stream's name capitalised, as the stack's ids and outputs use it (`Transactions`: `ScoreTransactions`, `TransactionsDlq`). */
export function streamTitle(kind: AnyKindSpec): string {
  return `${kind.stream.charAt(0).toUpperCase()}${kind.stream.slice(1)}`;
}

/** The stack output that names a kind's stream (`TransactionsStreamName`). */
export function streamOutput(kind: AnyKindSpec): string {
  return `${streamTitle(kind)}StreamName`;
}

/** The environment variable that gives the sweep a kind's stream (`TRANSACTIONS_STREAM`), where its entities' control records go. */
export function streamVariable(kind: AnyKindSpec): string {
  return `${kind.stream.toUpperCase()}_STREAM`;
}

/** The kind a JSON object from mixed input is meant as (the first that claims it), if any. */
export function kindClaiming(input: unknown): AnyKindSpec | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  return KINDS.find((k) => k.claims(input as Record<string, unknown>));
}

/** For mixed input (the CLI): the event validated as the kind that claims it. */
export function validateAnyEvent(input: unknown): Validation<AnyEnvelope> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, reason: `expected a JSON object, got ${typeName(input)}` };
  const kind = kindClaiming(input);
  if (!kind) return { ok: false, reason: `unknown event kind: ${KINDS.map((k) => k.claimedBy).join(', ')}` };
  return kind.validate(input);
}
