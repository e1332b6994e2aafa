import type { QuarantineMessage } from '../../shared/quarantine/quarantine';
import { recordKey } from './messages';

/**
 * The bookkeeping of one quarantine redrive, pure so it can be tested alone. A record is quarantined
 * once per delivery, so the queue may hold several messages of one record (same stream, shard and
 * sequence number): the record is replayed once, and every message of it that predates the replay is
 * deleted once the replay has settled it. A replay that still fails validation makes the function
 * quarantine the record again, with its new reason: that message is the one that stays.
 */

/** What became of a record this run. */
export type Settlement = 'replayed' | 'dropped' | 'failed';

/** What to do with a message just received. */
export type Admission =
  /** A record not seen yet this run: replay it (takePending). */
  | 'replay'
  /** Another message of a record waiting for its replay: it goes with that record's outcome. */
  | 'duplicate'
  /** An older message of a record already replayed or dropped this run: delete it now. */
  | 'delete'
  /** The message the replay itself produced (the record still fails, with this reason): it stays. */
  | 'requarantined'
  /** A message of a record whose replay failed this run: it stays for the next redrive. */
  | 'keep';

export interface PendingRecord<H> {
  readonly key: string;
  /** The first message received: the one replayed. */
  readonly message: QuarantineMessage;
  /** Every message of the record received so far (the first included). */
  readonly handles: H[];
}

export interface LedgerCounts {
  readonly messages: number;
  readonly records: number;
  readonly replayed: number;
  readonly dropped: number;
  readonly failed: number;
  /** Replayed records quarantined again by the function, with their new reasons. */
  readonly stillQuarantined: number;
  readonly reasons: Readonly<Record<string, number>>;
  /** Messages deleted besides one per replayed or dropped record. */
  readonly duplicatesDeleted: number;
}

export class QuarantineLedger<H> {
  private readonly pending = new Map<string, PendingRecord<H>>();
  private readonly settled = new Map<string, Settlement>();
  private readonly requarantined = new Set<string>();
  private readonly reasons: Record<string, number> = {};
  private messages = 0;
  private deletedDuplicates = 0;

  /** @param runStartedMs messages quarantined from this moment on can be the replays' own. */
  constructor(private readonly runStartedMs: number) {}

  admit(message: QuarantineMessage, handle: H): Admission {
    this.messages++;
    const key = recordKey(message);
    const pending = this.pending.get(key);
    if (pending) {
      pending.handles.push(handle);
      return 'duplicate';
    }
    const settlement = this.settled.get(key);
    if (settlement === undefined) {
      this.pending.set(key, { key, message, handles: [handle] });
      return 'replay';
    }
    if (settlement === 'failed') return 'keep';
    if (settlement === 'replayed' && Date.parse(message.quarantinedAt) >= this.runStartedMs && !this.requarantined.has(key)) {
      this.requarantined.add(key);
      this.reasons[message.reason] = (this.reasons[message.reason] ?? 0) + 1;
      return 'requarantined';
    }
    this.deletedDuplicates++;
    return 'delete';
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The records waiting for their replay; the caller settles each of them. */
  takePending(): Array<PendingRecord<H>> {
    const records = [...this.pending.values()];
    this.pending.clear();
    return records;
  }

  /** Records the outcome; returns the handles to delete (replayed or dropped) or to keep (failed). */
  settle(record: PendingRecord<H>, settlement: Settlement): { readonly remove: readonly H[]; readonly keep: readonly H[] } {
    this.settled.set(record.key, settlement);
    if (settlement === 'failed') return { remove: [], keep: record.handles };
    this.deletedDuplicates += record.handles.length - 1;
    return { remove: record.handles, keep: [] };
  }

  counts(): LedgerCounts {
    const of = (s: Settlement) => [...this.settled.values()].filter((v) => v === s).length;
    return {
      messages: this.messages,
      records: this.settled.size + this.pending.size,
      replayed: of('replayed'),
      dropped: of('dropped'),
      failed: of('failed'),
      stillQuarantined: this.requarantined.size,
      reasons: { ...this.reasons },
      duplicatesDeleted: this.deletedDuplicates,
    };
  }
}
