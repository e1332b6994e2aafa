import { parseArgs } from 'node:util';
import { openLabelStore } from '../../local/labels/labels-admin';
import { textTable } from '../../local/text-table';
import { parseDuration } from '../../shared/domain/duration';
import type { Label, Verdict } from '../../shared/domain/labels';
import { parseLabelId, parseLabelNote, parseVerdict } from '../../shared/domain/labels';
import type { CommandIO } from '../io';
import { flagOnlyWith, UsageError } from '../usage';
import { write } from '../io';

const USAGE = `usage: riskstream label <transactionId|incidentId> fraud|legit [--note "why"] [--stack Riskstream]
       riskstream label list [--since 1h] [--json] [--stack Riskstream]

Analysts' verdicts on transactions and incidents of the deployed stack: the labels backtests and
shadow reports count detections against (fraud is the positive class).
label: stores the verdict; a later verdict on the same id replaces the earlier. --note says why; it
  is stored and shown by list only. A note with 13 or more digits in a row is refused: card numbers
  must never be stored. An id that starts with "-" goes after "--": \`label -- -7f2 fraud\`.
list: the verdicts given within --since (durations as 30m, 1h, 7d; all of them without it), oldest
  first, as a table; --json prints one JSON object a line, which a backtest's --labels reads.`;

/** What `label` is called in messages for the form that stores a verdict (it has no subcommand word). */
const LABELLING = '<id> fraud|legit';

export type LabelRequest =
  | { readonly command: 'help' }
  | {
      readonly command: 'label';
      readonly id: string;
      readonly verdict: Verdict;
      readonly note?: string;
      readonly stack: string;
    }
  | { readonly command: 'list'; readonly sinceMs?: number; readonly json: boolean; readonly stack: string };

/** The command line as a request; UsageError names what is wrong. */
export function parseLabelArgs(argv: readonly string[]): LabelRequest {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      note: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean', default: false },
      stack: { type: 'string', default: 'Riskstream' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { command: 'help' };
  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError(`say which id to label and how (\`label ${LABELLING}\`), or \`label list\``);
  const sub = first === 'list' ? 'list' : LABELLING;
  const only = (flag: string, given: boolean, allowed: string) => flagOnlyWith('label', sub, flag, given, [allowed]);
  only('--since', values.since !== undefined, 'list');
  only('--json', values.json, 'list');
  only('--note', values.note !== undefined, LABELLING);
  const stack = values.stack;

  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}": \`label list\` takes none`);
    return { command: 'list', json: values.json, stack, ...(values.since === undefined ? {} : { sinceMs: sinceMs(values.since) }) };
  }
  const [verdict, ...extra] = rest;
  if (verdict === undefined) throw new UsageError(`a verdict must follow the id: \`label ${LABELLING}\``);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  try {
    const note = values.note === undefined ? undefined : parseLabelNote(values.note);
    return { command: 'label', id: parseLabelId(first), verdict: parseVerdict(verdict), ...(note === undefined ? {} : { note }), stack };
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function sinceMs(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`--since: ${(error as Error).message}`, { cause: error });
  }
}

const COLUMNS = ['ID', 'VERDICT', 'LABELLED AT', 'NOTE'] as const;

/** One aligned line per label under a header; "no labels" when there is none. */
export function labelsTable(labels: readonly Label[]): string {
  if (labels.length === 0) return 'no labels\n';
  const rows = [[...COLUMNS], ...labels.map((l) => [l.id, l.verdict, l.labelledAt, l.note ?? ''])];
  return textTable(rows);
}

export function labelsJsonLines(labels: readonly Label[]): string {
  return labels.map((label) => `${JSON.stringify(label)}\n`).join('');
}

export async function labelCommand(argv: string[], io: CommandIO): Promise<number> {
  let request: LabelRequest;
  try {
    request = parseLabelArgs(argv);
  } catch (error) {
    await write(io.stderr, `riskstream label: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (request.command === 'help') return (await write(io.stdout, `${USAGE}\n`), 0);

  let opened: Awaited<ReturnType<typeof openLabelStore>> | undefined;
  try {
    opened = await openLabelStore(request.stack);
    if (request.command === 'list') {
      const labels = await opened.store.list(request.sinceMs === undefined ? undefined : new Date(Date.now() - request.sinceMs));
      await write(io.stdout, request.json ? labelsJsonLines(labels) : labelsTable(labels));
    } else {
      const { id, verdict, note } = request;
      await opened.store.put({ id, verdict, ...(note === undefined ? {} : { note }), labelledAt: new Date().toISOString() });
      // The note is not repeated: it is the analyst's text, kept in the table only.
      await write(io.stdout, `labelled ${id} ${verdict}\n`);
    }
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream label: ${(error as Error).message}\n`);
    return 1;
  } finally {
    opened?.destroy();
  }
}
