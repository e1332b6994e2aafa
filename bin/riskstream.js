#!/usr/bin/env node
'use strict';
// The CLI runs from its TypeScript sources (tsx compiles them on the fly), so a fresh clone needs no build.
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`riskstream: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
