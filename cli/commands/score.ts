import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import type { AnyEnvelope } from '../../shared/domain/events';
import { parseRulesConfig } from '../../shared/domain/rules-config';
import { kindNamed } from '../../shared/kinds/registry';
import type { ScoredEvent } from '../../local/backtest/in-memory-scorer';
import { InMemoryScorer } from '../../local/backtest/in-memory-scorer';
import type { CommandIO } from '../io';
import { lineGroups } from '../../local/line-groups';
import { write } from '../io';
import { validLine } from '../../local/backtest/history-events';
import { InMemoryJoins, presentJoin, presentJoinStep } from '../../local/backtest/in-memory-joins';
import type { Validation } from '../../shared/domain/events';
import type { OrderEvent } from '../../shared/domain/order-join';
import { claimsOrderEvent, validateOrderEvent } from '../../shared/domain/order-events';

const USAGE = `usage: riskstream score [--rules rules.json] < events.jsonl

Scores JSON lines (transactions, readings, orders and payments mixed) and prints one result per line:
a decision for a transaction, a status for a reading, or
{"eventId":…,"status":"already_processed","sideEffectRepeated":false} for an event seen before.
Orders (eventType OrderCreated) are joined with their payments (PaymentReceived) on orderId: the
joined record {"orderId","userId","orderAmount","paymentId","paymentStatus":"paid"} is printed when
both sides have been read (paymentStatus "amount_mismatch", with paymentAmount, when the amounts
differ), and at the end of the input each order still unpaid ("unpaid") and each payment whose order
never came ("orphan_payment"). Window and join state is kept in memory. A bad line is reported on
stderr with its line number and reason; the other lines are still scored and the exit status is 1.`;

export async function scoreCommand(argv: string[], io: CommandIO): Promise<number> {
  let rulesFile: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { rules: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) return (await write(io.stdout, `${USAGE}\n`), 0);
    rulesFile = values.rules;
  } catch (error) {
    await write(io.stderr, `riskstream score: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let rules;
  try {
    rules = parseRulesConfig(rulesFile ? JSON.parse(readFileSync(rulesFile, 'utf8')) : {});
  } catch (error) {
    await write(io.stderr, `riskstream score: ${rulesFile}: ${(error as Error).message}\n`);
    return 2;
  }

  const scorer = new InMemoryScorer(rules);
  const joins = new InMemoryJoins();
  let rejected = 0;
  for await (const group of lineGroups(io.stdin)) {
    const valid: AnyEnvelope[] = [];
    // What each line prints, in input order: scored events fill their places once the group is scored.
    const printed: Array<unknown> = [];
    const scoredAt: number[] = [];
    let errors = '';
    for (const { number, text } of group) {
      if (text.trim() === '') continue;
      const order = orderEventOf(text);
      const validation = order ?? validLine(text);
      if (!validation.ok) {
        rejected++;
        errors += `line ${number}: ${validation.reason}\n`;
      } else if (order) {
        const event = validation.value as OrderEvent;
        printed.push(presentJoinStep(joins.add(event), event));
      } else {
        scoredAt.push(printed.length);
        printed.push(undefined);
        valid.push(validation.value as AnyEnvelope);
      }
    }
    if (errors !== '') await write(io.stderr, errors);
    scorer.score(valid).events.forEach((event, i) => (printed[scoredAt[i] as number] = present(event)));
    const lines = printed.filter((p) => p !== undefined);
    if (lines.length > 0) await write(io.stdout, lines.map((p) => `${JSON.stringify(p)}\n`).join(''));
  }
  const closed = joins.closeAll();
  if (closed.length > 0) await write(io.stdout, closed.map((result) => `${JSON.stringify(presentJoin(result))}\n`).join(''));
  return rejected > 0 ? 1 : 0;
}

/**
 * An order or a payment, validated, if the line is one (it names `eventType` or `orderId`: looked
 * for in the text first, so transactions and readings are parsed once); undefined for other lines.
 */
function orderEventOf(text: string): Validation<OrderEvent> | undefined {
  if (!text.includes('"eventType"') && !text.includes('"orderId"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined; // validLine says why
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !claimsOrderEvent(json as Record<string, unknown>))
    return undefined;
  return validateOrderEvent(json);
}

/** The seed's shapes: a decision, a reading's status (each kind's own: see kinds/), or the idempotent answer for a repeat. */
function present(scored: ScoredEvent): unknown {
  if (scored.status === 'duplicate') return { eventId: scored.envelope.id, status: 'already_processed', sideEffectRepeated: false };
  return kindNamed(scored.envelope.kind).present(scored.result);
}
