import type { Browser, Page } from 'playwright-core';
import { labelCommand } from '../../cli/commands/label';
import { boundedTraffic } from '../../local/demo/bounded';
import { poisonRecord } from '../../local/demo/continuous';
import type { OrderOutcomes } from '../../local/demo/order-outcomes';
import { expectedOrderOutcomes } from '../../local/demo/order-outcomes';
import { DemoSession } from '../../local/demo/session';
import { readDeployRecord } from '../../local/deploy';
import { launchChromium } from '../support/browser';
import { runCommand } from '../support/command-io';
import { scanAll } from '../support/resources';
import { removeStackFiles } from '../support/subscribed-stack';

/**
 * The live page in a real browser (Debian's headless Chromium driven by playwright-core) during a
 * bounded demo on the suite's moto: the charts render, and the counts on the page are the ones the
 * test put in and the ones the system stored — read here from DynamoDB on our own.
 */
const STACK = `RiskstreamLive${Date.now().toString(36)}`;

describe('the live page', () => {
  let browser: Browser | undefined;
  let session: DemoSession | undefined;

  afterAll(async () => {
    await browser?.close();
    await session?.close();
    removeStackFiles(STACK);
  });

  it('shows what the system did: events, decisions, alerts, quarantine, charts', async () => {
    browser = await launchChromium();
    session = await DemoSession.open({ stackName: STACK, seed: 11, mode: 'bounded', log: () => undefined, port: 0, sampleMs: 500 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(session.url ?? '');
    await expect(text(page, 'events-put')).resolves.toBe('0');

    // Seed 11's first 300 events hold an order of each outcome but unpaid.
    const traffic = boundedTraffic(300, 11, session.idPrefix);
    const poison = [poisonRecord(session.idPrefix, 0), poisonRecord(session.idPrefix, 1)];
    await session.put(traffic, poison);
    await session.waitUntilIdle(3000);
    // The demo's join window (a minute) has closed for every order (the events end a minute ago): the sweep ends the waiting joins.
    await session.closeJoinWindows();
    await session.waitUntilIdle(3000);

    // What the system stored, read here: the decisions of this run's transactions and its alerts in the outbox.
    const { outputs } = readDeployRecord(STACK) ?? { outputs: {} as Record<string, string> };
    const ours = new Set(traffic.map((e) => e.id));
    const decisions = (await scanAll(outputs['StateTableName'] ?? '')).filter(
      (i) => i['itemType'] === 'decision' && ours.has(String(i['transactionId'])),
    );
    const alerts = (await scanAll(outputs['AlertsTableName'] ?? '')).filter((a) => (a['eventIds'] as string[]).some((id) => ours.has(id)));
    const transactions = traffic.filter((e) => e.kind === 'transaction').length;
    expect(decisions).toHaveLength(transactions);
    expect(alerts.length).toBeGreaterThan(0);
    // Each order's join, one item per order: final, as the labels and the sides put say.
    const orderIds = new Set(traffic.filter((e) => e.kind === 'order').map((e) => e.partitionKey));
    const joins = (await scanAll(outputs['StateTableName'] ?? '')).filter((i) => orderIds.has(String(i['orderId'])));
    const joinCounts = { joined: 0, amount_mismatch: 0, unpaid: 0, orphan_payment: 0, waiting: 0 };
    for (const join of joins) joinCounts[(join['outcome'] as keyof OrderOutcomes | undefined) ?? 'waiting']++;
    expect(joins).toHaveLength(orderIds.size);
    expect(joinCounts).toEqual(expectedOrderOutcomes(traffic));
    expect(joinCounts).toEqual({ joined: 16, amount_mismatch: 1, unpaid: 0, orphan_payment: 1, waiting: 0 });

    // The page catches up within a few refreshes (it reads the state table every few seconds).
    await waitFor(page, 'decisions-total', String(transactions));
    await waitFor(page, 'events-put', String(traffic.length + poison.length));
    // Read by the scorers: orders and payments are joined, not scored.
    await waitFor(page, 'records-scored', String(traffic.filter((e) => e.kind !== 'order').length + poison.length));
    await waitFor(page, 'alerts-delivered', String(alerts.length));
    await waitFor(page, 'quarantine', '2');
    await expect(text(page, 'dlq')).resolves.toBe('0');
    // The orders table: the same counts as the join items read here, once the page's next read of the state table has them.
    const orderCounts = async () =>
      Object.fromEntries(
        await page.$$eval('[data-testid="table-orders"] tbody td', (tds) =>
          tds.map((td) => [td.getAttribute('data-outcome'), Number(td.getAttribute('data-count'))] as const),
        ),
      );
    for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 500))) {
      if (JSON.stringify(await orderCounts()) === JSON.stringify(joinCounts)) break;
    }
    expect(await orderCounts()).toEqual(joinCounts);
    await expect(text(page, 'orders')).resolves.toMatch(new RegExp(`^${orderIds.size} orders put`));

    // The charts are drawn from those figures.
    const byAction = await page.$$eval('[data-testid="chart-decisions"] rect.hbar', (bars) =>
      bars.map((b) => Number(b.getAttribute('data-count'))),
    );
    expect(byAction.reduce((a, b) => a + b, 0)).toBe(transactions);
    const stored = (action: string) => decisions.filter((d) => d['action'] === action).length;
    expect(byAction).toEqual([stored('approve'), stored('manual_review_required'), stored('block')]);
    await expect(page.getAttribute('[data-testid="chart-alerts"]', 'data-total')).resolves.toBe(String(alerts.length));
    const severities = await page.$$eval('[data-testid="chart-alerts"] rect', (bars) => bars.map((b) => b.getAttribute('class')));
    expect(new Set(severities)).toEqual(new Set(alerts.map((a) => `bar-${String(a['severity'])}`)));
    const line = await page.getAttribute('[data-testid="chart-throughput"] polyline.line-put', 'points');
    expect((line ?? '').split(' ').length).toBeGreaterThan(2);
    // One lag bar per shard read: the three Kinesis streams and the outbox table's stream.
    const lagBars = await page.$$eval('[data-testid="chart-lag"] rect.hbar', (bars) => bars.map((b) => b.getAttribute('data-key') ?? ''));
    expect(lagBars.some((k) => k.includes('transactions'))).toBe(true);
    expect(lagBars.some((k) => k.includes('readings'))).toBe(true);
    expect(lagBars.some((k) => k.includes('orders'))).toBe(true);
    expect(lagBars.some((k) => k.includes('(stream)'))).toBe(true);
    // Where each consumer stands, as `riskstream status` says: every function caught up once the run is idle.
    const consumerStatuses = () =>
      page.$$eval('[data-testid="table-consumers"] tbody tr[data-status]', (trs) => trs.map((tr) => tr.getAttribute('data-status')));
    for (const started = Date.now(); Date.now() - started < 15_000; await new Promise((r) => setTimeout(r, 500))) {
      const statuses = await consumerStatuses();
      if (statuses.length >= 4 && statuses.every((status) => status === 'caught_up')) break;
    }
    expect(new Set(await consumerStatuses())).toEqual(new Set(['caught_up']));
    const consumers = await page.$$eval('[data-testid="table-consumers"] tbody tr', (trs) =>
      trs.map((tr) => tr.querySelector('td')?.textContent ?? ''),
    );
    expect(new Set(consumers.map((c) => c.replace(/^.*-(score-|join-|publish-)/, '$1')))).toEqual(
      new Set(['score-transactions', 'score-readings', 'join-orders', 'publish-alerts']),
    );
    // The latest alerts, with their reasons, and the busiest windows from the entity items.
    const rows = await page.$$eval('[data-testid="table-alerts"] tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows).toHaveLength(Math.min(15, alerts.length));
    const latest = (await page.textContent('[data-testid="table-alerts"] tbody')) ?? '';
    const reasons = alerts.flatMap((a) => a['reasons'] as string[]);
    expect(reasons.filter((r) => latest.includes(r)).length).toBeGreaterThan(0);
    const windows = await page.$$eval('[data-testid="table-windows"] tbody tr td.num', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(windows.length).toBeGreaterThan(0);
    // What people receive: the incidents the alerts opened, from the entity items, and their notifications.
    await expect(page.textContent('[data-testid="notifications"]')).resolves.toMatch(/opened [1-9]/);
    const incidents = await page.$$eval('[data-testid="table-incidents"] tbody tr td.num', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(incidents.length).toBeGreaterThan(0);
    // Per channel: the demo's subscriber of every message, and its on-call one with a budget, which received some on their own.
    const channels = await page.$$eval('[data-testid="table-channels"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(channels.map((c) => [c[0], c[1]])).toEqual([
      ['sqs, every message', 'none'],
      ['on call (sqs, with a budget)', '5 per 5m'],
    ]);
    expect(Number(channels[1]?.[2])).toBeGreaterThan(0);

    // An analyst labels a flagged decision fraud and an approved one legit: the page shows each rule's precision on them.
    const flagged = decisions.find((d) => d['action'] !== 'approve') as { transactionId: string; reasons: Array<{ rule: string }> };
    const approved = decisions.find((d) => d['action'] === 'approve') as { transactionId: string };
    for (const [id, verdict] of [
      [flagged.transactionId, 'fraud'],
      [approved.transactionId, 'legit'],
    ]) {
      expect((await runCommand(labelCommand, [id ?? '', verdict ?? '', '--stack', STACK], [])).code).toBe(0);
    }
    await waitFor(page, 'labelled', '2 decisions labelled 1 of them fraud (riskstream label)');
    const precision = await page.$$eval('[data-testid="table-rule-precision"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(precision).toEqual(
      expect.arrayContaining([
        ['any rule (not approved)', '1', '1', '1.00'],
        [flagged.reasons[0]?.rule, '1', '1', '1.00'],
      ]),
    );
  }, 300_000);
});

function text(page: Page, testid: string): Promise<string> {
  return page.textContent(`[data-testid="${testid}"]`).then((t) => (t ?? '').replace(/,/g, ''));
}

async function waitFor(page: Page, testid: string, expected: string): Promise<void> {
  await page
    .waitForFunction(
      ([id, value]) => {
        // Runs in the page: its DOM, not Node's globals (the project compiles without the DOM library).
        const { document } = globalThis as unknown as {
          document: { querySelector(selector: string): { textContent: string | null } | null };
        };
        return document.querySelector(`[data-testid="${id}"]`)?.textContent?.replace(/,/g, '') === value;
      },
      [testid, expected] as const,
      { timeout: 30_000 },
    )
    .catch(async () => {
      throw new Error(`the page shows ${testid} = ${await text(page, testid)}, expected ${expected}`);
    });
}
