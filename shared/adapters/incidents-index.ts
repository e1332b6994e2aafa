import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { INCIDENTS_INDEX, KEY } from './dynamodb-items';

/**
 * The state table keys under `type` in the incidents index (entities with open incidents, held
 * notifications) whose `due` (epoch seconds) is at most `dueBy`, every page read. The index keeps
 * keys only: what is needed beyond the key is read from the table.
 */
export async function dueKeys(
  client: DynamoDBClient,
  table: string,
  type: string,
  dueBy: number,
): Promise<Array<Record<string, AttributeValue>>> {
  const keys: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: INCIDENTS_INDEX.name,
        KeyConditionExpression: '#type = :type AND #due <= :dueBy',
        ExpressionAttributeNames: { '#type': INCIDENTS_INDEX.partitionKey, '#due': INCIDENTS_INDEX.sortKey },
        ExpressionAttributeValues: { ':type': { S: type }, ':dueBy': { N: String(dueBy) } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) if (item[KEY]) keys.push({ [KEY]: item[KEY] });
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return keys;
}
