import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBLabelStore } from '../../shared/adapters/dynamodb-labels';
import { emulatorClientConfig } from '../clients';
import { reachableDeploy } from '../runtime/runtime';

/** The label store of a stack deployed from here (its deploy record): its state table on the emulator it was deployed to. */
export async function openLabelStore(stackName: string): Promise<{ store: DynamoDBLabelStore; destroy: () => void }> {
  const {
    deployed,
    outputs: { StateTableName: stateTable },
  } = await reachableDeploy(stackName, ['StateTableName']);
  const dynamodb = new DynamoDBClient(emulatorClientConfig(deployed.endpoint));
  return { store: new DynamoDBLabelStore(dynamodb, stateTable), destroy: () => dynamodb.destroy() };
}
