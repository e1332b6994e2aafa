import * as z from 'zod/mini';
import { parseDuration } from './duration';

/**
 * The building blocks of the rules' schemas: each kind's rules file (fraud-rules.ts, sensor-rules.ts)
 * writes its section with these, and rules-config.ts puts the sections together. Every field has a
 * default, so a deploy overrides any part alone (partial JSON); durations are written like "5m" or
 * given in milliseconds.
 */

/** A duration as milliseconds or a string like "5m"; the parsed value is milliseconds. */
export const DurationSchema = z.pipe(
  z.union([z.number().check(z.int(), z.positive()), z.string()]),
  z.transform((value: number | string, ctx) => {
    if (typeof value === 'number') return value;
    try {
      return parseDuration(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  }),
);
export const duration = (fallback: number) => z._default(DurationSchema, fallback);
export const weight = (fallback: number) => z._default(z.number().check(z.minimum(0), z.maximum(1)), fallback);
export const positive = (fallback: number) => z._default(z.number().check(z.positive()), fallback);
export const positiveInt = (fallback: number) => z._default(z.number().check(z.int(), z.positive()), fallback);
export const number = (fallback: number) => z._default(z.number(), fallback);
export const enabled = z._default(z.boolean(), true);
/** An object whose fields all have defaults: missing, it is built from `{}` (which the generic type cannot see is valid). */
export const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.prefault(z.strictObject(shape), {} as z.input<z.ZodMiniObject<T, z.core.$strict>>);

/** A measure's warning and critical levels; either can be overridden alone. */
export const level = (warning: number, critical: number) =>
  section({ warning: number(warning), critical: number(critical) }).check(
    z.refine((l) => l.critical >= l.warning, { message: 'critical must be >= warning' }),
  );

/**
 * How far back the window rules look (the last `window` before each event) and the pane they are
 * summed from (the slide: a window is read to the pane, and the pane is what an event is stored
 * in). The window must be a whole number of panes.
 */
export const windowOfPanes = z.check<{ window: number; pane: number }>((ctx) => {
  const { window, pane } = ctx.value;
  // The pane is 30 s unless set: say so, since a user who only changed `window` never wrote one.
  const problem =
    pane > window
      ? `window (${window} ms) must be at least one pane (${pane} ms; set "pane" to change it)`
      : window % pane !== 0
        ? `window (${window} ms) must be a whole number of panes (${pane} ms; set "pane" to one that divides it)`
        : undefined;
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: window, path: ['window'] });
});

/**
 * How incidents resolve (after `quietPeriod` without a signal) and remind (at most once per
 * `remindEvery` while open); disabled, the kind sends its per-event alerts only.
 */
export const incidentSettings = (quietPeriod: number) =>
  section({ enabled, quietPeriod: duration(quietPeriod), remindEvery: duration(30 * 60_000) });
