import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { STSClient } from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parseDeployConfig } from '../../infra/config';
import type { CfnTemplate } from '../emulator-gaps';
import { mappingsFromTemplate, physicalIdsOf, referencedLogicalId } from '../runtime/functions/mappings';
import type { ConsumerPosition } from './consumer-positions';
import { ConsumerStatus } from './consumer-positions';

/**
 * Where every consumer of a stack deployed to AWS stands: there Lambda keeps the checkpoints, and
 * each mapping's `IteratorAge` (the age of the last record it read, per function, not per shard) is
 * the figure. The consumers are the deployed template's event source mappings, named by the stack's
 * physical ids; each one's stalled threshold is its own IteratorAge alarm's.
 */
export interface CloudWatchPositionOptions {
  readonly cfn: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sts: STSClient;
  readonly now: number;
  /** How far back the latest IteratorAge is looked for (default 5 minutes). */
  readonly lookbackMs?: number;
}

/** Above this a consumer is behind: Lambda reads a caught-up shard about once a second, so its IteratorAge stays well under it. */
export const BEHIND_AFTER_MS = 60_000;
const LOOKBACK_MS = 5 * 60_000;
const PERIOD_S = 60;

export async function cloudWatchPositions(stackName: string, options: CloudWatchPositionOptions): Promise<ConsumerPosition[]> {
  const { TemplateBody } = await options.cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }));
  const template = JSON.parse(TemplateBody ?? '{"Resources":{}}') as CfnTemplate;
  const physicalIds = await physicalIdsOf(stackName, options.cfn);
  const { Account = '', Arn = '' } = await options.sts.send(new GetCallerIdentityCommand({}));
  const region = await options.cloudwatch.config.region();
  const mappings = mappingsFromTemplate(template, physicalIds, { region, account: Account, partition: Arn.split(':')[1] || 'aws' });
  if (mappings.length === 0) return [];

  const lookbackMs = options.lookbackMs ?? LOOKBACK_MS;
  const { MetricDataResults = [] } = await options.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(options.now - lookbackMs),
      // To the end of the current period: a datapoint of this minute is in it.
      EndTime: new Date(options.now + PERIOD_S * 1000),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: mappings.map((m, i) => ({
        Id: `m${i}`,
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: m.functionName }] },
          Period: PERIOD_S,
          Stat: 'Maximum',
        },
      })),
    }),
  );
  const latest = new Map(MetricDataResults.map((r) => [r.Id, r.Values?.[0]]));
  const fallbackStalledMs = parseDeployConfig({}).alarms.iteratorAgeMs;
  return mappings.map((m, i) => {
    // No datapoint in the lookback: the mapping read nothing (nothing came, or it is disabled).
    const behindMs = Math.round(latest.get(`m${i}`) ?? 0);
    const stalledAfterMs = iteratorAgeThreshold(template, m.functionLogicalId) ?? fallbackStalledMs;
    return {
      consumer: m.functionName,
      stream: m.source.kind === 'kinesis' ? m.source.streamName : `${m.source.tableName} (stream)`,
      shard: '*',
      checkpoint: null,
      behindRecords: null,
      behindMs,
      status: iteratorAgeStatus(behindMs, stalledAfterMs),
    };
  });
}

/** Caught up while the last record read was under a minute old, behind from then, stalled at the alarm's threshold. */
export function iteratorAgeStatus(iteratorAgeMs: number, stalledAfterMs: number): ConsumerStatus {
  if (iteratorAgeMs >= stalledAfterMs) return ConsumerStatus.stalled;
  return iteratorAgeMs > BEHIND_AFTER_MS ? ConsumerStatus.behind : ConsumerStatus.caughtUp;
}

/** The threshold of the template's IteratorAge alarm on this function (ms), if it has one (a plain alarm, or one on metric queries). */
function iteratorAgeThreshold(template: CfnTemplate, functionLogicalId: string): number | undefined {
  type Metric = { MetricName?: unknown; Dimensions?: Array<{ Name?: string; Value?: unknown }> };
  for (const resource of Object.values(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type !== 'AWS::CloudWatch::Alarm' || typeof props['Threshold'] !== 'number') continue;
    const queries = (props['Metrics'] ?? []) as Array<{ MetricStat?: { Metric?: Metric } }>;
    const metrics: Metric[] = [props as Metric, ...queries.flatMap((q) => q.MetricStat?.Metric ?? [])];
    const onFunction = metrics.some(
      (m) =>
        m.MetricName === 'IteratorAge' &&
        (m.Dimensions ?? []).some((d) => d.Name === 'FunctionName' && referencedLogicalId(d.Value, 'Arn') === functionLogicalId),
    );
    if (onFunction) return props['Threshold'];
  }
  return undefined;
}
