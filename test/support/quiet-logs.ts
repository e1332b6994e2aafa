/** For a describe block whose handlers log: Powertools says nothing while it runs, and the level is restored after. */
export function quietPowertoolsLogs(): void {
  const level = process.env['POWERTOOLS_LOG_LEVEL'];
  beforeAll(() => {
    process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  });
  afterAll(() => {
    if (level === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
    else process.env['POWERTOOLS_LOG_LEVEL'] = level;
  });
}
