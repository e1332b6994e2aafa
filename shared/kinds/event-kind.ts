import type * as z from 'zod/mini';
import type { AnyEnvelope, Validation } from '../domain/events';
import type { ScoringKind } from '../pipeline/score-batch';
import type { EntityType } from '../state/store';
import type { AlertKindName, KindNames } from './names';

/** One side of a judgement as people read it: the outcome, and the rules that fired with what they found. */
export interface JudgementParts {
  readonly outcome: string;
  readonly riskScore?: number;
  readonly reasons: ReadonlyArray<{ readonly rule: string; readonly detail: string }>;
}

/**
 * Everything the rest of riskstream needs to know of one event kind, in one place: how an event is
 * recognised and validated, which stream carries it and what it is partitioned by, which entity its
 * windows follow, how its scorer judges it, and how a judgement reads. The functions, `score`,
 * `produce`, the backtest and the reports go through the registry (registry.ts), not through the
 * kinds by name.
 */
export interface EventKindSpec<E extends AnyEnvelope, Last, R, S extends RulesSchema = RulesSchema> {
  readonly name: E['kind'];
  /** The stream its producers put to: also its scorer's name (`score-<stream>`) and its section in the deploy configuration. */
  readonly stream: KindNames['stream'];
  /** The entity whose windows its events follow: the envelope's `entity`, and the stream's partition key. */
  readonly entityType: EntityType;
  /** The event field that names the entity (what a producer partitions by). */
  readonly entityField: KindNames['entityField'];
  /** Fields only its events have (names.ts): mixed input with one of them is one of its events. */
  readonly distinctiveFields: readonly string[];
  /** What its alerts are (`fraud`), and its stored record's key prefix, item type and id attribute (names.ts). */
  readonly alertKind: AlertKindName;
  readonly record: KindNames['record'];
  /** Its section of the rules document (named as its stream: `transactions`), every field with a default. */
  readonly rulesSchema: S;
  /**
   * Whether a JSON object from mixed input (a file, stdin) that has no kind's distinctive field
   * (names.ts) is meant as one of this kind's events anyway: `() => false` for most kinds.
   */
  claims(input: Readonly<Record<string, unknown>>): boolean;
  /** What makes an event one of this kind's, as the error for input no kind claims says it. */
  readonly claimedBy: string;
  validate(input: unknown): Validation<E>;
  /** How its scorer judges with one rules version: its own section of that version's rules document. */
  scoring(rules: z.output<S>, rulesVersion?: number): ScoringKind<E, Last, R>;
  /** The outcome alone (an action, a status): read for every event of a backtest. */
  outcome(result: R): string;
  /**
   * Every outcome, from the one that leaves the event alone (approve, ok) to the one that acts most
   * (block, critical): a candidate's shadow judgement is stricter or looser by this order, and an
   * event is flagged (for precision and recall) unless its outcome is the first.
   */
  readonly outcomes: readonly [string, ...string[]];
  judgement(result: R): JudgementParts;
  /**
   * A judgement as a stored record keeps it: the record's attributes for the live rules', its
   * `shadow` attribute for the candidate's (see ScoringKind's `recordOf` and `shadowOf`).
   */
  storedJudgement(attributes: Readonly<Record<string, unknown>>): JudgementParts;
  /** What `riskstream score` prints for a judged event: the seed's shape. */
  present(result: R): unknown;
}

/** A kind seen from code that handles every kind alike. */
export type AnyKindSpec = EventKindSpec<AnyEnvelope, unknown, unknown>;

/** A kind's rules section as its schema parses it. */
export type RulesSchema = z.core.$ZodType<object>;
