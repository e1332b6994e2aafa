import type { LedgerLine } from './audit';
import { isClean } from './audit';
import { formatLine } from './report';
import type { CaseResult, SuiteOptions } from './suite';
import { CASE_TITLES, CaseName, FaultSuite } from './suite';

/**
 * The fault suite as jest tests: one deploy, then one test per case, in order, each printing its
 * ledger line and failing on anything lost, doubled or wrong — and on faults that did not happen.
 */
export function describeFaultSuite(
  options: SuiteOptions & { readonly cases: readonly CaseName[]; readonly caseTimeoutMs: number },
  onDone?: (suite: FaultSuite) => void,
): void {
  describe(`the fault suite: ${options.events} events a case, seed ${options.seed}, ${options.commitMode} commits`, () => {
    const suite = new FaultSuite(options);

    beforeAll(() => suite.setUp(), 600_000);
    afterAll(async () => {
      onDone?.(suite);
      await suite.tearDown();
    }, 60_000);

    for (const name of options.cases) {
      it(
        `${name}: ${CASE_TITLES[name]}`,
        async () => {
          const result = await suite.run(name);
          process.stdout.write(`${formatLine(result.line, result.seconds, result.faults)}\n`);
          for (const line of result.earlier) process.stdout.write(`  ${formatLine(line)}\n`);

          expectClean(result.line);
          for (const line of result.earlier)
            expect({ case: line.name, lost: line.lost, double: line.double, problems: line.problems }).toEqual({
              case: line.name,
              lost: 0,
              double: 0,
              problems: [],
            });
          expectFaultsHappened(result);
          for (const report of result.reports) {
            for (const status of report.statuses)
              expect({ mapping: status.functionName, skipped: status.stats.recordsFailedToDestination }).toEqual({
                mapping: status.functionName,
                skipped: 0,
              });
          }
        },
        options.caseTimeoutMs,
      );
    }
  });
}

function expectClean(line: LedgerLine): void {
  expect(line.problems).toEqual([]);
  expect({ lost: line.lost, double: line.double }).toEqual({ lost: 0, double: 0 });
  expect(line.counted + line.late).toBe(line.distinctEvents);
  expect(line.duplicatesDropped).toBe(line.duplicatesPut);
  expect(line.quarantined).toBe(line.poisonPut);
  expect(line.alertsStored).toBe(line.alertsExpected);
  expect(line.alertsDelivered + line.alertsRejected).toBe(line.alertsStored);
  expect(line.alertsExpected).toBeGreaterThan(0);
  expect(isClean(line)).toBe(true);
}

/** A case whose faults did not happen proves nothing: each must show them in its reports. */
function expectFaultsHappened({ name, reports, line }: CaseResult): void {
  const sum = (f: (r: CaseResult['reports'][number]) => number) => reports.reduce((n, r) => n + f(r), 0);
  switch (name) {
    case CaseName.duplicates:
      expect(line.duplicatesPut).toBeGreaterThan(0);
      expect(line.repeats).toEqual({ alerts: 0, quarantine: 0 }); // nothing was delivered twice
      break;
    case CaseName.poison:
      expect(line.poisonPut).toBeGreaterThanOrEqual(3);
      expect(line.repeats).toEqual({ alerts: 0, quarantine: 0 });
      break;
    case CaseName.refusedNumbers:
      expect(line.poisonPut).toBeGreaterThanOrEqual(3);
      break;
    case CaseName.restamp:
      expect(line.duplicatesPut).toBeGreaterThan(0);
      break;
    case CaseName.skew:
      expect(line.late).toBeGreaterThan(0);
      break;
    case CaseName.senderFaults:
      expect(sum((r) => r.proxy.injected.senderFault)).toBeGreaterThan(0);
      expect(line.alertsRejected).toBeGreaterThan(0);
      expect(line.repeats.alerts).toBe(0);
      break;
    case CaseName.expired:
      expect(reports[0]?.statuses.length).toBeGreaterThan(0);
      break;
    case CaseName.replayWhole:
      expect(sum((r) => r.delivery.replayedWhole)).toBeGreaterThan(0);
      break;
    case CaseName.bisect:
      expect(sum((r) => r.delivery.bisected)).toBeGreaterThan(0);
      expect(sum((r) => r.delivery.retriedFrom)).toBeGreaterThan(0);
      break;
    case CaseName.dynamodb:
      expect(sum((r) => r.proxy.injected.throttle)).toBeGreaterThan(0);
      expect(sum((r) => r.proxy.injected.serverError)).toBeGreaterThan(0);
      expect(sum((r) => r.proxy.injected.errorAfterForward)).toBeGreaterThan(0);
      break;
    case CaseName.unreachable:
      expect(sum((r) => r.outages)).toBe(1);
      break;
    case CaseName.sigkill:
      expect(sum((r) => r.kills)).toBeGreaterThanOrEqual(3);
      break;
    case CaseName.fullReplay:
      expect(reports[1]?.statuses.reduce((n, s) => n + s.stats.recordsRead, 0)).toBeGreaterThanOrEqual(line.recordsIn);
      break;
    case CaseName.combined:
      expect(line.duplicatesPut).toBeGreaterThan(0);
      expect(line.late).toBeGreaterThan(0);
      expect(line.poisonPut).toBeGreaterThan(0);
      expect(sum((r) => r.kills)).toBeGreaterThanOrEqual(1);
      expect(sum((r) => r.outages)).toBe(1);
      expect(sum((r) => r.proxy.injected.throttle + r.proxy.injected.serverError + r.proxy.injected.errorAfterForward)).toBeGreaterThan(0);
      expect(sum((r) => r.delivery.replayedWhole + r.delivery.bisected + r.delivery.retriedFrom)).toBeGreaterThan(0);
      expect(reports[1]?.statuses.reduce((n, s) => n + s.stats.recordsRead, 0)).toBeGreaterThanOrEqual(line.recordsIn);
      break;
  }
}
