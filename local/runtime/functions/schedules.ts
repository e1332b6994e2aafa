import type { CfnTemplate } from '../../emulator-gaps';
import { deployedName, referencedLogicalId, resourceOf } from './mappings';

/** A function EventBridge invokes on a fixed rate, as the synthesized template defines it (AWS::Events::Rule). */
export interface ScheduleSpec {
  readonly ruleLogicalId: string;
  readonly functionLogicalId: string;
  readonly functionName: string;
  readonly everyMs: number;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(1 minute)`, `rate(5 minutes)`… in ms; anything else (a cron expression) is refused by name. */
export function rateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  const value = Number(match?.[1]);
  const unit = UNIT_MS[match?.[2] ?? ''];
  if (!match || unit === undefined || value < 1)
    throw new Error(`schedule ${JSON.stringify(expression)}: only rate(N minutes|hours|days) is supported by the local runtime`);
  return value * unit;
}

/**
 * Every enabled scheduled rule of `template` (the default synth) that targets a function of the
 * template, as the local runtime runs it: it invokes the deployed function at that rate, as
 * EventBridge would. Rules on event patterns are not schedules and are left alone.
 */
export function schedulesFromTemplate(template: CfnTemplate, physicalIds: ReadonlyMap<string, string>): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [];
  for (const [ruleLogicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resource.Properties ?? {};
    const expression = props['ScheduleExpression'];
    if (typeof expression !== 'string' || props['State'] === 'DISABLED') continue;
    const everyMs = rateMs(expression);
    for (const target of (props['Targets'] as Array<{ Arn?: unknown }> | undefined) ?? []) {
      const functionLogicalId = referencedLogicalId(target.Arn, 'Arn');
      const fn = functionLogicalId === undefined ? undefined : resourceOf(template, functionLogicalId, 'AWS::Lambda::Function');
      if (functionLogicalId === undefined || fn === undefined) continue;
      const functionName = deployedName(physicalIds, functionLogicalId, fn, 'FunctionName');
      if (functionName === undefined) throw new Error(`schedule ${ruleLogicalId}: no deployed name for function ${functionLogicalId}`);
      specs.push({ ruleLogicalId, functionLogicalId, functionName, everyMs });
    }
  }
  return specs;
}
