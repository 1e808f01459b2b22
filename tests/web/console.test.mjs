// The web console in a real browser (issue 6): playwright-core drives
// Debian's chromium, headless, against one node's console in the netns lab
// (tests/lab/console_lab_test.sh runs it inside the client namespace).
//
//   node console.test.mjs --url http://ADDR:9010 --user U --password P --node n1 --shots DIR
//
// Logs in, sees every node green and the bucket map, stops this node from
// the console and watches its buckets go and its state turn red, starts it
// again and sees it green with its buckets back. A screenshot of each step
// goes to --shots. Prints PASS/FAIL lines; exit 1 on the first failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' },
    node: { type: 'string' }, shots: { type: 'string', default: '.' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
mkdirSync(opt.shots, { recursive: true });

let step = 0;
let page;
async function shot(name) {
  step++;
  await page.screenshot({ path: `${opt.shots}/${String(step).padStart(2, '0')}-${name}.png`, fullPage: true });
}
function pass(what, detail = '') { console.log(`PASS  ${what} ${detail}`); }
async function fail(what, detail = '') {
  console.log(`FAIL  ${what} ${detail}`);
  try { await shot('failure'); } catch { /* the page may be gone */ }
  process.exit(1);
}
// Waits until fn() (run in the page) returns a truthy value.
async function until(what, fn, arg, timeout = 20000) {
  try {
    return (await page.waitForFunction(fn, arg, { timeout, polling: 200 })).jsonValue();
  } catch (e) {
    await fail(what, `(not within ${timeout / 1000} s)`);
  }
}
// The page functions below run in the browser: they read #nodes tr[data-state]
// and #bucket-map[data-owners] ("n1:5462,n2:5461,…") themselves.
const browser = await chromium.launch({
  executablePath: opt.chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('dialog', (d) => d.accept());  // the stop's confirmation
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Chromium logs every failed HTTP answer (the wrong password's 401) as a
  // console error: those are not script errors.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  await page.goto(opt.url, { waitUntil: 'load' });
  await page.waitForSelector('#login-user', { timeout: 10000 });
  await shot('login');
  await page.fill('#login-user', opt.user);
  await page.fill('#login-password', 'wrong password');
  await page.click('#login-submit');
  await until('a wrong password is refused with a message',
    () => (document.querySelector('#login-error')?.textContent || '').trim().length > 0);
  pass('a wrong password is refused with a message');
  await page.fill('#login-password', opt.password);
  await page.click('#login-submit');

  const all = await until('logged in: every node UP (green)', () => {
    const s = Object.entries(Object.fromEntries([...document.querySelectorAll('#nodes tr[data-node]')]
      .map((tr) => [tr.dataset.node, tr.dataset.state])));
    return s.length >= 3 && s.every(([, st]) => st === 'UP') ? s.length : 0;
  });
  pass('logged in: every node UP (green)', `${all} nodes`);
  const map = await until('the bucket map shows every node\'s buckets', (n) => {
    const o = Object.fromEntries((document.querySelector('#bucket-map')?.dataset.owners || '')
      .split(',').filter(Boolean).map((kv) => kv.split(':')).map(([k, v]) => [k, Number(v)]));
    const total = Object.values(o).reduce((a, b) => a + b, 0);
    return Object.keys(o).length >= n && total === 16384 ? JSON.stringify(o) : '';
  }, all);
  pass('the bucket map shows every node\'s buckets', map);
  await shot('cluster-green');

  // The configuration: userconfig.xml shown, checked as a start would check
  // it; an unknown attribute is named.
  await until('the configuration is shown', () =>
    (document.querySelector('#config-text')?.value || '').includes('<safe'));
  await page.click('#config-check');
  await until('the shown userconfig.xml checks valid',
    () => document.querySelector('#config-result')?.dataset.valid === 'true');
  await page.$eval('#config-text', (t) => { t.value = t.value.replace('<farm>', '<farm bogus="1">'); });
  await page.click('#config-check');
  const why = await until('an edited userconfig.xml with an unknown attribute is refused, the error named', () => {
    const r = document.querySelector('#config-result');
    return r?.dataset.valid === 'false' && r.textContent.includes('bogus') ? r.textContent : '';
  });
  pass('the configuration shown and checked: valid, then the edit\'s error named', why.split('\n')[0].slice(0, 100));
  await shot('config-checked');

  // Stop this node from the console: its buckets go, its state turns red.
  await page.click('#action-stop');
  const moved = await until(`stop ${opt.node}: its buckets leave it`, (n) => {
    const o = Object.fromEntries((document.querySelector('#bucket-map')?.dataset.owners || '')
      .split(',').filter(Boolean).map((kv) => kv.split(':')).map(([k, v]) => [k, Number(v)]));
    const moving = Number(document.querySelector('#bucket-map')?.dataset.moving || 0);
    // Draining: the others own every bucket, this node's drain to them.
    return !o[n] && Object.keys(o).length > 0 ? `${JSON.stringify(o)} moving ${moving}` : '';
  }, opt.node, 30000);
  pass(`stop ${opt.node}: its buckets leave it`, moved);
  await shot('stopping');
  await until(`stop ${opt.node}: its state turns red (STOP)`,
    (n) => document.querySelector(`#nodes tr[data-node="${n}"]`)?.dataset.state === 'STOP', opt.node, 40000);
  pass(`stop ${opt.node}: its state turns red (STOP)`,
    await page.$eval('#action-status', (e) => e.textContent.trim()).catch(() => ''));
  await shot('stopped-red');

  // Start it again: green, and its buckets back.
  await page.click('#action-start');
  await until(`start ${opt.node}: green (UP) again`,
    (n) => document.querySelector(`#nodes tr[data-node="${n}"]`)?.dataset.state === 'UP', opt.node, 40000);
  const back = await until(`start ${opt.node}: its buckets are back`, (n) => {
    const o = Object.fromEntries((document.querySelector('#bucket-map')?.dataset.owners || '')
      .split(',').filter(Boolean).map((kv) => kv.split(':')).map(([k, v]) => [k, Number(v)]));
    return o[n] > 0 ? JSON.stringify(o) : '';
  }, opt.node, 30000);
  pass(`start ${opt.node}: green (UP) again, its buckets back`, back);
  await shot('started-green');

  if (errors.length) await fail('no script error in the page', errors.slice(0, 3).join(' | '));
  pass('no script error in the page');
} finally {
  await browser.close();
}
