import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBLabelStore } from '../../shared/adapters/dynamodb-labels';
import { emulatorClientConfig } from '../clients';
import { readDeployRecord } from '../deploy';
import { answers } from '../emulator';
import { NotDeployedError } from '../runtime/runtime';

/** The label store of a stack deployed from here (its deploy record): its state table on the emulator it was deployed to. */
export async function openLabelStore(stackName: string): Promise<{ store: DynamoDBLabelStore; destroy: () => void }> {
  const deployed = readDeployRecord(stackName);
  const stateTable = deployed?.outputs['StateTableName'];
  if (!deployed || !stateTable)
    throw new NotDeployedError(`the stack ${stackName} is not deployed from here: run \`riskstream up\` first.`);
  if (!(await answers(deployed.endpoint))) {
    throw new NotDeployedError(
      `the emulator ${stackName} was deployed to (${deployed.endpoint}) does not answer: run \`riskstream up\` again.`,
    );
  }
  const dynamodb = new DynamoDBClient(emulatorClientConfig(deployed.endpoint));
  return { store: new DynamoDBLabelStore(dynamodb, stateTable), destroy: () => dynamodb.destroy() };
}
