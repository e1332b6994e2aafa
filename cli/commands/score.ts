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

const USAGE = `usage: riskstream score [--rules rules.json] < events.jsonl

Scores JSON lines (transactions and readings mixed) and prints one result per line:
a decision for a transaction, a status for a reading, or
{"eventId":…,"status":"already_processed","sideEffectRepeated":false} for an event seen before.
Window state is kept in memory. A bad line is reported on stderr with its line number and reason;
the other lines are still scored and the exit status is 1.`;

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
  let rejected = 0;
  for await (const group of lineGroups(io.stdin)) {
    const valid: AnyEnvelope[] = [];
    let errors = '';
    for (const { number, text } of group) {
      if (text.trim() === '') continue;
      const validation = validLine(text);
      if (validation.ok) valid.push(validation.value);
      else {
        rejected++;
        errors += `line ${number}: ${validation.reason}\n`;
      }
    }
    if (errors !== '') await write(io.stderr, errors);
    const { events } = scorer.score(valid);
    if (events.length > 0) await write(io.stdout, events.map((e) => `${JSON.stringify(present(e))}\n`).join(''));
  }
  return rejected > 0 ? 1 : 0;
}

/** The seed's shapes: a decision, a reading's status (each kind's own: see kinds/), or the idempotent answer for a repeat. */
function present(scored: ScoredEvent): unknown {
  if (scored.status === 'duplicate') return { eventId: scored.envelope.id, status: 'already_processed', sideEffectRepeated: false };
  return kindNamed(scored.envelope.kind).present(scored.result);
}
