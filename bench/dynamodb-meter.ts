import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { WriteLedger } from './write-ledger';

type Item = Record<string, AttributeValue>;

interface ConsumedCapacityLike {
  readonly CapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

export interface MeterReading {
  /** HTTP requests sent, SDK retries included. */
  readonly requests: number;
  readonly byCommand: Readonly<Record<string, number>>;
  /** Write units by DynamoDB's size rule (see item-size.ts). */
  readonly writeUnits: number;
  readonly writeUnitsByTable: Readonly<Record<string, number>>;
  /** What the emulator put in ConsumedCapacity for the writes, for comparison. */
  readonly reportedWriteUnits: number;
  /** Write commands the meter cannot price (none in this bench; listed so that none is missed silently). */
  readonly unmetered: Readonly<Record<string, number>>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const UNMETERED_WRITES = new Set(['TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);

/**
 * Counts every DynamoDB request a client sends and prices its writes, as SDK middleware on the
 * client handed to the code under test (ours and the baseline alike), so neither side needs to
 * know it is measured. Two additions go on the wire and are taken off the answer again, so the
 * caller sees what it asked for: ReturnConsumedCapacity (to read what the emulator reports) and,
 * on an UpdateItem that asked for no values, ReturnValues ALL_NEW (the size after the update).
 * Neither changes what DynamoDB bills.
 */
export class DynamoDBMeter {
  private requests = 0;
  private byCommand: Record<string, number> = {};
  private reported = 0;
  private readonly unmetered: Record<string, number> = {};
  readonly ledger: WriteLedger;

  constructor(keys: Readonly<Record<string, readonly string[]>>) {
    this.ledger = new WriteLedger(keys);
  }

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        const isWrite = WRITES.has(command);
        const askedCapacity = input['ReturnConsumedCapacity'] !== undefined && input['ReturnConsumedCapacity'] !== 'NONE';
        const askedValues = input['ReturnValues'] !== undefined && input['ReturnValues'] !== 'NONE';
        const sent: Record<string, unknown> = {
          ...input,
          ...(isWrite && !askedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
          ...(command === 'UpdateItem' && !askedValues ? { ReturnValues: 'ALL_NEW' } : {}),
        };
        try {
          const result = await next({ ...args, input: sent });
          const output = result.output as Record<string, unknown> & { $metadata?: { attempts?: number } };
          this.count(command, output.$metadata?.attempts ?? 1);
          if (isWrite) this.price(command, sent, output);
          if (isWrite && !askedCapacity) delete output['ConsumedCapacity'];
          if (command === 'UpdateItem' && !askedValues) delete output['Attributes'];
          return result;
        } catch (error) {
          this.count(command, (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1);
          if (error instanceof ConditionalCheckFailedException) {
            this.ledger.conditionFailed(String(sent['TableName']), (sent['Key'] ?? sent['Item']) as Item);
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'benchDynamoDBMeter', override: true },
    );
  }

  read(): MeterReading {
    return {
      requests: this.requests,
      byCommand: { ...this.byCommand },
      writeUnits: this.ledger.units,
      writeUnitsByTable: this.ledger.unitsByTable(),
      reportedWriteUnits: this.reported,
      unmetered: { ...this.unmetered },
    };
  }

  private count(command: string, attempts: number): void {
    this.requests += attempts;
    this.byCommand[command] = (this.byCommand[command] ?? 0) + attempts;
    if (UNMETERED_WRITES.has(command)) this.unmetered[command] = (this.unmetered[command] ?? 0) + 1;
  }

  private price(command: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const consumed = output['ConsumedCapacity'] as ConsumedCapacityLike | ConsumedCapacityLike[] | undefined;
    for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed])
      this.reported += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
    const table = String(input['TableName']);
    switch (command) {
      case 'PutItem':
        this.ledger.put(table, input['Item'] as Item);
        return;
      case 'UpdateItem': {
        const after = input['ReturnValues'] === 'ALL_NEW' ? (output['Attributes'] as Item | undefined) : undefined;
        if (after) this.ledger.update(table, input['Key'] as Item, after);
        else this.unmetered['UpdateItem without ALL_NEW'] = (this.unmetered['UpdateItem without ALL_NEW'] ?? 0) + 1;
        return;
      }
      case 'DeleteItem':
        this.ledger.delete(table, input['Key'] as Item);
        return;
      case 'BatchWriteItem':
        this.priceBatch(
          input['RequestItems'] as Record<string, WriteRequest[]>,
          (output['UnprocessedItems'] ?? {}) as Record<string, WriteRequest[]>,
        );
        return;
    }
  }

  /** Each item of a BatchWriteItem is a put or delete of its own; unprocessed ones were not written. */
  private priceBatch(requested: Record<string, WriteRequest[]>, unprocessed: Record<string, WriteRequest[]>): void {
    for (const [table, requests] of Object.entries(requested)) {
      const left = new Set(
        (unprocessed[table] ?? []).map((r) => this.ledger.keyOf(table, (r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {}) as Item)),
      );
      for (const request of requests) {
        if (request.PutRequest?.Item) {
          if (!left.has(this.ledger.keyOf(table, request.PutRequest.Item))) this.ledger.put(table, request.PutRequest.Item);
        } else if (request.DeleteRequest?.Key) {
          if (!left.has(this.ledger.keyOf(table, request.DeleteRequest.Key))) this.ledger.delete(table, request.DeleteRequest.Key);
        }
      }
    }
  }
}
