import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RulesAdmin, ShownVersion } from '../../local/rules/rules-admin';
import { openRulesAdmin } from '../../local/rules/rules-admin';
import { comparisonText, events } from '../../local/backtest/report-text';
import { parseDuration } from '../../shared/domain/duration';
import type { RulesChange } from '../../shared/domain/rules-versions';
import type { CommandIO } from '../io';
import { flagOnlyWith, UsageError } from '../usage';
import { write } from '../io';

const USAGE = `usage: riskstream rules show [--version N] [--json] [--stack Riskstream]
       riskstream rules history [--stack Riskstream]
       riskstream rules diff A B [--stack Riskstream]
       riskstream rules validate FILE [--stack Riskstream]
       riskstream rules propose FILE --note "why" [--stack Riskstream]
       riskstream rules promote [N] [--stack Riskstream]
       riskstream rules rollback N [--stack Riskstream]
       riskstream rules shadow-report [--since 1h] [--version N] [--json] [--stack Riskstream]

The scoring rules of the deployed stack as versioned data. Every version is kept; one is live (the
scorers judge with it, reading it again within RULES_MAX_AGE_MS, 15 s by default: no deploy), at
most one is the candidate.
Version 1 is the deploy's rules.
show: a version's document (the live one by default) as JSON, with its status, note and time.
history: every version, its status (live, candidate, was live, never live), time and note.
diff: the settings that differ between versions A and B.
validate: FILE (JSON, the whole rules document or any part of it) merged over the live version and
  checked; errors name the field. Nothing is stored.
propose: the same, stored as the next version and made the candidate (replacing an earlier one).
promote: the candidate becomes live; with N, only if N is still the candidate (the one you reviewed).
rollback: version N, which was live before, becomes live again; a candidate proposed over the
  version left behind is dropped with it.
shadow-report: while a candidate exists the scorers judge every event with it too, storing its
  judgement beside the live decision (no alert, no incident). This shows both since --since (a
  duration, 1h by default): outcomes by action and status, the events they differ on (examples with
  both sets of reasons), and precision and recall per rule against the verdicts stored with
  \`riskstream label\`. --version N reports an earlier candidate's shadow run.`;

export type RulesRequest =
  | { readonly command: 'help' }
  | { readonly command: 'show'; readonly version?: number; readonly json: boolean; readonly stack: string }
  | { readonly command: 'history'; readonly stack: string }
  | { readonly command: 'diff'; readonly a: number; readonly b: number; readonly stack: string }
  | { readonly command: 'validate'; readonly file: string; readonly stack: string }
  | { readonly command: 'propose'; readonly file: string; readonly note: string; readonly stack: string }
  | { readonly command: 'promote'; readonly version?: number; readonly stack: string }
  | { readonly command: 'rollback'; readonly version: number; readonly stack: string }
  | {
      readonly command: 'shadow-report';
      readonly sinceMs: number;
      readonly version?: number;
      readonly json: boolean;
      readonly stack: string;
    };

const SUBCOMMANDS = ['show', 'history', 'diff', 'validate', 'propose', 'promote', 'rollback', 'shadow-report'] as const;

function versionNumber(text: string | undefined, what: string): number {
  if (text === undefined || !/^[1-9]\d{0,8}$/.test(text))
    throw new UsageError(`${what} must be a version number (1, 2, …), got "${text ?? ''}"`);
  return Number(text);
}

/** The command line as a request; UsageError names what is wrong. */
export function parseRulesArgs(argv: readonly string[]): RulesRequest {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      version: { type: 'string' },
      json: { type: 'boolean', default: false },
      note: { type: 'string' },
      since: { type: 'string' },
      stack: { type: 'string', default: 'Riskstream' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { command: 'help' };
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError(`say what to do: ${SUBCOMMANDS.join(', ')}`);
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`unknown rules command "${sub}": ${SUBCOMMANDS.join(', ')}`);
  const only = (flag: string, given: boolean, allowed: readonly string[]) => flagOnlyWith('rules', sub, flag, given, allowed);
  only('--version', values.version !== undefined, ['show', 'shadow-report']);
  only('--json', values.json, ['show', 'shadow-report']);
  only('--since', values.since !== undefined, ['shadow-report']);
  only('--note', values.note !== undefined, ['propose']);
  const expect = (count: number, names: string) => {
    if (rest.length !== count) throw new UsageError(`\`rules ${sub}\` takes ${names || 'no arguments'}`);
  };
  const stack = values.stack;
  switch (sub) {
    case 'show':
      expect(0, '');
      return {
        command: 'show',
        json: values.json,
        stack,
        ...(values.version === undefined ? {} : { version: versionNumber(values.version, '--version') }),
      };
    case 'history':
      expect(0, '');
      return { command: sub, stack };
    case 'promote':
      if (rest.length > 1) throw new UsageError('`rules promote` takes at most the version number you reviewed');
      return { command: 'promote', stack, ...(rest[0] === undefined ? {} : { version: versionNumber(rest[0], 'N') }) };
    case 'diff':
      expect(2, 'two version numbers');
      return { command: 'diff', a: versionNumber(rest[0], 'A'), b: versionNumber(rest[1], 'B'), stack };
    case 'validate':
      expect(1, 'a JSON file');
      return { command: 'validate', file: rest[0] ?? '', stack };
    case 'propose':
      expect(1, 'a JSON file');
      if (!values.note?.trim()) throw new UsageError('`rules propose` needs --note "why": every version says why it exists');
      return { command: 'propose', file: rest[0] ?? '', note: values.note.trim(), stack };
    case 'shadow-report':
      expect(0, '');
      return {
        command: 'shadow-report',
        sinceMs: sinceOf(values.since ?? '1h'),
        ...(values.version === undefined ? {} : { version: versionNumber(values.version, '--version') }),
        json: values.json,
        stack,
      };
    default:
      expect(1, 'a version number');
      return { command: 'rollback', version: versionNumber(rest[0], 'N'), stack };
  }
}

function sinceOf(text: string): number {
  try {
    return Date.now() - parseDuration(text);
  } catch (error) {
    throw new UsageError(`--since takes a duration (30m, 1h, 7d): ${(error as Error).message}`);
  }
}

/** `transactions.largeAmount.amount: 2000 → 5000`, one line a change. */
export function changesText(changes: readonly RulesChange[]): string {
  if (changes.length === 0) return 'no difference\n';
  const show = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));
  return changes.map((c) => `${c.path}: ${show(c.from)} → ${show(c.to)}\n`).join('');
}

export function historyText(versions: readonly ShownVersion[]): string {
  const rows = versions.map((v) =>
    [
      String(v.version),
      v.status,
      v.seed ? '(not stored yet)' : v.createdAt,
      v.basedOn === undefined ? '' : `over ${v.basedOn}`,
      v.note,
    ].join('\t'),
  );
  return `${['version', 'status', 'stored', 'based on', 'note'].join('\t')}\n${rows.map((r) => `${r}\n`).join('')}`;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

export async function rulesCommand(argv: string[], io: CommandIO): Promise<number> {
  let request: RulesRequest;
  try {
    request = parseRulesArgs(argv);
  } catch (error) {
    await write(io.stderr, `riskstream rules: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (request.command === 'help') return (await write(io.stdout, `${USAGE}\n`), 0);
  let opened: Awaited<ReturnType<typeof openRulesAdmin>> | undefined;
  try {
    // Read before the stack is reached: a bad file is the analyst's to fix, whatever the stack says.
    const part = request.command === 'validate' || request.command === 'propose' ? readJson(request.file) : undefined;
    opened = await openRulesAdmin(request.stack);
    await write(io.stdout, await run(opened.admin, request, part));
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream rules: ${(error as Error).message}\n`);
    return 1;
  } finally {
    opened?.destroy();
  }
}

async function run(admin: RulesAdmin, request: Exclude<RulesRequest, { command: 'help' }>, part: unknown): Promise<string> {
  switch (request.command) {
    case 'show': {
      const shown = await admin.show(request.version);
      if (request.json) return `${JSON.stringify(shown.document)}\n`;
      const header = `version ${shown.version} (${shown.status}${shown.seed ? ', the deploy\u2019s rules, not stored yet' : ''})${shown.createdAt ? `, stored ${shown.createdAt}` : ''}: ${shown.note}`;
      return `${header}\n${JSON.stringify(shown.document, null, 2)}\n`;
    }
    case 'history':
      return historyText(await admin.history());
    case 'diff':
      return changesText(await admin.diff(request.a, request.b));
    case 'validate':
      await admin.validate(part);
      return `valid: merged over the live version, it is a complete rules document\n`;
    case 'propose': {
      const { stored, replaced, changes } = await admin.propose(part, request.note);
      return (
        `version ${stored.version} stored, the candidate${replaced === undefined ? '' : ` (in place of version ${replaced})`}; over version ${stored.basedOn ?? 1}:\n` +
        changesText(changes) +
        'promote it with `riskstream rules promote`\n'
      );
    }
    case 'promote': {
      const { from, to } = await admin.promote(request.version);
      return `version ${to} is live (was ${from}); the scorers judge with it within their rules max age (15 s by default)\n`;
    }
    case 'shadow-report': {
      const { candidate, report, caveats } = await admin.shadowReport(request.sinceMs, request.version);
      if (request.json) return `${JSON.stringify({ candidate, ...report, caveats })}\n`;
      const since = new Date(request.sinceMs).toISOString();
      const header =
        report.events === 0
          ? `no event judged in shadow by version ${candidate} since ${since}: is the pipeline running?`
          : `${events(report.events)} judged by the live rules and, in shadow, by version ${candidate} since ${since}`;
      return comparisonText(header, report, { live: 'live', candidate: `v${candidate}` }) + caveats.map((c) => `caveat: ${c}\n`).join('');
    }
    case 'rollback': {
      const { from, to, droppedCandidate } = await admin.rollback(request.version);
      return (
        `version ${to} is live again (was ${from}); the scorers judge with it within their rules max age (15 s by default)\n` +
        (droppedCandidate === undefined ? '' : `the candidate, version ${droppedCandidate}, was proposed over ${from} and is dropped\n`)
      );
    }
  }
}
