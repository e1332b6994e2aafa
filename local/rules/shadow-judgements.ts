import type { AttributeValue, DynamoDBClient, ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Flip, Judgement } from '../backtest/comparison';
import { judgementText } from '../backtest/comparison';
import type { Alert } from '../../shared/domain/alerts';
import { KEY, SHADOW_ATTRIBUTE } from '../../shared/adapters/dynamodb-items';
import { namesOfRecordKey } from '../../shared/kinds/names';
import { kindNamed } from '../../shared/kinds/registry';

/** One event as the scorers stored it: the live rules' judgement and, beside it, the candidate's in shadow. */
export interface ShadowedEvent extends Pick<Flip, 'eventId' | 'kind' | 'eventTime'> {
  readonly liveVersion?: number;
  readonly candidateVersion?: number;
  readonly live: Judgement;
  readonly candidate: Judgement;
}

/**
 * The event records the scorers judged in shadow since `sinceMs` (their decidedAt, wall clock): a
 * Scan of the state table, every page, keeping the records that carry a shadow judgement. A Scan
 * reads the whole table; an analyst's report an hour is cheap beside the scorers' own traffic, and it
 * keeps the scorers' path free of a second write per event (an index would cost one).
 */
export async function* shadowJudgements(client: DynamoDBClient, table: string, sinceMs: number): AsyncGenerator<ShadowedEvent> {
  const items = scanned(client, {
    TableName: table,
    FilterExpression: 'attribute_exists(#shadow) AND #decidedAt >= :since',
    ExpressionAttributeNames: { '#shadow': SHADOW_ATTRIBUTE, '#decidedAt': 'decidedAt' },
    ExpressionAttributeValues: { ':since': { N: String(sinceMs) } },
  });
  for await (const item of items) {
    const event = shadowedEvent(item);
    if (event) yield event;
  }
}

/**
 * The incidents' notifications in the alerts table (a Scan; the table keeps them as long as the
 * alerts): which events opened and escalated which incident, so a verdict on an incident labels its
 * events in a shadow report as it does in a backtest.
 */
export async function* incidentNotifications(client: DynamoDBClient, table: string): AsyncGenerator<Pick<Alert, 'eventIds' | 'incident'>> {
  const items = scanned(client, {
    TableName: table,
    FilterExpression: 'attribute_exists(#incident)',
    ProjectionExpression: '#incident, #eventIds',
    ExpressionAttributeNames: { '#incident': 'incident', '#eventIds': 'eventIds' },
  });
  for await (const item of items) yield item as Pick<Alert, 'eventIds' | 'incident'>;
}

/** Every item a Scan returns, page after page, unmarshalled. */
async function* scanned(
  client: DynamoDBClient,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey'>,
): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) yield unmarshall(item);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/** A record judged in shadow, read through its kind (the record's key says which). */
function shadowedEvent(item: Record<string, unknown>): ShadowedEvent | undefined {
  const shadow = item[SHADOW_ATTRIBUTE] as Record<string, unknown> | undefined;
  const names = namesOfRecordKey(String(item[KEY] ?? ''));
  if (!shadow || !names) return undefined;
  const kind = kindNamed(names.name);
  return {
    eventId: String(item[names.record.idField]),
    kind: names.name,
    eventTime: String(item['eventTime'] ?? ''),
    ...(typeof item['rulesVersion'] === 'number' ? { liveVersion: item['rulesVersion'] } : {}),
    ...(typeof shadow['rulesVersion'] === 'number' ? { candidateVersion: shadow['rulesVersion'] } : {}),
    live: judgementText(kind.storedJudgement(item)),
    candidate: judgementText(kind.storedJudgement(shadow)),
  };
}
