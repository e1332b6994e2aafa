// Ends the run with one plain line, "tests: N passed, N failed[, N skipped]", that any CI log reader understands.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stderr.write(`${line}\n`); // after the default reporter's summary, which also goes to stderr
  }
}
module.exports = SummaryReporter;
