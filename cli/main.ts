import type { CommandIO } from './io';
import { write } from './io';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** A command's module, required when it runs (tsx compiles what `require` loads; a native import() would pass it by). */
function lazy(path: string, name: string): () => Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (require(path) as Record<string, Command>)[name] as Command;
}

/**
 * Each command is loaded when it runs: `score` then starts without the AWS SDK, the CDK and the
 * demo's modules behind the other commands (the CLI compiles its sources as it loads them).
 */
const COMMANDS: Record<string, { readonly load: () => Command; readonly summary: string }> = {
  score: {
    load: lazy('./commands/score', 'scoreCommand'),
    summary: 'score JSON-lines transactions and readings from stdin, one decision per line',
  },
  windows: {
    load: lazy('./commands/windows', 'windowsCommand'),
    summary: 'tumbling, hopping or sliding window aggregates of events from stdin',
  },
  demo: {
    load: lazy('./commands/demo', 'demoCommand'),
    summary: 'the whole pipeline on this machine with generated traffic, and a summary of what it did',
  },
  up: {
    load: lazy('./commands/up-down', 'upCommand'),
    summary: 'start (or reuse) the local AWS emulator and deploy the stack into it',
  },
  down: { load: lazy('./commands/up-down', 'downCommand'), summary: 'stop the emulator that up started' },
  run: {
    load: lazy('./commands/run', 'runPipelineCommand'),
    summary: 'run the deployed functions locally from their streams (resumes from checkpoints)',
  },
  redrive: {
    load: lazy('./commands/redrive', 'redriveCommand'),
    summary: "replay the DLQs' ranges or the quarantined records through the deployed functions",
  },
  incidents: {
    load: lazy('./commands/incidents', 'incidentsCommand'),
    summary: 'list the open incidents of the deployed stack; show, ack, snooze or resolve one',
  },
  rules: {
    load: lazy('./commands/rules', 'rulesCommand'),
    summary: 'the scoring rules as versions: show, history, diff, validate, propose, promote, rollback',
  },
  backtest: {
    load: lazy('./commands/backtest', 'backtestCommand'),
    summary: 'judge history with the live rules and a candidate, in memory, and show where they differ',
  },
  label: {
    load: lazy('./commands/label', 'labelCommand'),
    summary: "store an analyst's verdict (fraud or legit) on a transaction or incident; list them",
  },
  produce: {
    load: lazy('./commands/produce', 'produceCommand'),
    summary: 'put events (a JSON-lines file, or generated traffic) into the deployed streams',
  },
  status: {
    load: lazy('./commands/status', 'statusCommand'),
    summary: 'where every consumer of the deployed stack stands, per function and shard (checkpoint, records behind)',
  },
  'deploy-local': {
    load: lazy('./commands/deploy-local', 'deployLocalCommand'),
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
  return command.load()(rest, io);
}
