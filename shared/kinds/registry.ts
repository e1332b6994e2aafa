import type { AnyEnvelope, Validation } from '../domain/events';
import { typeName } from '../domain/events';
import type { AnyKindSpec } from './event-kind';
import { READINGS } from './reading';
import { TRANSACTIONS } from './transaction';

export { streamOutput, streamTitle, streamVariable } from './names';

/**
 * Every event kind riskstream takes, in the order mixed input is matched against them: a new kind
 * is one more entry here (and its names in names.ts). The rules document's sections
 * (rules-config.ts) and the scorers (infra/constructs/scoring.ts) follow this list.
 */
const DECLARED = [TRANSACTIONS, READINGS] as const;

/** The kinds with each one's own types, for what is typed per kind (the rules document's sections). */
export type DeclaredKinds = typeof DECLARED;
/** The kinds as code that handles every kind alike sees them. */
export const KINDS: readonly AnyKindSpec[] = DECLARED as unknown as readonly AnyKindSpec[];

/** The kind of this name (an envelope's `kind`): looked up for every event a backtest compares. */
export function kindNamed(name: string): AnyKindSpec {
  const kind = BY_NAME.get(name);
  if (!kind) throw new Error(`no event kind "${name}": the kinds are ${KINDS.map((k) => k.name).join(', ')}`);
  return kind;
}

/** The kind its stream carries (the name it has in the stack: `transactions`). */
export function kindOfStream(stream: string): AnyKindSpec {
  const kind = BY_STREAM.get(stream);
  if (!kind) throw new Error(`no event kind is carried by a stream "${stream}"`);
  return kind;
}

/** The kind whose entities are of this type (a user's events are transactions). */
export function kindOfEntityType(type: string): AnyKindSpec {
  const kind = BY_ENTITY_TYPE.get(type);
  if (!kind) throw new Error(`no event kind follows entities of type "${type}"`);
  return kind;
}

const BY_NAME = new Map<string, AnyKindSpec>(KINDS.map((kind) => [kind.name, kind]));
const BY_STREAM = new Map<string, AnyKindSpec>(KINDS.map((kind) => [kind.stream, kind]));
const BY_ENTITY_TYPE = new Map<string, AnyKindSpec>(KINDS.map((kind) => [kind.entityType, kind]));

/**
 * The kind a JSON object from mixed input is meant as, if any: the kind one of whose distinctive
 * fields it has (names.ts), else the first whose looser `claims` takes it (a reading without its
 * temperature, to be told what it lacks).
 */
export function kindClaiming(input: unknown): AnyKindSpec | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const fields = input as Record<string, unknown>;
  return KINDS.find((k) => k.distinctiveFields.some((field) => field in fields)) ?? KINDS.find((k) => k.claims(fields));
}

/** For mixed input (the CLI): the event validated as the kind that claims it. */
export function validateAnyEvent(input: unknown): Validation<AnyEnvelope> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, reason: `expected a JSON object, got ${typeName(input)}` };
  const kind = kindClaiming(input);
  if (!kind) return { ok: false, reason: `unknown event kind: ${KINDS.map((k) => k.claimedBy).join(', ')}` };
  return kind.validate(input);
}
