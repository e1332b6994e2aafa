import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BacktestReport, Contenders } from '../../local/backtest/backtest';
import { Backtest } from '../../local/backtest/backtest';
import type { HistoryChunk } from '../../local/backtest/history-events';
import { fileHistory, fileSize, streamHistoryEvents } from '../../local/backtest/history-events';
import { backtestText } from '../../local/backtest/report-text';
import { readDeployRecord } from '../../local/deploy-record';
import type * as LabelsAdminModule from '../../local/labels/labels-admin';
import type * as RulesAdminModule from '../../local/rules/rules-admin';
import type * as StreamHistoryModule from '../../local/backtest/stream-history';
import { parseDuration } from '../../shared/domain/duration';
import type { Verdict } from '../../shared/domain/labels';
import { parseLabelsFile } from '../../shared/domain/labels';
import { DEFAULT_RULES } from '../../shared/domain/rules-config';
import { proposedRules } from '../../shared/domain/rules-versions';
import type { CommandIO } from '../io';
import { write } from '../io';
import { progressBar } from '../progress';
import { UsageError } from '../usage';

const USAGE = `usage: riskstream backtest --rules candidate.json (--file events.jsonl | --since T [--until T])
                          [--labels labels.jsonl] [--json] [--stack Riskstream]

Judges history twice in memory, with the live rules and with a candidate, and prints where they
differ: outcomes by action (transactions) and status (readings), the events that flip with
examples and both sets of reasons, alerts and incidents opened per hour, and precision and recall
per rule where labels exist. Nothing live is touched: no state, no alert, no notification.
--rules: a whole rules document or any part of one, merged over the live version (as \`rules
  propose\` merges it).
--file: a JSON-lines file of events (as \`score\` reads). Without a stack deployed from here, the
  live side is the default rules.
--since/--until: the deployed streams' records that arrived in that range (an ISO time, or a
  duration ago: 30m, 6h, 7d); the streams keep 7 days by default. --until defaults to now.
--labels: JSON lines of {"id","verdict":"fraud"|"legit"}, or produce --labels's file; verdicts
  stored with \`riskstream label\` count too (the file's win).
--json prints the report as one JSON object.`;

/**
 * What reaches a deployed stack (the AWS SDK's clients), loaded only when a stack is used: a
 * backtest of a file without one starts as fast as `score` (the CLI compiles what it loads).
 */
function stackModules() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    ...(require('../../local/rules/rules-admin') as typeof RulesAdminModule),
    ...(require('../../local/labels/labels-admin') as typeof LabelsAdminModule),
    ...(require('../../local/backtest/stream-history') as typeof StreamHistoryModule),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

interface BacktestRequest {
  readonly rulesFile: string;
  readonly source: { readonly file: string } | { readonly since: Date; readonly until?: Date };
  readonly labelsFile?: string;
  readonly json: boolean;
  readonly stack: string;
}

/** An ISO time, or a duration before `now`. */
function timeArg(flag: string, text: string, now: number): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new UsageError(`${flag} is not a time: "${text}"`);
    return new Date(at);
  }
  try {
    return new Date(now - parseDuration(text));
  } catch (error) {
    throw new UsageError(`${flag} takes an ISO time or a duration ago (30m, 6h, 7d): ${(error as Error).message}`);
  }
}

export function parseBacktestArgs(argv: readonly string[], now = Date.now()): BacktestRequest | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rules: { type: 'string' },
      file: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      labels: { type: 'string' },
      json: { type: 'boolean', default: false },
      stack: { type: 'string', default: 'Riskstream' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) return 'help';
  if (!values.rules) throw new UsageError('give the candidate rules: --rules candidate.json');
  if ((values.file === undefined) === (values.since === undefined)) throw new UsageError('give either --file or --since');
  if (values.file !== undefined && values.until !== undefined) throw new UsageError('--until goes with --since, not --file');
  const source =
    values.file !== undefined
      ? { file: values.file }
      : {
          since: timeArg('--since', values.since as string, now),
          ...(values.until === undefined ? {} : { until: timeArg('--until', values.until, now) }),
        };
  if ('until' in source && source.until && source.until < source.since) throw new UsageError('--until is before --since');
  return {
    rulesFile: values.rules,
    source,
    ...(values.labels === undefined ? {} : { labelsFile: values.labels }),
    json: values.json,
    stack: values.stack,
  };
}

export async function backtestCommand(argv: string[], io: CommandIO): Promise<number> {
  let request: BacktestRequest | 'help';
  try {
    request = parseBacktestArgs(argv);
  } catch (error) {
    await write(io.stderr, `riskstream backtest: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (request === 'help') return (await write(io.stdout, `${USAGE}\n`), 0);
  try {
    const { contenders, names, verdicts, notes } = await prepare(request);
    for (const note of notes) await write(io.stderr, `${note}\n`);
    const { report, refused } = await run(request, contenders, verdicts, io);
    for (const line of refused.slice(0, 10)) await write(io.stderr, `refused: ${line}\n`);
    if (refused.length > 10) await write(io.stderr, `refused: ${refused.length - 10} more\n`);
    await write(io.stdout, request.json ? `${JSON.stringify(report)}\n` : backtestText(report, names));
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream backtest: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The live rules (the stack's, or the defaults for a file without a stack), the candidate merged over them, the verdicts. */
async function prepare(request: BacktestRequest): Promise<{
  contenders: Contenders;
  names: { live: string; candidate: string };
  verdicts: Map<string, Verdict>;
  notes: string[];
}> {
  const part = readJson(request.rulesFile);
  const notes: string[] = [];
  const deployed = readDeployRecord(request.stack) !== undefined;
  let live: Contenders['live'] = { rules: DEFAULT_RULES };
  const verdicts = new Map<string, Verdict>();
  if (deployed) {
    const { openRulesAdmin, openLabelStore } = stackModules();
    const rules = await openRulesAdmin(request.stack);
    const labels = await openLabelStore(request.stack);
    try {
      const shown = await rules.admin.show();
      live = { rules: shown.document, version: shown.version };
      for (const label of await labels.store.list()) verdicts.set(label.id, label.verdict);
    } finally {
      rules.destroy();
      labels.destroy();
    }
  } else if ('file' in request.source) {
    notes.push(`no stack ${request.stack} deployed from here: the live side is the default rules`);
  }
  let candidate;
  try {
    candidate = proposedRules(live.rules, part);
  } catch (error) {
    throw new Error(`${request.rulesFile}: ${(error as Error).message}`);
  }
  if (request.labelsFile !== undefined) {
    const file = parseLabelsFile(readText(request.labelsFile));
    if (file.errors.length > 0) throw new Error(`${request.labelsFile}: ${file.errors.slice(0, 5).join('; ')}`);
    for (const [id, verdict] of file.labels) verdicts.set(id, verdict);
  }
  const liveName = live.version === undefined ? 'defaults' : `v${live.version}`;
  return { contenders: { live, candidate: { rules: candidate } }, names: { live: liveName, candidate: 'candidate' }, verdicts, notes };
}

async function run(
  request: BacktestRequest,
  contenders: Contenders,
  verdicts: Map<string, Verdict>,
  io: CommandIO,
): Promise<{ report: BacktestReport; refused: string[] }> {
  const backtest = new Backtest(contenders, { verdicts });
  const refused: string[] = [];
  const judge = async (chunks: AsyncIterable<HistoryChunk>, progress: (done: number) => void) => {
    for await (const chunk of chunks) {
      backtest.add(chunk.events);
      refused.push(...chunk.refused);
      progress(chunk.progress);
    }
  };
  if ('file' in request.source) {
    const bar = progressBar(io, fileSize(request.source.file));
    await judge(fileHistory(request.source.file), bar);
  } else {
    const { openStackStreams, streamHistory } = stackModules();
    const { client, streams, destroy } = await openStackStreams(request.stack);
    try {
      const bar = progressBar(io, 0);
      const records = streamHistory(client, streams, request.source, (read) => bar(read, read));
      await judge(streamHistoryEvents(records), () => undefined);
    } finally {
      destroy();
    }
  }
  if ((io.stderr as NodeJS.WriteStream).isTTY) io.stderr.write('\n');
  return { report: backtest.report(), refused };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
}
