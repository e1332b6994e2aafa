/**
 * What every event kind's validator makes of an event: an envelope with what the pipeline needs to
 * route it. Each kind's event shape and validator live with the kind (shared/kinds/transaction.ts,
 * reading.ts), built from the field checks of event-fields.ts.
 */
import type { EventKindName } from '../kinds/names';

export type { Validation } from './event-fields';
export { typeName } from './event-fields';

/** A validated event with what the pipeline needs to route it: its id, its entity and its event time. */
export interface Envelope<K extends EventKindName, T> {
  readonly kind: K;
  /** Idempotency key: the producer's id, never the Kinesis sequence number (a producer retry gets a new one). */
  readonly id: string;
  /** The entity whose windows the event follows (its kind's entity type: a user, a device). */
  readonly entity: string;
  /** Event time in epoch milliseconds. */
  readonly time: number;
  /**
   * When the stream accepted the record (epoch ms), if it came from one: the entity's watermark never
   * passes it, so a clock running ahead cannot make other events late. Absent offline (`score`).
   */
  readonly arrival?: number;
  readonly event: T;
}

/** An event of any kind, as code that handles every kind alike sees it. */
export type AnyEnvelope = Envelope<EventKindName, object>;
