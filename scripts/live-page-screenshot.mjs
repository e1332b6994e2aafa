// Saves a screenshot of a running demo's live page (the README's picture):
//   node scripts/live-page-screenshot.mjs http://127.0.0.1:8787/ docs/live-page.png
import { chromium } from 'playwright-core';

const [url = 'http://127.0.0.1:8787/', out = 'docs/live-page.png'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
}
