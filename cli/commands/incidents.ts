import { parseArgs } from 'node:util';
import { actionDone, actionStatus, incidentDetails, incidentJson, incidentsJsonLines, incidentsTable } from '../../local/incidents/format';
import type { IncidentOperator, OperatorRequest } from '../../local/incidents/operator';
import { openIncidentOperator } from '../../local/incidents/operator';
import { parseDuration } from '../../shared/domain/duration';
import type { EntityType } from '../../shared/state/store';
import { ALL_ENTITY_TYPES } from '../../shared/kinds/names';
import type { CommandIO } from '../io';
import { flagOnlyWith, UsageError } from '../usage';
import { write } from '../io';

const USAGE = `usage: riskstream incidents list [--type user|device | --all-types] [--json] [--stack Riskstream]
       riskstream incidents show <incidentId> [--json] [--stack Riskstream]
       riskstream incidents ack <incidentId> [--stack Riskstream]
       riskstream incidents resolve <incidentId> [--stack Riskstream]
       riskstream incidents snooze <incidentId> --for 30m [--stack Riskstream]

The open incidents of the deployed stack, and an operator's word on them.
list: one line per open incident (users' and devices', or --type's), critical first; --json prints
  one JSON object a line.
show: every field of one incident, and the operators' actions on its entity, each pending until the
  pipeline applied it.
ack: no more reminders for the incident (escalations and its resolution still notify).
resolve: closes the incident now; its resolution is notified.
snooze: for the incident's entity and cause, nothing is delivered until --for has passed (durations
  as 90s, 30m, 2h); transitions are still recorded, and incidents opened meanwhile start snoozed.
ack, resolve and snooze store the action for the entity and put a control record into its stream:
the scorer, the entity's one writer, applies it when that record reaches it (seconds while the
pipeline runs: \`riskstream run\`). Exit status 1 when the incident is not open.`;

export type IncidentsRequest =
  | { readonly command: 'help' }
  | { readonly command: 'list'; readonly types: readonly EntityType[]; readonly json: boolean; readonly stack: string }
  | { readonly command: 'show'; readonly incidentId: string; readonly json: boolean; readonly stack: string }
  | { readonly command: 'act'; readonly incidentId: string; readonly request: OperatorRequest; readonly stack: string };

const SUBCOMMANDS = ['list', 'show', 'ack', 'resolve', 'snooze'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function isSubcommand(text: string): text is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(text);
}

/** The command line as a request; UsageError names what is wrong. */
export function parseIncidentsArgs(argv: readonly string[]): IncidentsRequest {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      type: { type: 'string' },
      'all-types': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      for: { type: 'string' },
      stack: { type: 'string', default: 'Riskstream' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { command: 'help' };
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError(`say what to do: ${SUBCOMMANDS.join(', ')}`);
  if (!isSubcommand(sub)) throw new UsageError(`unknown incidents command "${sub}": ${SUBCOMMANDS.join(', ')}`);
  const only = (flag: string, given: boolean, allowed: readonly Subcommand[]) => flagOnlyWith('incidents', sub, flag, given, allowed);
  only('--type', values.type !== undefined, ['list']);
  only('--all-types', values['all-types'], ['list']);
  only('--json', values.json, ['list', 'show']);
  only('--for', values.for !== undefined, ['snooze']);
  const stack = values.stack;

  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (values.type !== undefined && values['all-types']) throw new UsageError('give --type or --all-types, not both');
    return { command: 'list', types: entityTypes(values.type), json: values.json, stack };
  }
  const [incidentId, ...extra] = rest;
  if (incidentId === undefined || incidentId === '')
    throw new UsageError(`\`incidents ${sub}\` needs an incident id (see \`incidents list\`)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (sub === 'show') return { command: 'show', incidentId, json: values.json, stack };
  if (sub === 'snooze') {
    if (values.for === undefined) throw new UsageError('`incidents snooze` needs --for, a duration such as 30m');
    let forMs: number;
    try {
      forMs = parseDuration(values.for);
    } catch (error) {
      throw new UsageError(`--for: ${(error as Error).message}`, { cause: error });
    }
    return { command: 'act', incidentId, request: { action: 'snooze', forMs }, stack };
  }
  return { command: 'act', incidentId, request: { action: sub }, stack };
}

function entityTypes(type: string | undefined): readonly EntityType[] {
  if (type === undefined) return ALL_ENTITY_TYPES;
  const known = ALL_ENTITY_TYPES.find((t) => t === type);
  if (!known) throw new UsageError(`--type must be ${ALL_ENTITY_TYPES.join(' or ')}, got "${type}"`);
  return [known];
}

export async function incidentsCommand(argv: string[], io: CommandIO): Promise<number> {
  let request: IncidentsRequest;
  try {
    request = parseIncidentsArgs(argv);
  } catch (error) {
    await write(io.stderr, `riskstream incidents: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (request.command === 'help') return (await write(io.stdout, `${USAGE}\n`), 0);

  let operator: IncidentOperator | undefined;
  try {
    operator = await openIncidentOperator(request.stack);
    await run(operator, request, io);
    return 0;
  } catch (error) {
    await write(io.stderr, `riskstream incidents: ${(error as Error).message}\n`);
    return 1;
  } finally {
    operator?.destroy();
  }
}

async function run(operator: IncidentOperator, request: Exclude<IncidentsRequest, { command: 'help' }>, io: CommandIO): Promise<void> {
  const now = Date.now();
  switch (request.command) {
    case 'list': {
      const open = await operator.listOpen(request.types);
      await write(io.stdout, request.json ? incidentsJsonLines(open, now) : incidentsTable(open, now));
      return;
    }
    case 'show': {
      const { open, entity } = await operator.find(request.incidentId);
      const actions = await operator.actionsOn(open.entityType, open.entityId);
      const text = request.json
        ? `${JSON.stringify({ ...incidentJson(open, now), operatorActions: actions.map((a) => ({ ...a, status: actionStatus(a, entity, now) })) })}\n`
        : incidentDetails(open, entity, actions, now);
      await write(io.stdout, text);
      return;
    }
    case 'act': {
      const outcome = await operator.act(request.incidentId, request.request);
      const text =
        outcome.status === 'stored'
          ? actionDone(outcome.open, outcome.action)
          : `incident ${outcome.open.incident.id} was already acknowledged at ${new Date(outcome.acknowledgedAt).toISOString()}: nothing to do\n`;
      await write(io.stdout, text);
      return;
    }
  }
}
