// The web console in a real browser (issue 6): playwright-core drives
// Debian's chromium, headless, against one node's console in the netns lab
// (tests/lab/console_lab_test.sh runs it inside the client namespace).
//
//   node console.test.mjs --url https://ADDR:9010 --cacert CERT --user U --password P --node n1 --shots DIR
//
// --node is the node whose console is opened. Logs in, sees every node green
// and the bucket map; from this one console: stops another node (chosen in
// #action-node) and watches its buckets go and its state turn red, starts
// it again (green, buckets back); reads a third node's logs (#logs-node);
// checks userconfig.xml, deploys an edit to every node (each node checks it
// first) and sees a bad edit refused everywhere; downloads the snapshot
// .zip to DIR/snapshot.zip; shows the warning of a node that hears peers it
// cannot authenticate (its status answered as such a node's). A screenshot of each step goes to --shots.
// Prints PASS/FAIL lines; exit 1 on the first failure.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' },
    node: { type: 'string' }, shots: { type: 'string', default: '.' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // The node's own certificate (made by safed at its first start): the
    // browser trusts exactly its key, as an operator's exception does.
    cacert: { type: 'string' },
  },
});
const trust = [];
if (opt.cacert) {
  const spki = new X509Certificate(readFileSync(opt.cacert)).publicKey.export({ type: 'spki', format: 'der' });
  trust.push(`--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`);
}
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
// Waits until fn() (run in the page) returns a truthy value. Anything but
// the time running out (fn threw, the page crashed or went away) is said
// as it is, not as a time-out.
async function until(what, fn, arg, timeout = 20000) {
  try {
    return (await page.waitForFunction(fn, arg, { timeout, polling: 200 })).jsonValue();
  } catch (e) {
    return fail(what, e.name === 'TimeoutError' ? `(not within ${timeout / 1000} s)` : `(${e.message})`);
  }
}
// The page functions below run in the browser: they read #nodes tr[data-state],
// and #bucket-map[data-owners] ("n1:5462,n2:5461,…") through testOwners(),
// which the page is given before its own scripts run (no closure reaches it).
const OWNERS_SCRIPT = `window.testOwners = () => Object.fromEntries(
  (document.querySelector('#bucket-map')?.dataset.owners || '').split(',').filter(Boolean)
    .map((kv) => kv.split(':')).map(([k, v]) => [k, Number(v)]));`;
async function bucketsLeave(n) {
  const what = `stop ${n}: its buckets leave it`;
  const moved = await until(what, (node) => {
    const o = window.testOwners();
    const moving = Number(document.querySelector('#bucket-map')?.dataset.moving || 0);
    // Draining: the others own every bucket, this node's drain to them.
    return !o[node] && Object.keys(o).length > 0 ? `${JSON.stringify(o)} moving ${moving}` : '';
  }, n, 30000);
  pass(what, moved);
}
async function bucketsBack(n) {
  return until(`start ${n}: its buckets are back`, (node) => {
    const o = window.testOwners();
    return o[node] > 0 ? JSON.stringify(o) : '';
  }, n, 30000);
}
async function nodeState(what, n, state, timeout = 40000) {
  await until(what, ([node, st]) => document.querySelector(`#nodes tr[data-node="${node}"]`)?.dataset.state === st,
    [n, state], timeout);
}
// Waits until a node chooser lists n, then chooses it.
async function chooseNode(select, n) {
  await until(`${n} can be chosen in ${select}`, ([sel, node]) =>
    [...document.querySelectorAll(`${sel} option`)].some((o) => o.value === node), [select, n]);
  await page.selectOption(select, n);
}
// The answer of the running start/stop/restart: "ok" or the error.
async function actionDone(what) {
  const kind = await until(what, () => {
    const k = document.querySelector('#action-status')?.dataset.kind;
    return k && k !== 'busy' ? k : '';
  }, undefined, 120000);
  const text = await page.$eval('#action-status', (e) => e.textContent.trim());
  if (kind !== 'ok') await fail(what, text);
  return text;
}
// The lines of a config-deploy answer once #config-deploy-results has this outcome.
async function deployOutcome(what, outcome) {
  return until(what, (want) => {
    const ul = document.querySelector('#config-deploy-results');
    if (ul?.dataset.outcome !== want) return null;
    return [...ul.querySelectorAll('li')].map((li) => ({ node: li.dataset.node, ok: li.dataset.ok, text: li.textContent }));
  }, outcome, 60000);
}

const browser = await chromium.launch({
  executablePath: opt.chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', ...trust],
});
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  await page.addInitScript({ content: OWNERS_SCRIPT });
  // Confirmations (a stop, a deploy) are accepted; what they asked is kept.
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.accept();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Chromium logs every failed HTTP answer (the wrong password's 401, the
  // refused deploy's 409) as a console error: those are not script errors.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  // 1. A wrong password is refused.
  await page.goto(opt.url, { waitUntil: 'load' });
  await page.waitForSelector('#login-user', { timeout: 10000 });
  await shot('login');
  await page.fill('#login-user', opt.user);
  await page.fill('#login-password', 'wrong password');
  await page.click('#login-submit');
  await until('a wrong password is refused with a message',
    () => (document.querySelector('#login-error')?.textContent || '').trim().length > 0);
  pass('a wrong password is refused with a message');

  // 2. Logged in: every node green, the bucket map shared by all.
  await page.fill('#login-password', opt.password);
  await page.click('#login-submit');
  const all = await until('logged in: every node UP (green)', () => {
    const s = Object.entries(Object.fromEntries([...document.querySelectorAll('#nodes tr[data-node]')]
      .map((tr) => [tr.dataset.node, tr.dataset.state])));
    return s.length >= 3 && s.every(([, st]) => st === 'UP') ? s.length : 0;
  });
  pass('logged in: every node UP (green)', `${all} nodes`);
  const map = await until('the bucket map shows every node\'s buckets', (n) => {
    const o = window.testOwners();
    const total = Object.values(o).reduce((a, b) => a + b, 0);
    return Object.keys(o).length >= n && total === 16384 ? JSON.stringify(o) : '';
  }, all);
  pass('the bucket map shows every node\'s buckets', map);
  await shot('cluster-green');

  // The other nodes, as this node's table names them: n2 and n3 in the lab.
  const others = await page.$$eval('#nodes tr[data-node][data-self="false"]', (trs) => trs.map((tr) => tr.dataset.node));
  if (others.length < 2) await fail('the table names two other nodes', JSON.stringify(others));
  const [target, logsOf] = others;

  // 3. Stop another node from this node's console: its buckets go, it turns red.
  await chooseNode('#action-node', target);
  const asked = dialogs.length;
  await page.click('#action-stop');
  await bucketsLeave(target);
  // By now the confirmation was answered (nothing moves before it is).
  const question = dialogs[asked] || '';
  if (!question.includes(`on ${target}?`)) await fail(`stop ${target}: the confirmation names it`, JSON.stringify(question));
  await shot(`stopping-${target}`);
  await nodeState(`stop ${target}: its state turns red (STOP)`, target, 'STOP');
  const stopped = await actionDone(`stop ${target}: the console says it is done`);
  const selfState = await page.$eval(`#nodes tr[data-node="${opt.node}"]`, (tr) => tr.dataset.state).catch(() => '?');
  if (selfState !== 'UP') await fail(`stop ${target}: ${opt.node} stays UP`, selfState);
  pass(`stop ${target}: its state turns red (STOP), ${opt.node} stays UP`, stopped);
  await shot(`stopped-${target}-red`);

  // 4. Start it again, still chosen: green, and its buckets back.
  await page.click('#action-start');
  await nodeState(`start ${target}: green (UP) again`, target, 'UP');
  const back = await bucketsBack(target);
  pass(`start ${target}: green (UP) again, its buckets back`, back);
  await actionDone(`start ${target}: the console says it is done`);
  await shot(`started-${target}-green`);

  // 5. Another node's logs, read through this node's console.
  await chooseNode('#logs-node', logsOf);
  const lastLine = await until(`the logs of ${logsOf} are shown`, (n) => {
    const pre = document.querySelector('#logs');
    const text = (pre?.textContent || '').trim();
    return pre?.dataset.node === n && text ? text.split('\n').pop().slice(0, 100) : '';
  }, logsOf);
  pass(`the logs of ${logsOf} are shown`, lastLine);
  await shot(`logs-${logsOf}`);

  // 6. The configuration: userconfig.xml shown, checked as a start would
  // check it; an unknown attribute is named.
  await until('the configuration is shown', () =>
    (document.querySelector('#config-text')?.value || '').includes('<safe'));
  const original = await page.$eval('#config-text', (t) => t.value);
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

  // Deployed to every node: a comment after the prolog's declarations keeps
  // the file valid, so every node checks it and writes it.
  const MARK = '<!-- deployed from the console test -->';
  const commented = original.replace(/^((?:\s*<\?xml[^>]*\?>)?(?:\s*<!DOCTYPE[^>]*>)?)/, `$1\n${MARK}`);
  const edit = (text) => page.$eval('#config-text', (t, v) => {
    t.value = v;
    t.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
  await edit(commented);
  await page.click('#config-deploy');
  const deployed = await deployOutcome('the edited userconfig.xml is deployed to every node', 'deployed');
  const wrote = deployed.filter((l) => l.ok === 'true');
  if (wrote.length !== all || deployed.some((l) => l.ok === 'false')) {
    await fail('the edited userconfig.xml is deployed to every node', JSON.stringify(deployed));
  }
  await until('the files are read again after the deploy: the comment is there',
    (m) => (document.querySelector('#config-text')?.value || '').includes(m), MARK);
  pass('the edited userconfig.xml is deployed to every node', wrote.map((l) => l.text).join(' | ').slice(0, 200));
  await shot('config-deployed');

  // A bad edit is refused by every node's check: written nowhere.
  await edit(commented.replace('<farm>', '<farm bogus="1">'));
  await page.click('#config-deploy');
  const refused = await deployOutcome('a userconfig.xml with an unknown attribute is refused, nothing written', 'refused');
  if (!refused.some((l) => l.ok === 'false') || !refused.some((l) => l.text.includes('nothing was written on any node'))) {
    await fail('a userconfig.xml with an unknown attribute is refused, nothing written', JSON.stringify(refused));
  }
  pass('a userconfig.xml with an unknown attribute is refused, nothing written',
    refused.map((l) => l.text.split('\n')[0]).join(' | ').slice(0, 200));
  await shot('config-deploy-refused');

  // 7. The snapshot of every node, as a .zip download.
  await until('the snapshot link is shown', () => {
    const a = document.querySelector('#snapshot');
    return a && !a.hidden && a.getAttribute('href') ? a.href : '';
  });
  const zip = `${opt.shots}/snapshot.zip`;
  let download;
  try {
    [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#snapshot')]);
    await download.saveAs(zip);
  } catch (e) {
    await fail('the snapshot downloads', String(e).split('\n')[0]);
  }
  let bytes = Buffer.alloc(0);
  try { bytes = readFileSync(zip); } catch { /* checked below */ }
  if (bytes.subarray(0, 2).toString('latin1') !== 'PK') {
    await fail('the snapshot downloads as a .zip', `${zip}: ${bytes.length} bytes, starts ${JSON.stringify(bytes.subarray(0, 16).toString('latin1'))}`);
  }
  pass('the snapshot downloads as a .zip', `${download.suggestedFilename()}, ${bytes.length} bytes`);

  // 8. A node that hears peers it cannot authenticate says so (issue 14):
  // this node's status answered as a node with another cluster.key would
  // (the real answer, with the two fields a blocked node has), the console
  // shows the warning; the real answers again, it goes away.
  const injected = '198.18.0.99';
  const statusOfThisNode = /\/api\/v1\/commands\/status\?module=[^&]*$/;
  await page.route(statusOfThisNode, async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    body.arguments.blocked_by_misconfigured_peers = true;
    body.arguments.refused_peers = [{ id: 9, name: 'n9', address: injected, reason: 'key', why: 'its heartbeats fail authentication (another cluster.key?)', refused: 42, current: true }];
    await route.fulfill({ response: res, json: body });
  });
  const warning = await until('a blocked node warns: no bucket, which peer, why', () => {
    const t = document.querySelector('#module-state .refused-peers')?.textContent || '';
    return t.includes('takes no bucket') && t.includes('n9 (198.18.0.99) refused') && t.includes('42 datagrams') ? t : '';
  });
  pass('a blocked node warns: no bucket, which peer, why', warning.slice(0, 160));
  await shot('refused-peer-warning');
  await page.unroute(statusOfThisNode);
  await until('the warning goes once the peers are heard again', () => !document.querySelector('#module-state .refused-peers'));
  pass('the warning goes once the peers are heard again');

  // 9. Nothing went wrong in the page's scripts.
  if (errors.length) await fail('no script error in the page', errors.slice(0, 3).join(' | '));
  pass('no script error in the page');
} finally {
  await browser.close();
}
