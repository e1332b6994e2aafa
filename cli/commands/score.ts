import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { MemoryStateStore } from '../../shared/adapters/memory-state-store';
import type { AnyEnvelope } from '../../shared/domain/events';
import { validateAnyEvent } from '../../shared/domain/events';
import { parseRulesConfig } from '../../shared/domain/rules-config';
import { readingKind, transactionKind } from '../../shared/pipeline/kinds';
import type { ItemOutcome } from '../../shared/pipeline/score-batch';
import { scoreBatch } from '../../shared/pipeline/score-batch';
import { CommitMode } from '../../shared/state/store';
import type { CommandIO } from '../io';
import { lines, write } from '../io';

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

  const store = new MemoryStateStore();
  const deps = { store, commitMode: CommitMode.conditional };
  const kinds = { transaction: transactionKind(rules), reading: readingKind(rules) };
  let rejected = 0;
  for await (const { number, text } of lines(io.stdin)) {
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      rejected++;
      await write(io.stderr, `line ${number}: not JSON: ${(error as Error).message}\n`);
      continue;
    }
    const validation = validateAnyEvent(json);
    if (!validation.ok) {
      rejected++;
      await write(io.stderr, `line ${number}: ${validation.reason}\n`);
      continue;
    }
    const envelope = validation.value;
    const item = { recordId: String(number), envelope };
    const scoring =
      envelope.kind === 'transaction'
        ? await scoreBatch([{ ...item, envelope }], kinds.transaction, deps)
        : await scoreBatch([{ ...item, envelope }], kinds.reading, deps);
    const outcome = scoring.outcomes[0];
    if (outcome) await write(io.stdout, `${JSON.stringify(present(outcome))}\n`);
  }
  return rejected > 0 ? 1 : 0;
}

/** The seed's shapes: a decision, a reading's status, or the idempotent answer for a repeat. */
function present(outcome: ItemOutcome<AnyEnvelope, unknown>): unknown {
  if (outcome.status === 'duplicate') return { eventId: outcome.envelope.id, status: 'already_processed', sideEffectRepeated: false };
  if (outcome.status === 'failed') return { eventId: outcome.envelope.id, status: 'failed', error: outcome.error.message };
  if (outcome.status === 'rejected') return { eventId: outcome.envelope.id, status: 'rejected', reason: outcome.reason };
  const result = outcome.result as Record<string, unknown>;
  if (outcome.envelope.kind === 'transaction') {
    const { transactionId, riskScore, action, reasons, late } = result;
    return { transactionId, riskScore, action, reasons, ...(late ? { late } : {}) };
  }
  const { deviceId, temperature, status, alert } = result;
  return { deviceId, temperature, status, ...(alert ? { alert } : {}) };
}
