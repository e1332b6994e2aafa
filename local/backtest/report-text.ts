import type { BacktestReport } from './backtest';
import type { ComparisonReport, Side } from './comparison';
import type { RuleQuality } from './rule-quality';
import { SIDES } from './comparison';

const HOURS_SHOWN = 24;

/** A backtest's report as an analyst reads it on a terminal: what moves, by how much, with examples, and when. */
export function backtestText(report: BacktestReport, names: Record<Side, string>): string {
  const header = `${events(report.events)} judged by both (${report.duplicates} repeats skipped, as the pipeline skips them)`;
  return [header, ...comparisonLines(report, names), ...hourLines(report, names)].join('\n') + '\n';
}

/** Two judgements of the same events (a backtest's, or the live rules and their shadow): outcomes, flips, the rules' quality. */
export function comparisonText(header: string, report: ComparisonReport, names: Record<Side, string>): string {
  return [header, ...comparisonLines(report, names)].join('\n') + '\n';
}

function comparisonLines(report: ComparisonReport, names: Record<Side, string>): string[] {
  const out: string[] = [];
  const width = Math.max(...Object.values(names).map((n) => n.length), 9);
  out.push('', 'outcomes');
  const outcomes = [...new Set(SIDES.flatMap((s) => Object.keys(report.outcomes[s])))].sort();
  out.push(`  ${''.padEnd(24)} ${SIDES.map((s) => names[s].padStart(width)).join(' ')}   change`);
  for (const outcome of outcomes) {
    const [live, candidate] = SIDES.map((s) => report.outcomes[s][outcome] ?? 0) as [number, number];
    out.push(`  ${outcome.padEnd(24)} ${String(live).padStart(width)} ${String(candidate).padStart(width)}   ${signed(candidate - live)}`);
  }

  const flips = Object.entries(report.flips).sort(([, a], [, b]) => b - a);
  out.push('', flips.length === 0 ? 'flips: none (every event gets the same outcome)' : 'flips');
  for (const [direction, count] of flips) {
    out.push(`  ${direction}: ${count}`);
    for (const example of report.examples.filter((e) => `${e.live.outcome} → ${e.candidate.outcome}` === direction)) {
      const verdict = example.verdict === undefined ? '' : ` (labelled ${example.verdict})`;
      out.push(`    ${example.eventId} at ${example.eventTime}${verdict}`);
      for (const side of SIDES) {
        const { riskScore, reasons } = example[side];
        const score = riskScore === undefined ? '' : ` risk ${riskScore.toFixed(2)}`;
        out.push(`      ${names[side]}:${score} ${reasons.length === 0 ? '(no rule fired)' : reasons.join('; ')}`);
      }
    }
  }

  if (report.labels) {
    const { labelled, fraud, rules, unmatched } = report.labels;
    out.push('', `against ${labelled} labelled ${labelled === 1 ? 'event' : 'events'} (${fraud} fraud): precision / recall per rule`);
    if (unmatched > 0)
      out.push(`  (${unmatched} more verdicts label no event judged here: events of other times, or incidents opened outside it)`);
    const ruleNames = [...new Set(SIDES.flatMap((s) => Object.keys(rules[s])))].sort();
    for (const rule of ruleNames) {
      out.push(`  ${rule.padEnd(20)} ${SIDES.map((s) => `${names[s]} ${quality(rules[s][rule])}`).join('   ')}`);
    }
  } else {
    out.push('', 'no labels: give --labels, or store verdicts with `riskstream label`, for precision and recall');
  }
  return out;
}

function hourLines(report: BacktestReport, names: Record<Side, string>): string[] {
  const hours = Object.entries(report.perHour);
  if (hours.length === 0) return [];
  const total = (side: Side, what: 'alerts' | 'incidents') => hours.reduce((sum, [, sides]) => sum + sides[side][what], 0);
  const per = (what: 'alerts' | 'incidents') =>
    `${what} ${total('live', what)} → ${total('candidate', what)} (${(total('live', what) / hours.length).toFixed(1)} → ${(total('candidate', what) / hours.length).toFixed(1)} an hour)`;
  const out = [
    '',
    `over ${hours.length} hours of event time, ${names.live} → ${names.candidate}: ${per('alerts')}, ${per('incidents')} opened`,
  ];
  // The hours that differ, as many as a screen holds: where the candidate would wake people that the live rules let sleep.
  const differing = hours.filter(([, s]) => s.live.alerts !== s.candidate.alerts || s.live.incidents !== s.candidate.incidents);
  for (const [hour, sides] of differing.slice(0, HOURS_SHOWN)) {
    out.push(
      `  ${hour}  alerts ${sides.live.alerts} → ${sides.candidate.alerts}   incidents ${sides.live.incidents} → ${sides.candidate.incidents}`,
    );
  }
  if (differing.length > HOURS_SHOWN) out.push(`  … ${differing.length - HOURS_SHOWN} more hours differ (--json lists every hour)`);
  return out;
}

/** "1 event", "2 events". */
export function events(n: number): string {
  return `${n} ${n === 1 ? 'event' : 'events'}`;
}

function quality(q: RuleQuality | undefined): string {
  if (!q) return 'never fired';
  return `${ratio(q.precision)} / ${ratio(q.recall)} (${q.flagged} flagged)`;
}

function ratio(value: number | null): string {
  return value === null ? '–' : value.toFixed(3);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
