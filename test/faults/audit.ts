import { REJECTED_ALERT } from '../../shared/alerting/rejected-alerts';
import type { Alert } from '../../shared/domain/alerts';
import type { Ledger } from './ledger';
import { ledgerCounts } from './ledger';
import type { Reference } from './reference';

/**
 * Holds what the system stored and sent against the ledger: the ledger line of one case.
 *
 * - windows: every distinct event counted once in the pane it belongs to (the windows rules read
 *   are sums of panes), unless it came after that pane closed, with the aggregates of the reference;
 * - decisions: one per distinct transaction, as the fault-free run decided it (late ones say so);
 * - readings: one stored status per distinct reading;
 * - joins: one item per order of the ledger, at the outcome its sides decide (or waiting);
 * - alerts: exactly the fault-free run's alert ids stored, each delivered at least once to the
 *   SQS subscriber of the alerts topic (repeats are allowed: delivery is at least once), or
 *   refused by SNS as the sender's fault and on publish-alerts' DLQ with its reason;
 * - quarantine: every poison record there with the reason its kind calls for, no valid record
 *   there (repeats after a replay are counted, not failed: each is one delivery of the record);
 * - the on-failure destinations (DLQs) empty: a record there was skipped.
 */
export interface Observed {
  /** The state table's items (unmarshalled). */
  readonly state: ReadonlyArray<Record<string, unknown>>;
  /** The outbox table's items. */
  readonly alerts: ReadonlyArray<Record<string, unknown>>;
  /** Every alert the subscriber received (SNS notification's Message, parsed), repeats included. */
  readonly delivered: readonly Alert[];
  /** Every quarantine message body. */
  readonly quarantined: ReadonlyArray<Record<string, unknown>>;
  /** Every on-failure destination message (all DLQs). */
  readonly skipped: ReadonlyArray<Record<string, unknown>>;
}

export interface LedgerLine {
  readonly name: string;
  /** Records put: events, producer duplicates and poison. */
  readonly recordsIn: number;
  readonly distinctEvents: number;
  /** Distinct events found counted in their window. */
  readonly counted: number;
  /** Distinct events that came after their window closed (the reference's): judged, never counted. */
  readonly late: number;
  /** Valid records put minus what the windows counted: the producer's duplicates, if all is well. */
  readonly duplicatesDropped: number;
  readonly duplicatesPut: number;
  /** Poison records found in the quarantine with their reason. */
  readonly quarantined: number;
  readonly poisonPut: number;
  readonly alertsExpected: number;
  readonly alertsStored: number;
  /** Distinct alert ids the subscriber received. */
  readonly alertsDelivered: number;
  /** Stored alerts SNS refused as the sender's fault, found on publish-alerts' DLQ (and never delivered). */
  readonly alertsRejected: number;
  /** Orders' joins: the ones the ledger's sides decide or leave waiting, and the ones stored exactly so. */
  readonly joins: { readonly expected: number; readonly matched: number };
  /** Of the alerts: incident notifications (transitions), expected by the reference, stored, and delivered (distinct). */
  readonly notifications: { readonly expected: number; readonly stored: number; readonly delivered: number };
  readonly lost: number;
  readonly double: number;
  /** Deliveries beyond the first: alerts and quarantine messages sent again (at least once, by design). */
  readonly repeats: { readonly alerts: number; readonly quarantine: number };
  /** Every discrepancy, described (empty when the line is clean). */
  readonly problems: readonly string[];
}

interface Pane {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export function audit(name: string, ledger: Ledger, reference: Reference, observed: Observed): LedgerLine {
  const mine = (entityId: unknown) => String(entityId).startsWith(`${ledger.tag}-`);
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };

  // Windows.
  const stored = new Map<string, Pane>();
  for (const item of observed.state) {
    if ((item['entityType'] !== 'user' && item['entityType'] !== 'device') || !mine(item['entityId'])) continue;
    for (const [start, pane] of Object.entries((item['panes'] ?? {}) as Record<string, Pane>))
      stored.set(`${String(item['entityId'])}@${start}`, pane);
  }
  // A pane keeps counts, not ids: a window counting fewer events than the ledger has lost some, more
  // counted some twice. A loss and a double in one window would cancel out in the count, never in the
  // sum of the ledger's random amounts: any window whose figures differ is a problem of its own.
  let counted = 0;
  let lostEvents = 0;
  let doubleEvents = 0;
  let storedCount = 0;
  for (const [key, want] of reference.windows) {
    const gotCount = stored.get(key)?.count ?? 0;
    counted += Math.min(gotCount, want.count);
    if (gotCount < want.count) {
      lostEvents += want.count - gotCount;
      problem(`window ${key}: ${want.count - gotCount} of its ${want.count} events not counted`);
    }
  }
  for (const [key, got] of stored) {
    storedCount += got.count;
    const want = reference.windows.get(key);
    if (got.count > (want?.count ?? 0)) {
      doubleEvents += got.count - (want?.count ?? 0);
      problem(`window ${key}: counts ${got.count} events, the ledger has ${want?.count ?? 0}`);
    } else if (want && got.count === want.count && !sameFigures(got, want)) {
      problem(`window ${key}: sum/min/max ${got.sum}/${got.min}/${got.max}, expected ${want.sum}/${want.min}/${want.max}`);
    }
  }

  // Decisions.
  const decisions = observed.state.filter(
    (i) => i['itemType'] === 'decision' && String(i['transactionId']).startsWith(`txn-${ledger.tag}-`),
  );
  const decided = new Set<string>();
  let extraDecisions = 0;
  for (const d of decisions) {
    const id = String(d['transactionId']);
    decided.add(id);
    const want = reference.decisions.get(id);
    if (!want) {
      extraDecisions++;
      problem(`decision ${id} stored for no event of the ledger`);
    } else if (want.action !== d['action'] || want.riskScore !== d['riskScore'] || (want.late ?? false) !== (d['late'] ?? false)) {
      problem(
        `decision ${id}: ${String(d['action'])} ${String(d['riskScore'])}${d['late'] ? ' late' : ''}, the fault-free run decided ${want.action} ${want.riskScore}${want.late ? ' late' : ''}`,
      );
    }
  }
  const lostDecisions = [...reference.decisions.keys()].filter((id) => !decided.has(id)).length;
  if (lostDecisions > 0) problem(`${lostDecisions} transactions have no stored decision`);

  // Readings' statuses: one record per distinct reading, as decisions are for transactions.
  const readingRecords = new Set(
    observed.state.filter((i) => i['itemType'] === 'reading' && mine(i['deviceId'])).map((i) => String(i['readingId'])),
  );
  const readings = ledger.events.filter((e) => e.kind === 'reading').length;
  const lostReadings = Math.max(0, readings - readingRecords.size);
  if (readingRecords.size !== readings) problem(`${readingRecords.size} reading statuses stored for ${readings} distinct readings`);

  // Joins: one item per order, at the outcome its sides decide (or waiting), never a second outcome.
  const joinItems = new Map(
    observed.state.filter((i) => i['entityType'] === 'order' && mine(i['orderId'])).map((i) => [String(i['orderId']), i]),
  );
  let joinsMatched = 0;
  let lostJoins = 0;
  for (const [orderId, want] of reference.joins) {
    const item = joinItems.get(orderId);
    const got = item?.['outcome'] as string | undefined;
    if (item !== undefined && got === want) joinsMatched++;
    else {
      lostJoins++;
      problem(`order ${orderId}: ${item ? (got ?? 'waiting') : 'no join stored'}, its sides decide ${want ?? 'waiting'}`);
    }
  }
  const extraJoins = [...joinItems.keys()].filter((id) => !reference.joins.has(id)).length;
  if (extraJoins > 0) problem(`${extraJoins} joins stored for no order of the ledger`);

  // Alerts: stored exactly as the fault-free run, each delivered at least once.
  const storedAlerts = new Set(observed.alerts.filter((a) => mine(a['entityId'])).map((a) => String(a['alertId'])));
  const deliveries = observed.delivered.filter((a) => mine(a.entity?.id));
  const delivered = new Set(deliveries.map((a) => a.alertId));
  const lostAlerts = [...reference.alerts.keys()].filter((id) => !storedAlerts.has(id));
  const spurious = [...storedAlerts].filter((id) => !reference.alerts.has(id));
  // An alert SNS refused as the sender's fault is on publish-alerts' DLQ with its reason, not lost.
  const rejected = new Set(
    observed.skipped.flatMap((m) => {
      const alert = m[REJECTED_ALERT] as { alertId?: string } | undefined;
      return alert?.alertId !== undefined && storedAlerts.has(alert.alertId) && !delivered.has(alert.alertId) ? [alert.alertId] : [];
    }),
  );
  const undelivered = [...storedAlerts].filter((id) => !delivered.has(id) && !rejected.has(id));
  const phantom = [...delivered].filter((id) => !storedAlerts.has(id));
  if (lostAlerts.length > 0)
    problem(
      `${lostAlerts.length} alerts of the fault-free run not stored, e.g. ${describeAlert(reference.alerts.get(lostAlerts[0] ?? ''))}`,
    );
  if (spurious.length > 0) problem(`${spurious.length} alerts stored that the fault-free run does not make, e.g. ${spurious[0]}`);
  if (undelivered.length > 0) problem(`${undelivered.length} stored alerts never reached the subscriber, e.g. ${undelivered[0]}`);
  if (phantom.length > 0) problem(`${phantom.length} alerts delivered that are not stored, e.g. ${phantom[0]}`);

  // Quarantine.
  const poison = new Map(ledger.records.filter((r) => r.poison).map((r) => [r.poison?.sha256 ?? '', r]));
  const quarantinedOnce = new Set<string>();
  let quarantineMessages = 0;
  let validQuarantined = 0;
  for (const message of observed.quarantined) {
    const sha = String(message['sha256'] ?? '');
    const record = poison.get(sha);
    if (record) {
      quarantineMessages++;
      if (!record.poison?.reason.test(String(message['reason'])))
        problem(`poison record (${record.poison?.kind}) quarantined with reason "${String(message['reason'])}"`);
      else quarantinedOnce.add(sha);
      continue;
    }
    const text = Buffer.from(String(message['data'] ?? ''), 'base64').toString('utf8');
    if (text.includes(`"${ledger.tag}-`) || text.includes(`"txn-${ledger.tag}-`)) {
      validQuarantined++;
      problem(`a valid record quarantined: ${String(message['reason'])}`);
    }
  }
  const missingPoison = poison.size - quarantinedOnce.size;
  if (missingPoison > 0) problem(`${missingPoison} of ${poison.size} poison records not in the quarantine with their reason`);

  // Skipped: anything on an on-failure destination was given up on.
  const skippedRecords = observed.skipped.filter((m) => !(REJECTED_ALERT in m)).reduce((n, m) => n + batchSizeOf(m), 0);
  if (skippedRecords > 0) problem(`${skippedRecords} records were sent to an on-failure destination (skipped)`);

  const counts = ledgerCounts(ledger);
  const late = ledger.events.length - [...reference.windows.values()].reduce((n, w) => n + w.count, 0);
  return {
    name,
    recordsIn: counts.records,
    distinctEvents: ledger.events.length,
    counted,
    late,
    duplicatesDropped: counts.events + counts.duplicates - storedCount - late,
    duplicatesPut: counts.duplicates,
    quarantined: quarantinedOnce.size,
    poisonPut: counts.poison,
    alertsExpected: reference.alerts.size,
    alertsStored: storedAlerts.size,
    alertsDelivered: delivered.size,
    alertsRejected: rejected.size,
    joins: { expected: reference.joins.size, matched: joinsMatched },
    notifications: {
      expected: [...reference.alerts.values()].filter((a) => a.incident !== undefined).length,
      stored: observed.alerts.filter((a) => mine(a['entityId']) && a['incident'] !== undefined).length,
      delivered: new Set(deliveries.filter((a) => a.incident !== undefined).map((a) => a.alertId)).size,
    },
    lost:
      lostEvents +
      lostDecisions +
      lostReadings +
      lostJoins +
      lostAlerts.length +
      undelivered.length +
      missingPoison +
      validQuarantined +
      skippedRecords,
    double: doubleEvents + extraDecisions + extraJoins + spurious.length,
    repeats: { alerts: deliveries.length - delivered.size, quarantine: quarantineMessages - quarantinedOnce.size },
    problems,
  };
}

/** True when nothing was lost, nothing doubled, and every figure is what the ledger says. */
export function isClean(line: LedgerLine): boolean {
  return (
    line.problems.length === 0 &&
    line.lost === 0 &&
    line.double === 0 &&
    line.counted + line.late === line.distinctEvents &&
    line.duplicatesDropped === line.duplicatesPut &&
    line.quarantined === line.poisonPut &&
    line.alertsStored === line.alertsExpected &&
    line.joins.matched === line.joins.expected &&
    line.alertsDelivered + line.alertsRejected === line.alertsStored
  );
}

function sameFigures(a: Pane, b: Pane): boolean {
  return Math.abs(a.sum - b.sum) < 1e-6 * Math.max(1, Math.abs(b.sum)) && a.min === b.min && a.max === b.max;
}

function batchSizeOf(message: Record<string, unknown>): number {
  const info = (message['KinesisBatchInfo'] ?? message['DDBStreamBatchInfo']) as { batchSize?: number } | undefined;
  return info?.batchSize ?? 1;
}

function describeAlert(alert: Alert | undefined): string {
  return alert ? `${alert.alertId} (${alert.severity} ${alert.entity.id}: ${alert.summary})` : 'none';
}
