import { readFileSync } from 'node:fs';
import { applyEmulatorGaps } from './local/emulator-gaps';
(async () => {
  const template = JSON.parse(readFileSync('cdk.out/Riskstream.template.json', 'utf8'));
  const t0 = Date.now();
  const r = await applyEmulatorGaps({ template, stackName: "Riskstream", endpoint: "http://localhost:5055", region: "us-east-1", account: "123456789012", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
  console.log(Date.now() - t0, 'ms', r.fixes.length, JSON.stringify(r.fixes.map((f) => f.action)).slice(0, 600));
  console.log(JSON.stringify(r.outputs, null, 1));
})().catch((e) => { console.error('ERR', e); process.exit(1); });
