import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { OVERVIEW_PROJECTION, projectionOf } from '../../shared/adapters/dynamodb-items';

/** One tumbling window of one entity, as its state item holds it. */
export interface WindowFigure {
  readonly entity: string;
  /** Window start, epoch ms. */
  readonly start: number;
  readonly count: number;
  readonly sum: number;
}

export interface StateFigures {
  readonly decisionsByAction: Record<string, number>;
  /** The windows with the most events, most first. */
  readonly busiestWindows: readonly WindowFigure[];
  /** When the scan finished, and how long it took (ms). */
  readonly readAt: number;
  readonly tookMs: number;
}

export interface StateScope {
  /** Decisions of transactions whose id passes this test are counted (the demo's own). */
  readonly isOurs: (transactionId: string) => boolean;
  /** Windows that start before this (epoch ms) are not shown. */
  readonly windowsSince: number;
  readonly top?: number;
}

/**
 * What the state table holds, read the way an operator would: one Scan of the decision items
 * (`txn#…`) and the entity items (`user#…`, `device#…`, whose `panes` map holds one aggregate per
 * tumbling window). A scan costs one request per 1 MB of table, so callers space them out.
 */
export async function readStateFigures(dynamodb: DynamoDBClient, table: string, scope: StateScope): Promise<StateFigures> {
  const started = Date.now();
  const decisionsByAction: Record<string, number> = {};
  const windows: WindowFigure[] = [];
  const pages = paginateScan(
    { client: dynamodb },
    {
      TableName: table,
      ...projectionOf(OVERVIEW_PROJECTION),
    },
  );
  for await (const page of pages) {
    for (const item of (page.Items ?? []).map((i) => unmarshall(i))) {
      if (item['itemType'] === 'decision') {
        if (!scope.isOurs(String(item['transactionId']))) continue;
        const action = String(item['action']);
        decisionsByAction[action] = (decisionsByAction[action] ?? 0) + 1;
      } else if (item['panes'] && typeof item['panes'] === 'object') {
        for (const [start, pane] of Object.entries(item['panes'] as Record<string, { count?: number; sum?: number }>)) {
          if (Number(start) < scope.windowsSince) continue;
          windows.push({
            entity: `${String(item['entityType'])} ${String(item['entityId'])}`,
            start: Number(start),
            count: Number(pane.count ?? 0),
            sum: Number(pane.sum ?? 0),
          });
        }
      }
    }
  }
  windows.sort((a, b) => b.count - a.count || b.sum - a.sum || a.entity.localeCompare(b.entity));
  return { decisionsByAction, busiestWindows: windows.slice(0, scope.top ?? 8), readAt: Date.now(), tookMs: Date.now() - started };
}
