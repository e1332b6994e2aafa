import type { CommandIO } from './io';
import { write } from './io';
import { demoCommand } from './commands/demo';
import { deployLocalCommand } from './commands/deploy-local';
import { produceCommand } from './commands/produce';
import { redriveCommand } from './commands/redrive';
import { runPipelineCommand } from './commands/run';
import { downCommand, upCommand } from './commands/up-down';
import { scoreCommand } from './commands/score';
import { windowsCommand } from './commands/windows';
import { incidentsCommand } from './commands/incidents';
import { rulesCommand } from './commands/rules';

const COMMANDS: Record<string, { readonly run: (argv: string[], io: CommandIO) => Promise<number>; readonly summary: string }> = {
  score: { run: scoreCommand, summary: 'score JSON-lines transactions and readings from stdin, one decision per line' },
  windows: { run: windowsCommand, summary: 'tumbling, hopping or sliding window aggregates of events from stdin' },
  demo: { run: demoCommand, summary: 'the whole pipeline on this machine with generated traffic, and a summary of what it did' },
  up: { run: upCommand, summary: 'start (or reuse) the local AWS emulator and deploy the stack into it' },
  down: { run: downCommand, summary: 'stop the emulator that up started' },
  run: { run: runPipelineCommand, summary: 'run the deployed functions locally from their streams (resumes from checkpoints)' },
  redrive: { run: redriveCommand, summary: "replay the DLQs' ranges or the quarantined records through the deployed functions" },
  incidents: { run: incidentsCommand, summary: 'list the open incidents of the deployed stack; show, ack, snooze or resolve one' },
  rules: { run: rulesCommand, summary: 'the scoring rules as versions: show, history, diff, validate, propose, promote, rollback' },
  produce: { run: produceCommand, summary: 'put events (a JSON-lines file, or generated traffic) into the deployed streams' },
  'deploy-local': {
    run: deployLocalCommand,
    summary: 'cdk deploy the stack into the AWS emulator at AWS_ENDPOINT_URL (LocalStack or moto)',
  },
};

const USAGE = `usage: riskstream <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

riskstream <command> --help shows a command's options.`;

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await write(name === undefined ? io.stderr : io.stdout, `${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    await write(io.stderr, `riskstream: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  return command.run(rest, io);
}
