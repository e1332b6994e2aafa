import type { ReadingEnvelope } from '../domain/events';
import { validateReading } from '../domain/events';
import type { DeviceLast } from '../domain/reading-engine';
import { readingModel } from '../domain/reading-engine';
import type { ReadingResult } from '../domain/sensor-rules';
import type { EventKindSpec } from './event-kind';
import { KIND_NAMES } from './names';

/**
 * Sensor readings: judged ok, warning or critical per device. Each reading's status is stored for as
 * long as its device's item (that is what recognises it when it comes again); the device's window
 * aggregates hold the figures and the outbox holds every non-ok reading.
 */
export const READINGS: EventKindSpec<ReadingEnvelope, DeviceLast, ReadingResult> = {
  ...KIND_NAMES.reading,
  rulesSection: 'readings',
  // A reading has no id of its own: a temperature, or a device without a user, says reading.
  claims: (input) => 'temperature' in input || ('deviceId' in input && !('userId' in input)),
  claimedBy: 'a reading needs "deviceId" and "temperature"',
  validate: validateReading,
  scoring: (rules, rulesVersion) => ({
    entityType: KIND_NAMES.reading.entityType,
    ...(rulesVersion === undefined ? {} : { rulesVersion }),
    model: readingModel(rules.readings),
    recordOf: (reading, result) => ({
      readingId: reading.id,
      deviceId: reading.entity,
      eventTime: result.eventTime,
      status: result.status,
    }),
    shadowOf: (_reading, { status }) => ({ status }),
  }),
  outcome: (result) => result.status,
  judgement: ({ status, findings }) => ({ outcome: status, reasons: findings.map((f) => ({ rule: f.rule, detail: f.message })) }),
  // A reading's record keeps its status only.
  storedJudgement: ({ status }) => ({ outcome: String(status), reasons: [] }),
  present: ({ deviceId, temperature, status, alert }) => ({ deviceId, temperature, status, ...(alert ? { alert } : {}) }),
};
