import { ConfigurationError } from '../errors';
import { maskCardNumbers } from '../observability/mask';
import { ALL_KIND_NAMES } from '../kinds/names';

/**
 * Analysts' verdicts on transactions and incidents: the labels a backtest and a shadow report
 * count detections against (fraud is the positive class).
 */
export const Verdict = { fraud: 'fraud', legit: 'legit' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface Label {
  /** A transaction's or an incident's id, as the pipeline keeps it (trimmed). */
  readonly id: string;
  readonly verdict: Verdict;
  readonly note?: string;
  /** ISO 8601. */
  readonly labelledAt: string;
}

export type LabelField = 'id' | 'verdict' | 'note' | 'labelledAt';

/** A label a person must correct; the message starts with the field it names. */
export class InvalidLabelError extends ConfigurationError {
  override readonly name = 'InvalidLabelError';
  constructor(
    readonly field: LabelField,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** Room for a reading's id (a device id of up to 128 characters, `@`, an ISO time) with some to spare. */
export const MAX_LABEL_ID_LENGTH = 256;
/** A note is a sentence or two, and it is shown on one table line. */
export const MAX_NOTE_LENGTH = 1_000;

/** C0 and C1 controls and the noncharacters U+FFFE/U+FFFF, as the event validator refuses them in ids. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;

/**
 * 13 or more digits in a row, with any run of spaces, dots, slashes, underscores or dashes between
 * them: a card number (13–19 digits) however it is written. A longer run is refused too, since a
 * card number may sit inside it. Digits of other scripts (full-width ９) count as digits.
 */
const CARD_NUMBER_LIKE = /\p{Nd}(?:[\s._/-]*\p{Nd}){12}/u;

export function isVerdict(value: unknown): value is Verdict {
  return value === Verdict.fraud || value === Verdict.legit;
}

export function parseVerdict(value: unknown): Verdict {
  if (isVerdict(value)) return value;
  throw new InvalidLabelError('verdict', `must be fraud or legit, got ${shown(value)}`);
}

/** The id trimmed, as the event validator trims the ids it passes on: a label must name the id the pipeline judged. */
export function parseLabelId(value: unknown): string {
  const problem = idProblem(value);
  if (problem !== undefined) throw new InvalidLabelError('id', problem);
  return (value as string).trim();
}

/** The note trimmed. Notes are free text that is stored, so one that could hold a card number is refused. */
export function parseLabelNote(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidLabelError('note', `must be a string, got ${typeName(value)}`);
  const note = value.trim();
  if (note.length === 0) throw new InvalidLabelError('note', 'must not be empty (leave it out instead)');
  if (note.length > MAX_NOTE_LENGTH) throw new InvalidLabelError('note', `must be at most ${MAX_NOTE_LENGTH} characters`);
  if (CONTROL.test(note)) throw new InvalidLabelError('note', 'must not hold control characters (it is shown on one line)');
  // The note itself is never quoted: it is what must not be repeated anywhere.
  if (CARD_NUMBER_LIKE.test(note) || maskCardNumbers(note) !== note)
    throw new InvalidLabelError('note', 'looks like a card number (13 or more digits in a run): card numbers must never be stored');
  return note;
}

/** A whole label checked field by field, as a store checks it before writing. */
export function parseLabel(input: {
  readonly id: unknown;
  readonly verdict: unknown;
  readonly note?: unknown;
  readonly labelledAt: unknown;
}): Label {
  const id = parseLabelId(input.id);
  const verdict = parseVerdict(input.verdict);
  const note = input.note === undefined ? undefined : parseLabelNote(input.note);
  if (typeof input.labelledAt !== 'string' || !Number.isFinite(Date.parse(input.labelledAt)))
    throw new InvalidLabelError('labelledAt', `must be an ISO 8601 time, got ${shown(input.labelledAt)}`);
  return { id, verdict, ...(note === undefined ? {} : { note }), labelledAt: input.labelledAt };
}

/** The verdicts of a labels file by id (the last line of an id wins), and what is wrong with the other lines. */
export interface LabelsFile {
  readonly labels: Map<string, Verdict>;
  readonly errors: string[];
}

/**
 * Reads JSON lines in either of two forms: an analyst's `{"id": …, "verdict": "fraud"|"legit"}`
 * (what `riskstream label list --json` prints), or the traffic generator's
 * `{"id": …, "kind": "transaction"|"reading", "label": "normal"|<anomaly>, "scenario"?: n}`
 * (`riskstream produce --labels`), where an anomaly of either kind counts as fraud, the positive
 * class, and "normal" as legit. A line with `verdict` is read in the first form. Other fields are
 * ignored; blank lines are skipped; every bad line is reported with its number.
 */
export function parseLabelsFile(text: string): LabelsFile {
  const labels = new Map<string, Verdict>();
  const errors: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const read = verdictOfLine(line);
    if ('problem' in read) errors.push(`line ${index + 1}: ${read.problem}`);
    else labels.set(read.id, read.verdict);
  });
  return { labels, errors };
}

type LineReading = { readonly id: string; readonly verdict: Verdict } | { readonly problem: string };

function verdictOfLine(line: string): LineReading {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: `expected a JSON object, got ${typeName(value)}` };
  const fields = value as Record<string, unknown>;
  const problem = idProblem(fields['id']);
  if (problem !== undefined) return { problem: `id ${problem}` };
  const id = (fields['id'] as string).trim();
  if ('verdict' in fields) {
    return isVerdict(fields['verdict'])
      ? { id, verdict: fields['verdict'] }
      : { problem: `verdict must be fraud or legit, got ${shown(fields['verdict'])}` };
  }
  if (!('label' in fields)) return { problem: 'needs "verdict" (fraud or legit), or the generator\'s "kind" and "label"' };
  const { kind, label } = fields;
  if (!ALL_KIND_NAMES.some((names) => names.name === kind))
    return { problem: `kind must be ${ALL_KIND_NAMES.map((names) => names.name).join(' or ')}, got ${shown(kind)}` };
  if (typeof label !== 'string' || label.trim() === '')
    return { problem: `label must be "normal" or an anomaly's name, got ${shown(label)}` };
  return { id, verdict: label.trim() === 'normal' ? Verdict.legit : Verdict.fraud };
}

function idProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is missing';
  if (typeof value !== 'string') return `must be a string, got ${typeName(value)}`;
  const id = value.trim();
  if (id.length === 0) return 'must not be empty';
  if (id.length > MAX_LABEL_ID_LENGTH) return `must be at most ${MAX_LABEL_ID_LENGTH} characters, got ${id.length}`;
  return CONTROL.test(id) ? 'must not hold control characters' : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A wrong value as the message quotes it: short, so a stray paste does not fill the terminal. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeName(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
