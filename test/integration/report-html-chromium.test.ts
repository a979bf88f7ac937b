/**
 * report.html in a real browser: Debian's headless Chromium, driven by playwright-core (no
 * browser download: the system's /usr/bin/chromium). The page renders with no console error and
 * no page error, asks for nothing but its own file, shows its plots and the call's timeline (the
 * clear, the audio heard and cut, the talk-over band) at a real size, and a screenshot of it is
 * taken (reports/test-artifacts/report-html*.png, gitignored). Without Chromium the test is
 * skipped, saying why, unless CI is set: there it must run (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleReportHtml } from '../unit/helpers/report-call.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'reports', 'test-artifacts');
const available = existsSync(CHROMIUM);
const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';
if (!available && !inCi) console.warn(`report-html-chromium.test.ts: skipped: ${CHROMIUM} is missing (apt-get install chromium); set CI to make this a failure`);

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available && !inCi)('report.html in headless Chromium', { timeout: 90_000 }, () => {
  it('renders offline with no error, shows the plots and the call timeline, and is screenshotted', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run does)`).toBe(true);
    const { chromium } = await import('playwright-core');
    const dir = await mkdtemp(path.join(tmpdir(), 'callbench-html-'));
    dirs.push(dir);
    const file = path.join(dir, 'report.html');
    await writeFile(file, sampleReportHtml());
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });

      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await page.title()).toBe('callbench run 2025-06-01T12:00:00.000Z');
      await expect(page.locator('h2', { hasText: 'Thresholds: 1 of 1 failed' }).isVisible()).resolves.toBe(true);
      expect(await page.locator('svg.plot').count()).toBe(4);
      for (const plot of await page.locator('svg.plot').all()) {
        const box = await plot.boundingBox();
        expect(box?.width).toBeGreaterThan(400);
        expect(await plot.locator('path.series').count()).toBeGreaterThan(0);
      }
      const timeline = page.locator('svg.timeline');
      const box = await timeline.boundingBox();
      expect(box?.width).toBeGreaterThan(1000);
      expect(box?.height).toBeGreaterThan(200);
      // The clear is drawn through the lanes, between the audio heard before it and the audio cut.
      const clear = await timeline.locator('line.clear').boundingBox();
      const heard = await timeline.locator('rect.played').first().boundingBox();
      const cut = await timeline.locator('rect.cleared-audio').first().boundingBox();
      if (clear === null || heard === null || cut === null) throw new Error('the clear, the heard audio or the cut audio is not drawn');
      expect(clear.height).toBeGreaterThan(150);
      expect(heard.x + heard.width).toBeCloseTo(clear.x + clear.width / 2, 0);
      expect(cut.x).toBeCloseTo(clear.x + clear.width / 2, 0);
      expect(await timeline.locator('rect.talk-over').count()).toBe(2);
      expect(await timeline.locator('.stt-final').count()).toBe(1);
      // Tooltips carry the facts.
      expect(await timeline.locator('line.clear > title').textContent()).toBe('clear at 0.800 s: 1300 ms of queued audio dropped');

      await mkdir(ARTIFACTS, { recursive: true });
      const full = path.join(ARTIFACTS, 'report-html.png');
      const call = path.join(ARTIFACTS, 'report-html-call.png');
      await page.screenshot({ path: full, fullPage: true });
      await page.locator('section.call').first().screenshot({ path: call });
      for (const shot of [full, call]) {
        const png = await readFile(shot);
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect(png.length).toBeGreaterThan(10_000);
      }
      console.log(`report-html-chromium.test.ts: screenshots ${path.relative(ROOT, full)}, ${path.relative(ROOT, call)}`);
    } finally {
      await browser.close();
    }
  });
});
