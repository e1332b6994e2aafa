import { unmarshall } from '@aws-sdk/util-dynamodb';
import { incidentsCommand, parseIncidentsArgs } from '../../../cli/commands/incidents';
import type { OpenIncident } from '../../../local/incidents/format';
import { actionDone, actionStatus, incidentDetails, incidentJson, incidentsTable } from '../../../local/incidents/format';
import { appendActionUpdate, operatorActionFor } from '../../../local/incidents/operator';
import type { Incident, OperatorAction } from '../../../shared/domain/incidents';
import { runCommand } from '../../support/command-io';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const MINUTE = 60_000;

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-temp-1',
    cause: 'temperature',
    severity: 'critical',
    openedAt: T0,
    lastSignalAt: T0 + 2 * MINUTE,
    events: 3,
    worst: 95,
    reasons: ['temperature: temperature 95 above 90'],
    notifiedAt: T0,
    ...overrides,
  };
}

function onDevice(i: Incident = incident(), entityId = 'sensor-17'): OpenIncident {
  return { entityType: 'device', entityId, incident: i };
}

describe('riskstream incidents: the command line', () => {
  it('reads list with its default types and flags', () => {
    // Act
    const all = parseIncidentsArgs(['list']);
    const devices = parseIncidentsArgs(['list', '--type', 'device', '--json', '--stack', 'Other']);

    // Assert
    expect(all).toEqual({ command: 'list', types: ['user', 'device'], json: false, stack: 'Riskstream' });
    expect(devices).toEqual({ command: 'list', types: ['device'], json: true, stack: 'Other' });
    expect(parseIncidentsArgs(['list', '--all-types'])).toEqual(all);
  });

  it('reads ack, resolve and snooze with its duration', () => {
    // Act
    const ack = parseIncidentsArgs(['ack', 'inc-1']);
    const resolve = parseIncidentsArgs(['resolve', 'inc-1']);
    const snooze = parseIncidentsArgs(['snooze', 'inc-1', '--for', '30m']);

    // Assert
    expect(ack).toEqual({ command: 'act', incidentId: 'inc-1', request: { action: 'ack' }, stack: 'Riskstream' });
    expect(resolve).toEqual({ command: 'act', incidentId: 'inc-1', request: { action: 'resolve' }, stack: 'Riskstream' });
    expect(snooze).toEqual({ command: 'act', incidentId: 'inc-1', request: { action: 'snooze', forMs: 30 * MINUTE }, stack: 'Riskstream' });
  });

  it.each([
    [[], /say what to do/],
    [['close', 'inc-1'], /unknown incidents command "close"/],
    [['ack'], /needs an incident id/],
    [['ack', 'a', 'b'], /unexpected argument "b"/],
    [['snooze', 'inc-1'], /needs --for/],
    [['snooze', 'inc-1', '--for', '30'], /--for: invalid duration "30"/],
    [['ack', 'inc-1', '--for', '5m'], /--for goes with `incidents snooze`/],
    [['list', '--type', 'card'], /--type must be user or device/],
    [['list', '--type', 'user', '--all-types'], /not both/],
    [['resolve', 'inc-1', '--json'], /--json goes with/],
  ])('refuses %j', (argv, message) => {
    // Act and assert
    expect(() => parseIncidentsArgs(argv)).toThrow(message);
  });

  it('exits 2 with the usage on a bad command line, and 0 with it on --help', async () => {
    // Act
    const bad = await runCommand(incidentsCommand, ['snooze', 'inc-1'], []);
    const help = await runCommand(incidentsCommand, ['--help'], []);

    // Assert
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^riskstream incidents: `incidents snooze` needs --for.*\nusage: riskstream incidents list/s);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('riskstream incidents snooze <incidentId> --for 30m');
  });

  it('exits 1 naming the stack when it is not deployed from here', async () => {
    // Act
    const result = await runCommand(incidentsCommand, ['list', '--stack', 'NeverDeployedHere'], []);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('riskstream incidents: the stack NeverDeployedHere is not deployed from here: run `riskstream up` first.\n');
  });
});

describe('riskstream incidents: what it prints', () => {
  it('says so when nothing is open', () => {
    expect(incidentsTable([], T0)).toBe('no open incidents\n');
  });

  it('prints one aligned line per incident, critical first, with its acknowledgement and running snooze', () => {
    // Arrange
    const warning = onDevice(incident({ id: 'inc-hum', cause: 'humidity', severity: 'warning', worst: 81, openedAt: T0 - MINUTE }));
    const critical = onDevice(incident({ acknowledgedAt: T0 + 3 * MINUTE, snoozedUntil: T0 + 30 * MINUTE }));
    const user = {
      entityType: 'user',
      entityId: 'u-1',
      incident: incident({ id: 'inc-fraud', cause: 'fraud', worst: undefined, openedAt: T0 + MINUTE }),
    } as const;

    // Act
    const lines = incidentsTable([warning, critical, user], T0 + 5 * MINUTE)
      .trimEnd()
      .split('\n');

    // Assert
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^INCIDENT\s+ENTITY\s+CAUSE\s+SEVERITY\s+EVENTS\s+OPENED\s+LAST SIGNAL\s+ACKNOWLEDGED\s+SNOOZED UNTIL\s+WORST$/,
    );
    expect(lines[1]?.split(/\s+/)).toEqual([
      'inc-temp-1',
      'device/sensor-17',
      'temperature',
      'critical',
      '3',
      '2026-12-02T10:00:00.000Z',
      '2026-12-02T10:02:00.000Z',
      '2026-12-02T10:03:00.000Z',
      '2026-12-02T10:30:00.000Z',
      '95',
    ]);
    expect(lines[2]?.split(/\s+/).slice(0, 2)).toEqual(['inc-fraud', 'user/u-1']);
    expect(lines[2]?.split(/\s+/).slice(-3)).toEqual(['no', '-', '-']);
    expect(lines[3]?.split(/\s+/).slice(0, 4)).toEqual(['inc-hum', 'device/sensor-17', 'humidity', 'warning']);
    // Columns line up: every row's second column starts where the header's does.
    expect(new Set(lines.map((l) => l.indexOf(l.split(/\s+/)[1] ?? '')))).toEqual(new Set([lines[0]?.indexOf('ENTITY')]));
  });

  it('gives the JSON form ISO times, and leaves out a snooze that is over', () => {
    // Act
    const json = incidentJson(onDevice(incident({ snoozedUntil: T0, arrivedAt: T0 + 2 * MINUTE + 500 })), T0 + MINUTE);

    // Assert
    expect(json).toEqual({
      incidentId: 'inc-temp-1',
      entityType: 'device',
      entityId: 'sensor-17',
      cause: 'temperature',
      severity: 'critical',
      events: 3,
      openedAt: '2026-12-02T10:00:00.000Z',
      lastSignalAt: '2026-12-02T10:02:00.000Z',
      arrivedAt: '2026-12-02T10:02:00.500Z',
      worst: 95,
      reasons: ['temperature: temperature 95 above 90'],
      notifiedAt: '2026-12-02T10:00:00.000Z',
      reminders: 0,
    });
  });

  it('shows every field and marks which operators’ actions the pipeline has not applied yet', () => {
    // Arrange
    const open = onDevice(incident({ acknowledgedAt: T0 + 3 * MINUTE }));
    const actions: OperatorAction[] = [
      { action: 'ack', cause: 'temperature', incident: 'inc-old', at: T0 - 60 * MINUTE },
      { action: 'ack', cause: 'temperature', incident: 'inc-temp-1', at: T0 + 3 * MINUTE },
      { action: 'snooze', cause: 'temperature', at: T0 + 4 * MINUTE, until: T0 + 34 * MINUTE },
    ];

    // Act
    const text = incidentDetails(open, { incidents: { temperature: open.incident } }, actions, T0 + 5 * MINUTE);

    // Assert
    expect(text).toContain('incident       inc-temp-1\n');
    expect(text).toContain('entity         device sensor-17\n');
    expect(text).toContain('acknowledged   2026-12-02T10:03:00.000Z\n');
    expect(text).toContain('snoozed until  not snoozed\n');
    expect(text).toContain('reasons\n  - temperature: temperature 95 above 90\n');
    expect(text).toContain("operators' actions on device sensor-17: 3, 1 pending\n");
    expect(text).toContain('acknowledgement of incident inc-old (temperature): changes nothing: its incident is no longer open');
    expect(text).toContain('acknowledgement of incident inc-temp-1 (temperature): applied');
    expect(text).toContain(
      'snooze of temperature until 2026-12-02T10:34:00.000Z: pending: the pipeline applies it when its control record reaches the scorer (seconds while it runs)',
    );
  });

  it('judges each action against the entity as it stands', () => {
    // Arrange
    const open = incident();
    const entity = { incidents: { temperature: open }, snoozed: { temperature: T0 + 30 * MINUTE } };
    const snooze = (until: number): OperatorAction => ({ action: 'snooze', cause: 'temperature', at: T0, until });
    const resolve = (id: string): OperatorAction => ({ action: 'resolve', cause: 'temperature', incident: id, at: T0 });

    // Act and assert
    expect(actionStatus(snooze(T0 + 30 * MINUTE), entity, T0)).toBe('applied');
    expect(actionStatus(snooze(T0 + 40 * MINUTE), entity, T0)).toBe('pending');
    expect(actionStatus(snooze(T0 + 30 * MINUTE), entity, T0 + 31 * MINUTE)).toBe('expired');
    expect(actionStatus(resolve('inc-temp-1'), entity, T0)).toBe('pending');
    expect(actionStatus(resolve('inc-gone'), entity, T0)).toBe('applied');
  });

  it('says what each action did and when it takes effect', () => {
    // Arrange
    const open = onDevice();

    // Act
    const ack = actionDone(open, operatorActionFor(open, { action: 'ack' }, T0));
    const resolve = actionDone(open, operatorActionFor(open, { action: 'resolve' }, T0));
    const snooze = actionDone(open, operatorActionFor(open, { action: 'snooze', forMs: 30 * MINUTE }, T0));

    // Assert
    expect(ack).toBe(
      'acknowledged incident inc-temp-1 (temperature on device sensor-17): reminders stop; the pipeline applies it within seconds (a control record follows it into the stream)\n',
    );
    expect(resolve).toMatch(/^resolved incident inc-temp-1 \(temperature on device sensor-17\): it closes and its resolution is notified;/);
    expect(snooze).toMatch(/^snoozed temperature on device sensor-17 until 2026-12-02T10:30:00.000Z \(incident inc-temp-1, and any opened/);
  });
});

describe('riskstream incidents: the actions it stores', () => {
  it('makes ack and resolve name the incident, and snooze the cause until the end of --for', () => {
    // Arrange
    const open = onDevice();

    // Act and assert
    expect(operatorActionFor(open, { action: 'ack' }, T0)).toEqual({ action: 'ack', cause: 'temperature', incident: 'inc-temp-1', at: T0 });
    expect(operatorActionFor(open, { action: 'resolve' }, T0)).toEqual({
      action: 'resolve',
      cause: 'temperature',
      incident: 'inc-temp-1',
      at: T0,
    });
    expect(operatorActionFor(open, { action: 'snooze', forMs: 30 * MINUTE }, T0)).toEqual({
      action: 'snooze',
      cause: 'temperature',
      at: T0,
      until: T0 + 30 * MINUTE,
    });
  });

  it('appends to the ops item and moves its expiry 8 days on, only later', () => {
    // Arrange
    const action: OperatorAction = { action: 'ack', cause: 'temperature', incident: 'inc-temp-1', at: T0 };

    // Act
    const update = appendActionUpdate('state', { type: 'device', id: 'sensor-17' }, action, { now: T0, withExpiry: true });
    const appendOnly = appendActionUpdate('state', { type: 'device', id: 'sensor-17' }, action, { now: T0, withExpiry: false });

    // Assert
    expect(update.Key).toEqual({ pk: { S: 'ops#device#sensor-17' } });
    expect(update.UpdateExpression).toBe(
      'SET #actions = list_append(if_not_exists(#actions, :empty), :new), #type = :type, #id = :id, #expires = :expires',
    );
    expect(update.ConditionExpression).toBe('attribute_not_exists(#expires) OR #expires <= :expires');
    expect(unmarshall(update.ExpressionAttributeValues ?? {})).toEqual({
      ':empty': [],
      ':new': [action],
      ':type': 'device',
      ':id': 'sensor-17',
      ':expires': T0 / 1000 + 8 * 86_400,
    });
    expect(appendOnly.UpdateExpression).not.toContain('#expires');
    expect(appendOnly.ConditionExpression).toBeUndefined();
    expect(appendOnly.ExpressionAttributeNames).not.toHaveProperty('#expires');
  });
});
