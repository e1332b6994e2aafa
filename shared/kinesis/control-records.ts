/**
 * Control records: what the sweep and the CLI put into an entity's stream when time must pass for
 * it, or operators acted on its incidents, without an event. In the entity's stream, under its id
 * as the partition key, a control record reaches the entity's one writer in order with its events,
 * so nothing but the scorer ever writes an entity's item (the single-writer commits stay safe).
 *
 * It carries no instruction: the time it stands for is its arrival (set by Kinesis, not by whoever
 * put it), and the actions are read from the operators' item in the state table, which only
 * operators can write. A producer that puts one can make time pass no faster than it does.
 */
export const CONTROL_FIELD = 'riskstreamControl';

export interface ControlRecord {
  readonly [CONTROL_FIELD]: 'incidents';
  readonly entity: string;
}

export function controlRecord(entity: string): ControlRecord {
  return { [CONTROL_FIELD]: 'incidents', entity };
}

/**
 * The control record's entity; undefined for anything else. A control record holds its two fields
 * and nothing more: an event that carries them among its own (validators keep extra fields) is an
 * event, scored like any other, never taken for a control record and skipped.
 */
export function controlEntityOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !(CONTROL_FIELD in json) || Object.keys(json).length !== 2) return undefined;
  const { [CONTROL_FIELD]: kind, entity } = json as Record<string, unknown>;
  return kind === 'incidents' && typeof entity === 'string' && entity !== '' ? entity : undefined;
}
