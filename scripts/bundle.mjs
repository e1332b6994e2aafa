// Bundles each function the way the CDK stack's NodejsFunction does (esbuild, minified, source
// maps, AWS SDK v3 left to the Lambda runtime), into dist/functions/<name>/index.js, and prints sizes.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const names = readdirSync('functions').filter((name) => statSync(join('functions', name, 'handler.ts'), { throwIfNoEntry: false }));
for (const name of names) {
  const outfile = join('dist', 'functions', name, 'index.js');
  await build({
    entryPoints: [join('functions', name, 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  console.log(`${name.padEnd(20)} ${(statSync(outfile).size / 1024).toFixed(1)} KB`);
}
