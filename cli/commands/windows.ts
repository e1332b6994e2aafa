import { parseArgs } from 'node:util';
import { parseDuration } from '../../shared/domain/duration';
import { aggregateWindows, WINDOW_KINDS } from '../../shared/domain/windows';
import type { TimedValue, WindowAggregate, WindowKind, WindowSpec } from '../../shared/domain/windows';
import { readAll, write } from '../io';
import type { CommandIO } from '../io';
import { ConfigurationError } from '../../shared/errors';

const PREFIX = 'riskstream windows: ';

const USAGE =
  'usage: riskstream windows --kind tumbling|hopping|sliding --size 6m [--hop 10m] [--slide 2m] [--field value]\n' +
  '  reads events (a JSON array or JSON lines) with "timestampMinute" (number) or "timestamp" (ISO string)\n' +
  '  and a numeric field (default "value"); prints every non-empty window as JSON\n';

const EXIT_CODE = { ok: 0, badInput: 1, usage: 2 } as const;

type ExitCode = (typeof EXIT_CODE)[keyof typeof EXIT_CODE];

const OPTIONS = {
  kind: { type: 'string' },
  size: { type: 'string' },
  hop: { type: 'string' },
  slide: { type: 'string' },
  field: { type: 'string', default: 'value' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MS_PER_MINUTE = 60_000;

const TIME_FIELDS = { minute: 'timestampMinute', iso: 'timestamp' } as const;

type TimeUnit = keyof typeof TIME_FIELDS;

/** ISO 8601 with an explicit zone: `Date.parse` alone accepts forms like "April 25" in local time. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

type DurationFlag = 'size' | 'hop' | 'slide';

class CommandError extends ConfigurationError {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

interface WindowsOptions {
  readonly help: boolean;
  readonly spec: WindowSpec;
  readonly durationTexts: Readonly<Partial<Record<DurationFlag, string>>>;
  readonly field: string;
}

interface InputRecord {
  readonly location: string;
  readonly record: unknown;
}

interface BadEvent {
  readonly location: string;
  readonly reason: string;
}

interface DecodedEvent extends TimedValue {
  readonly unit: TimeUnit;
  readonly location: string;
}

interface WindowRow {
  readonly window: string;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function usageError(message: string): CommandError {
  return new CommandError(message, EXIT_CODE.usage);
}

function isWindowKind(text: string): text is WindowKind {
  return (WINDOW_KINDS as readonly string[]).includes(text);
}

function requireDuration(flag: DurationFlag, text: string | undefined): number {
  if (text === undefined) throw usageError(`missing --${flag}`);
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof RangeError) throw usageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

function rejectFlag(flag: DurationFlag, text: string | undefined, kind: WindowKind): void {
  if (text !== undefined) throw usageError(`--${flag} does not apply to ${kind} windows`);
}

function buildSpec(kind: WindowKind, texts: Readonly<Partial<Record<DurationFlag, string>>>): WindowSpec {
  const sizeMs = requireDuration('size', texts.size);
  switch (kind) {
    case 'tumbling':
      rejectFlag('hop', texts.hop, kind);
      rejectFlag('slide', texts.slide, kind);
      return { kind, sizeMs };
    case 'hopping':
      rejectFlag('slide', texts.slide, kind);
      return { kind, sizeMs, hopMs: requireDuration('hop', texts.hop) };
    case 'sliding': {
      rejectFlag('hop', texts.hop, kind);
      const slideMs = requireDuration('slide', texts.slide);
      if (slideMs > sizeMs) {
        throw usageError(`--slide ${texts.slide ?? ''} must not exceed --size ${texts.size ?? ''}; use --kind hopping for gaps`);
      }
      return { kind, sizeMs, slideMs };
    }
  }
}

function readFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(describeError(error));
  }
}

function parseOptions(argv: string[]): WindowsOptions {
  const values = readFlags(argv);
  const help = values.help ?? false;
  const durationTexts = { size: values.size, hop: values.hop, slide: values.slide };
  if (help) return { help, spec: { kind: 'tumbling', sizeMs: 1 }, durationTexts, field: values.field };

  if (values.kind === undefined) throw usageError(`missing --kind (${WINDOW_KINDS.join('|')})`);
  if (!isWindowKind(values.kind)) {
    throw usageError(`--kind must be one of ${WINDOW_KINDS.join(', ')}, got ${JSON.stringify(values.kind)}`);
  }
  if (values.field === '') throw usageError('--field must name a field');
  return { help, spec: buildSpec(values.kind, durationTexts), durationTexts, field: values.field };
}

function parseRecords(text: string): { readonly records: InputRecord[]; readonly bad: BadEvent[] } {
  const input = text.replace(/^\uFEFF/, '');
  if (input.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new CommandError(`invalid JSON: ${describeError(error)}`, EXIT_CODE.badInput);
    }
    if (!Array.isArray(parsed)) throw new CommandError('invalid JSON: expected an array of events', EXIT_CODE.badInput);
    return { records: parsed.map((record: unknown, index) => ({ location: `index ${index}`, record })), bad: [] };
  }

  const records: InputRecord[] = [];
  const bad: BadEvent[] = [];
  input.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const location = `line ${index + 1}`;
    try {
      records.push({ location, record: JSON.parse(line) as unknown });
    } catch (error) {
      bad.push({ location, reason: `invalid JSON: ${describeError(error)}` });
    }
  });
  return { records, bad };
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeTime(event: Record<string, unknown>): { unit: TimeUnit; time: number } | string {
  const minute = event[TIME_FIELDS.minute];
  const iso = event[TIME_FIELDS.iso];
  if (minute !== undefined && iso !== undefined) {
    return `has both "${TIME_FIELDS.minute}" and "${TIME_FIELDS.iso}"; give one`;
  }
  if (minute !== undefined) {
    if (typeof minute !== 'number' || !Number.isFinite(minute)) {
      return `"${TIME_FIELDS.minute}" is not a number (got ${shown(minute)})`;
    }
    return { unit: 'minute', time: minute };
  }
  if (iso !== undefined) {
    const time = typeof iso === 'string' && ISO_DATE_TIME.test(iso) ? Date.parse(iso) : Number.NaN;
    if (Number.isNaN(time)) {
      return `"${TIME_FIELDS.iso}" is not an ISO 8601 date-time with a zone such as 2026-04-25T12:00:00Z (got ${shown(iso)})`;
    }
    return { unit: 'iso', time };
  }
  return `missing time field "${TIME_FIELDS.minute}" (number) or "${TIME_FIELDS.iso}" (ISO string)`;
}

function decodeValue(event: Record<string, unknown>, field: string): number | string {
  const value = event[field];
  if (value === undefined) return `missing numeric field "${field}"`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `field "${field}" is not a number (got ${shown(value)})`;
  return value;
}

function decodeEvent({ location, record }: InputRecord, field: string): DecodedEvent | BadEvent {
  if (!isRecordObject(record)) return { location, reason: `not a JSON object (got ${shown(record)})` };
  const time = decodeTime(record);
  const value = decodeValue(record, field);
  const reasons = [time, value].filter((part): part is string => typeof part === 'string');
  if (typeof time === 'string' || typeof value === 'string') return { location, reason: reasons.join('; ') };
  return { location, unit: time.unit, time: time.time, value };
}

function inputUnit(events: readonly DecodedEvent[]): TimeUnit {
  const firstMinute = events.find((event) => event.unit === 'minute');
  const firstIso = events.find((event) => event.unit === 'iso');
  if (firstMinute !== undefined && firstIso !== undefined) {
    throw new CommandError(
      `input mixes "${TIME_FIELDS.minute}" (${firstMinute.location}) and "${TIME_FIELDS.iso}" (${firstIso.location}) events; ` +
        'use one time field throughout',
      EXIT_CODE.badInput,
    );
  }
  return firstIso === undefined ? 'minute' : 'iso';
}

function specInMinutes(spec: WindowSpec, texts: Readonly<Partial<Record<DurationFlag, string>>>): WindowSpec {
  const minutes = (ms: number, flag: DurationFlag): number => {
    if (ms % MS_PER_MINUTE !== 0) {
      throw usageError(`--${flag} ${texts[flag] ?? ''} is not a whole number of minutes, which "${TIME_FIELDS.minute}" input needs`);
    }
    return ms / MS_PER_MINUTE;
  };
  switch (spec.kind) {
    case 'tumbling':
      return { kind: spec.kind, sizeMs: minutes(spec.sizeMs, 'size') };
    case 'hopping':
      return { kind: spec.kind, sizeMs: minutes(spec.sizeMs, 'size'), hopMs: minutes(spec.hopMs, 'hop') };
    case 'sliding':
      return { kind: spec.kind, sizeMs: minutes(spec.sizeMs, 'size'), slideMs: minutes(spec.slideMs, 'slide') };
  }
}

const WINDOW_LABELS: Readonly<Record<TimeUnit, (start: number, end: number) => string>> = {
  minute: (start, end) => `${start}-${end}`,
  iso: (start, end) => `${new Date(start).toISOString()}/${new Date(end).toISOString()}`,
};

function toRow({ start, end, sum, count, min, max, avg }: WindowAggregate, unit: TimeUnit): WindowRow {
  return { window: WINDOW_LABELS[unit](start, end), sum, count, min, max, avg };
}

async function run(argv: string[], io: CommandIO): Promise<ExitCode> {
  const options = parseOptions(argv);
  if (options.help) {
    await write(io.stdout, USAGE);
    return EXIT_CODE.ok;
  }

  const { records, bad } = parseRecords(await readAll(io.stdin));
  const events: DecodedEvent[] = [];
  for (const decoded of records.map((record) => decodeEvent(record, options.field))) {
    if ('reason' in decoded) bad.push(decoded);
    else events.push(decoded);
  }
  for (const { location, reason } of bad) await write(io.stderr, `${PREFIX}${location}: ${reason}\n`);

  const unit = inputUnit(events);
  const spec = unit === 'minute' ? specInMinutes(options.spec, options.durationTexts) : options.spec;
  const rows = aggregateWindows(events, spec).map((aggregate) => toRow(aggregate, unit));
  await write(io.stdout, `${JSON.stringify(rows, null, 2)}\n`);
  return bad.length > 0 ? EXIT_CODE.badInput : EXIT_CODE.ok;
}

/** `riskstream windows`: event-time window aggregates of the events on stdin. Returns the exit code:
 * 0 done, 1 bad input (bad events are reported and the good ones still aggregated), 2 usage error. */
export async function windowsCommand(argv: string[], io: CommandIO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    await write(io.stderr, `${PREFIX}${error.message}\n`);
    if (error.exitCode === EXIT_CODE.usage) await write(io.stderr, USAGE);
    return error.exitCode;
  }
}
