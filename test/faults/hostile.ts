import type { LabelledEvent } from '../../local/traffic/generator';

/**
 * What a hostile or unlucky producer does to a ledger's events (issue: trust under hostile input),
 * as pure functions of the events and a seeded RNG, so the reference can be computed from the result.
 */
export interface HostileOptions {
  /** Share of the transactions moved to one user (`<tag>-hot`): one hot entity. */
  readonly hotShare?: number;
  /**
   * Share of the events dated ahead of their time by up to 14 minutes (the decoder allows 15 from
   * arrival). An entity's last event may be dated past the moment it is put (a clock ahead of
   * arrival); any other stays before it, so the windows a reference computes do not depend on when
   * Kinesis accepted each record.
   */
  readonly skewRate?: number;
  /**
   * Share of the events dated `byMs` before their entity's latest earlier event: late for sure when
   * `byMs` passes the window and its allowed lateness.
   */
  readonly backdate?: { readonly rate: number; readonly byMs: number };
}

const MINUTE = 60_000;
const MAX_SKEW = 14 * MINUTE;

export function hostileEvents(
  events: readonly LabelledEvent[],
  options: HostileOptions & { readonly tag: string; readonly now: number },
  random: () => number,
): LabelledEvent[] {
  let out = events.map((e) => (e.kind === 'transaction' && random() < (options.hotShare ?? 0) ? toUser(e, `${options.tag}-hot`) : e));
  const lastOf = new Map(out.map((e, i) => [entityOf(e), i]));
  const ids = new Set(out.map((e) => e.id));
  const latest = new Map<string, number>();
  out = out.map((event, i) => {
    const entity = entityOf(event);
    const time = timeOf(event);
    let moved = time;
    const draw = random();
    if (draw < (options.skewRate ?? 0)) {
      const ahead = time + 1 + Math.floor(random() * MAX_SKEW);
      moved = lastOf.get(entity) === i ? ahead : Math.min(ahead, options.now - MINUTE);
    } else if (options.backdate && draw < (options.skewRate ?? 0) + options.backdate.rate && latest.has(entity)) {
      moved = (latest.get(entity) as number) - options.backdate.byMs;
    }
    const result = moved === time ? event : retimed(event, moved);
    if (result.id !== event.id && ids.has(result.id)) return event; // a reading retimed onto another of its device's instants
    ids.add(result.id);
    latest.set(entity, Math.max(latest.get(entity) ?? -Infinity, timeOf(result)));
    return result;
  });
  return out;
}

/** A resend of a transaction with another timestamp (up to 2 minutes either way): the same event by its id. */
export function restamped(event: LabelledEvent, random: () => number): LabelledEvent {
  const shift = (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 2 * MINUTE));
  return { ...event, event: { ...event.event, timestamp: new Date(timeOf(event) + shift).toISOString() } };
}

export function entityOf(event: LabelledEvent): string {
  return String(event.kind === 'transaction' ? event.event['userId'] : event.event['deviceId']);
}

export function timeOf(event: LabelledEvent): number {
  return Date.parse(String(event.event['timestamp']));
}

function toUser(event: LabelledEvent, userId: string): LabelledEvent {
  return { ...event, partitionKey: userId, event: { ...event.event, userId } };
}

/** The event at another time; a reading's id is its device and time, so it changes too. */
function retimed(event: LabelledEvent, time: number): LabelledEvent {
  const timestamp = new Date(time).toISOString();
  if (event.kind === 'transaction') return { ...event, event: { ...event.event, timestamp } };
  return { ...event, id: `${String(event.event['deviceId'])}@${timestamp}`, event: { ...event.event, timestamp } };
}
