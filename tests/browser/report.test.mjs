// The pages `clausec report` writes, opened in a real browser (Debian's
// chromium, driven by puppeteer-core; npm installs no browser here).
//
//   node --test tests/browser/            (from the repository root)
//
// Environment: REPORT_DIR (default target/report), the site of the five
// shipped agreements as .ci/run builds it; SCREENSHOT (default
// target/report-screenshot.png). Checks: every product page loads without a
// console error, page error or failed request; the marks of a known
// scenario sit at the x position of their dates on the drawn axis; every
// highlighted article links to a citing clause line on the same page; no
// two labels of a timeline overlap. A screenshot of one product page is
// written and its path printed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = path.resolve(process.env.REPORT_DIR ?? 'target/report');
const shot = path.resolve(process.env.SCREENSHOT ?? 'target/report-screenshot.png');
const url = (p) => pathToFileURL(path.join(root, p)).href;

let browser;
before(async () => {
  assert.ok(fs.existsSync(path.join(root, 'index.html')), `no report in ${root}`);
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    userDataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'clausec-chromium-')),
  });
});
after(async () => { await browser?.close(); });

/** Opens a page and records every console error, page error and failed request. */
async function open(rel, width = 1300) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 1000 });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const response = await page.goto(url(rel), { waitUntil: 'load' });
  assert.ok(response === null || response.ok(), `${rel} loads`);
  return { page, problems };
}

function productPages() {
  const out = [];
  for (const dir of fs.readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'diff') continue;
    for (const f of fs.readdirSync(path.join(root, dir.name))) {
      if (f.endsWith('.html') && f !== 'index.html') out.push(`${dir.name}/${f}`);
    }
  }
  return out.sort();
}

/** One visit of every product page: its problems and its highlighted articles. */
let visits;
async function visitAll() {
  if (visits) return visits;
  visits = [];
  for (const rel of [...productPages(), 'index.html', 'diff/aliyun_2018--aliyun_2024.html']) {
    const { page, problems } = await open(rel);
    const seen = await page.evaluate(() => {
      const bad = [];
      for (const art of document.querySelectorAll('section.article.cited')) {
        const links = [...art.querySelectorAll('.cited-by a')];
        if (links.length === 0) bad.push(`${art.id}: no link`);
        for (const a of links) {
          const target = document.getElementById(a.getAttribute('href').slice(1));
          if (!target || !(target.classList.contains('step') || target.classList.contains('money'))) {
            bad.push(`${art.id} → ${a.getAttribute('href')}`);
          }
        }
      }
      const h1 = document.querySelector('h1');
      return { bad, cited: document.querySelectorAll('section.article.cited').length, h1: h1 ? h1.textContent.trim() : '' };
    });
    visits.push({ rel, problems, ...seen });
    await page.close();
  }
  return visits;
}

test('every product page loads without console errors', async () => {
  const all = await visitAll();
  assert.ok(all.length > 100, `${all.length} pages`);
  for (const v of all) {
    assert.ok(v.h1.length > 0, `${v.rel} has a heading`);
    assert.deepEqual(v.problems, [], v.rel);
  }
});

test('the marks of a known scenario sit at the x of their dates', async () => {
  // clauses/aliyun-2024/maxcompute.clause, first scenario: arrears and the
  // (empty) deferral end 2024-06-01T10:00 suspend at once; 15 calendar days
  // (06-02 … 06-16) end on a Sunday, so (Civil Code Art. 203 ¶1) the period
  // runs to 24:00 of Monday 06-17: data is purged at 2024-06-18T00:00.
  const { page, problems } = await open('aliyun_2024/maxcompute.html');
  const found = await page.evaluate(() => {
    const fig = [...document.querySelectorAll('article.scenario')]
      .find((a) => a.querySelector('h3').textContent.includes('MaxCompute without deferral: nobody pays'));
    const svg = fig.querySelector('svg.timeline');
    const inverse = svg.getScreenCTM().inverse();
    const centre = (el) => {
      const r = el.getBoundingClientRect();
      const p = new DOMPoint(r.x + r.width / 2, r.y + r.height / 2).matrixTransform(inverse);
      return p.x;
    };
    return {
      start: Number(svg.dataset.start), end: Number(svg.dataset.end),
      left: Number(svg.dataset.left), width: Number(svg.dataset.width),
      marks: [...svg.querySelectorAll('g.mark')].map((g) => ({
        at: g.dataset.at, cls: g.getAttribute('class'), x: centre(g.querySelector('.mark-shape')),
      })),
      ticks: [...svg.querySelectorAll('g.tick')].map((g) => ({ date: g.dataset.date, x: centre(g.querySelector('line')) })),
      verdict: fig.classList.contains('pass'),
    };
  });
  assert.deepEqual(problems, []);
  assert.ok(found.verdict, 'the scenario passes');
  const expectX = (iso) => found.left + ((Date.parse(iso) / 1000 - found.start) / (found.end - found.start)) * found.width;
  for (const [iso, kind] of [['2024-06-01T10:00:00+08:00', 'harm-harmful'], ['2024-06-18T00:00:00+08:00', 'harm-irreversible']]) {
    const at = found.marks.filter((m) => Date.parse(m.at) === Date.parse(iso));
    assert.ok(at.length > 0, `a mark at ${iso}: ${JSON.stringify(found.marks)}`);
    assert.ok(at.some((m) => m.cls.includes(kind)), `${kind} at ${iso}`);
    for (const m of at) assert.ok(Math.abs(m.x - expectX(iso)) < 0.75, `mark at ${iso}: x ${m.x}, expected ${expectX(iso)}`);
  }
  // the purge falls on a local midnight: on the axis it sits on that date's tick
  const tick = found.ticks.find((t) => t.date === '2024-06-18');
  if (tick) {
    const purge = found.marks.find((m) => m.cls.includes('harm-irreversible'));
    assert.ok(Math.abs(purge.x - tick.x) < 0.75, `purge at the 06-18 tick (${purge.x} vs ${tick.x})`);
  }
  await page.close();
});

test('every highlighted article links to a step that cites it', async () => {
  let checked = 0;
  for (const v of await visitAll()) {
    assert.deepEqual(v.bad, [], v.rel);
    checked += v.cited;
  }
  assert.ok(checked > 100, `${checked} highlighted articles`);
});

test('no two labels of a timeline overlap', async () => {
  for (const rel of ['aliyun_2024/opensearch.html', 'aliyun_2024/maxcompute.html', 'aliyun_2018/dns.html', 'tracing_2019/tracing_analysis.html']) {
    const { page } = await open(rel);
    const clashes = await page.evaluate(() => {
      const out = [];
      for (const svg of document.querySelectorAll('svg.timeline')) {
        const boxes = [...svg.querySelectorAll('g.mark text, g.event text, g.tick text')].map((t) => ({ b: t.getBBox(), s: t.textContent }));
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].b; const b = boxes[j].b;
            if (a.x + 0.5 < b.x + b.width && b.x + 0.5 < a.x + a.width && a.y + 0.5 < b.y + b.height && b.y + 0.5 < a.y + a.height) {
              out.push(`${svg.querySelector('title').textContent}: "${boxes[i].s}" / "${boxes[j].s}"`);
            }
          }
        }
      }
      return out;
    });
    assert.deepEqual(clashes, [], rel);
    await page.close();
  }
});

test('a screenshot of one product page', async () => {
  const { page, problems } = await open('aliyun_2024/opensearch.html');
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: false, clip: { x: 0, y: 0, width: 1300, height: 1400 } });
  assert.deepEqual(problems, []);
  assert.ok(fs.statSync(shot).size > 10_000);
  console.log(`screenshot of aliyun_2024/opensearch.html: ${shot}`);
  await page.close();
});
