import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { chunk } from '../../shared/adapters/batching';
import type { StoredEntity } from '../../shared/adapters/dynamodb-items';
import { decisionKey, entityKey, entityStateOf, joinKey, KEY, projectionOf } from '../../shared/adapters/dynamodb-items';
import type { Incident } from '../../shared/domain/incidents';
import type { JoinOutcome } from '../../shared/domain/order-join';
import type { EntityType } from '../../shared/state/store';
import type { Verdict } from '../../shared/domain/labels';
import type { RulesQuality } from '../backtest/rule-quality';
import { isFlagged, RuleQualityCounter } from '../backtest/rule-quality';
import type { LabelledEvent } from '../traffic/generator';
import { kindNamed } from '../../shared/kinds/registry';
import type { OrderOutcomes } from './order-outcomes';
import { countOrderOutcomes } from './order-outcomes';

/** One entity's last window (the panes of the `windowMs` before its latest event), as its state item holds it. */
export interface WindowFigure {
  readonly entity: string;
  /** Window start, epoch ms. */
  readonly start: number;
  readonly count: number;
  readonly sum: number;
}

/** An open incident as the page lists it. */
export interface OpenIncidentFigure {
  readonly entity: string;
  readonly cause: string;
  readonly severity: string;
  readonly events: number;
  readonly openedAt: number;
  readonly acknowledged: boolean;
}

export interface StateFigures {
  readonly decisionsByAction: Record<string, number>;
  /** The entities whose last window saw the most events, most first. */
  readonly busiestWindows: readonly WindowFigure[];
  /** The open incidents of the entities the run put events for, worst and oldest first. */
  readonly openIncidents: readonly OpenIncidentFigure[];
  /** Each rule's precision on the decisions analysts gave a verdict (`riskstream label`). */
  readonly ruleQuality: RulesQuality;
  /** The orders the run put, by their join's outcome (`order#` items), and those still waiting. */
  readonly orders: OrderOutcomes;
  /** When the read finished, and how long it took (ms). */
  readonly readAt: number;
  readonly tookMs: number;
}

const GET_LIMIT = 100;
/** What the page shows of a decision and of an entity: not the recent ids or last-seen facts, the bulk of a busy item. */
const READ = [
  KEY,
  'itemType',
  'action',
  'reasons',
  'transactionId',
  'entityType',
  'entityId',
  'watermark',
  'panes',
  'incidents',
  'orderId',
  'outcome',
];
/** How long after its put an event's entity item may still change (the event not scored yet). */
const SCORING_LAG_MS = 30_000;
const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1 };

/**
 * What the state table holds about the events a run put, read by key: each transaction's decision
 * once (until it is found), and the items of the entities that had events since the last read. No
 * Scan: a scan reads the whole table, which grows all run long, and on moto each 1 MB page walks
 * the table from its start again, so a scan every few seconds took 29 s by the third minute and
 * held every request of the pipeline up behind it (put → alert p95 3.3 s instead of 0.45 s).
 */
export class StateReader {
  /** Each decision read: its action and the rules that fired, by transaction id. */
  private readonly decisions = new Map<string, { readonly action: string; readonly rules: readonly string[] }>();
  /** Transactions put whose decision has not been read yet, by id. */
  private readonly undecided = new Map<string, { readonly userId: string; readonly transactionId: string }>();
  /** Entities by key (`user#u1`), with when an event for them was last put. */
  private readonly active = new Map<string, { readonly type: EntityType; readonly id: string; lastPutAt: number }>();
  private readonly entities = new Map<string, StoredEntity<unknown>>();
  /** Every order put (by id), and the outcome of those whose join is final: read again until it is. */
  private readonly orderIds = new Set<string>();
  private readonly orderOutcomes = new Map<string, JoinOutcome>();
  private lastReadAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly table: string,
    private readonly options: {
      readonly windowMs: number;
      readonly top?: number;
      /** The analysts' verdicts, read again each round (few, and a person adds them while the run goes on). */
      readonly verdicts?: () => Promise<ReadonlyMap<string, Verdict>>;
    },
  ) {}

  /** Events put since the last call: their decisions and entities are read from now on. */
  track(events: readonly LabelledEvent[], putAt: number): void {
    for (const e of events) {
      if (e.kind === 'order') {
        this.orderIds.add(e.partitionKey);
        continue;
      }
      const type: EntityType = kindNamed(e.kind).entityType;
      const key = `${type}#${e.partitionKey}`;
      const entry = this.active.get(key);
      if (entry) entry.lastPutAt = putAt;
      else this.active.set(key, { type, id: e.partitionKey, lastPutAt: putAt });
      if (e.kind === 'transaction') this.undecided.set(e.id, { userId: e.partitionKey, transactionId: e.id });
    }
  }

  /**
   * One round of reads (consistent): the decisions not found yet, the items of entities that had
   * events since the last round, and the joins of the orders without an outcome yet.
   */
  async read(now = Date.now()): Promise<StateFigures> {
    const started = Date.now();
    // An entity's item changes only when its events are scored: read the ones with events put since
    // shortly before the last read (the scorers' lag), not every entity of the window each time.
    const since = this.lastReadAt - SCORING_LAG_MS;
    this.lastReadAt = now;
    const entityKeys = [...this.active.values()].filter((e) => e.lastPutAt >= since).map((e) => entityKey(e.type, e.id));
    const decisionKeys = [...this.undecided.values()].map((t) => decisionKey(t.userId, t.transactionId));
    const joinKeys = [...this.orderIds].filter((id) => !this.orderOutcomes.has(id)).map((id) => joinKey(id));
    for (const item of await this.batchGet([...decisionKeys, ...entityKeys, ...joinKeys])) {
      if (item['orderId'] !== undefined) {
        if (item['outcome'] !== undefined) this.orderOutcomes.set(String(item['orderId']), item['outcome'] as JoinOutcome);
      } else if (item['itemType'] === 'decision') {
        const reasons = (item['reasons'] ?? []) as ReadonlyArray<{ readonly rule: string }>;
        this.decisions.set(String(item['transactionId']), { action: String(item['action']), rules: reasons.map((r) => r.rule) });
        this.undecided.delete(String(item['transactionId']));
      } else if (item['entityId'] !== undefined) {
        this.entities.set(String(item[KEY]), item as unknown as StoredEntity<unknown>);
      }
    }
    const decisionsByAction: Record<string, number> = {};
    for (const { action } of this.decisions.values()) decisionsByAction[action] = (decisionsByAction[action] ?? 0) + 1;
    return {
      decisionsByAction,
      ruleQuality: await this.ruleQuality(),
      orders: countOrderOutcomes(this.orderIds, this.orderOutcomes),
      busiestWindows: this.busiest(now),
      openIncidents: this.openIncidents(),
      readAt: Date.now(),
      tookMs: Date.now() - started,
    };
  }

  private async ruleQuality(): Promise<RulesQuality> {
    const counter = new RuleQualityCounter();
    const verdicts = (await this.options.verdicts?.()) ?? new Map<string, Verdict>();
    for (const [id, verdict] of verdicts) {
      const decision = this.decisions.get(id);
      if (decision) counter.add(verdict, decision.rules, isFlagged(decision.action));
    }
    return counter.report();
  }

  private busiest(now: number): WindowFigure[] {
    const windows: WindowFigure[] = [];
    for (const item of this.entities.values()) {
      // The entity's last window: the one that ends at its latest event.
      const since = (item.watermark ?? now) - this.options.windowMs;
      let count = 0;
      let sum = 0;
      for (const [start, pane] of Object.entries(item.panes ?? {})) {
        if (Number(start) < since) continue;
        count += pane.count;
        sum += pane.sum;
      }
      if (count > 0) windows.push({ entity: `${item.entityType} ${item.entityId}`, start: since, count, sum });
    }
    windows.sort((a, b) => b.count - a.count || b.sum - a.sum || a.entity.localeCompare(b.entity));
    return windows.slice(0, this.options.top ?? 8);
  }

  private openIncidents(): OpenIncidentFigure[] {
    const open: OpenIncidentFigure[] = [];
    for (const item of this.entities.values()) {
      const incidents: Readonly<Record<string, Incident>> = entityStateOf(item).incidents ?? {};
      for (const incident of Object.values(incidents)) {
        open.push({
          entity: `${item.entityType} ${item.entityId}`,
          cause: incident.cause,
          severity: incident.severity,
          events: incident.events,
          openedAt: incident.openedAt,
          acknowledged: incident.acknowledgedAt !== undefined,
        });
      }
    }
    return open.sort((a, b) => (SEVERITY_RANK[a.severity] ?? 2) - (SEVERITY_RANK[b.severity] ?? 2) || a.openedAt - b.openedAt);
  }

  private async batchGet(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<Array<Record<string, unknown>>> {
    const found: Array<Record<string, unknown>> = [];
    for (const part of chunk(keys, GET_LIMIT)) {
      let pending: ReadonlyArray<Record<string, AttributeValue>> = part;
      while (pending.length > 0) {
        const response = await this.dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: [...pending], ConsistentRead: true, ...projectionOf(READ) } } }),
        );
        found.push(...(response.Responses?.[this.table] ?? []).map((i) => unmarshall(i)));
        pending = response.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }
}
