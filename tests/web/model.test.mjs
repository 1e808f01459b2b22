// The console's computations without a browser (web/js/model.js):
// `node --test tests/web/model.test.mjs` (ctest: web_model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBase64, countOwners, ownerName, ownersAttribute,
  newTrafficHistory, recordTraffic, trafficRates, niceCeiling, trafficSeries, SPAN_S,
  nodeAnswers,
} from '../../web/js/model.js';
import { NO_OWNER } from '../../web/js/palette.js';

const b64 = (bytes) => Buffer.from(bytes).toString('base64');

// ---- bucket map -----------------------------------------------------------

test('decodeBase64: one byte per bucket; nothing for an empty or absent table', () => {
  assert.deepEqual([...decodeBase64(b64([1, 2, 255, 0, 7]))], [1, 2, 255, 0, 7]);
  assert.equal(decodeBase64('').length, 0);
  assert.equal(decodeBase64(undefined).length, 0);
  assert.ok(decodeBase64(b64([3])) instanceof Uint8Array);
});

test('the 16384 buckets of three nodes: owners attribute as web/README.md shows it', () => {
  const table = new Uint8Array(16384);
  for (let b = 0; b < table.length; b++) table[b] = 1 + (b % 3);
  const owners = decodeBase64(b64(table));
  assert.equal(owners.length, 16384);
  const counts = countOwners(owners);
  assert.deepEqual([...counts.entries()].sort(), [[1, 5462], [2, 5461], [3, 5461]]);
  assert.equal(ownersAttribute(counts, { 1: 'n1', 2: 'n2', 3: 'n3' }), 'n1:5462,n2:5461,n3:5461');
});

test('owners attribute: unowned buckets last as none:N, an unnamed id as #id, nothing for no table', () => {
  const counts = countOwners([NO_OWNER, 4, 2, NO_OWNER, 2]);
  assert.equal(ownersAttribute(counts, { 2: 'n2' }), 'n2:2,#4:1,none:2');
  assert.equal(ownersAttribute(countOwners([]), { 1: 'n1' }), '');
  assert.equal(ownerName(NO_OWNER, { 255: 'x' }), 'none');
  assert.equal(ownerName(7, {}), '#7');
});

// ---- traffic ----------------------------------------------------------------

test('recordTraffic: a node without packets (not in the view) is not recorded; names follow', () => {
  const h = newTrafficHistory();
  recordTraffic(h, [{ id: 1, name: 'n1', packets: 10 }, { id: 2, name: 'n2' }], 100);
  assert.deepEqual([...h.keys()], [1]);
  recordTraffic(h, [{ id: 1, name: 'web1', packets: 20 }], 101);
  assert.equal(h.get(1).name, 'web1');
  assert.deepEqual(h.get(1).samples, [{ t: 100, p: 10 }, { t: 101, p: 20 }]);
  recordTraffic(h, undefined, 102); // a status with no nodes
  assert.equal(h.get(1).samples.length, 2);
});

test('a peer counter that moves only with its heartbeats still gives a steady rate', () => {
  // 100 packets/s, but this node learns the peer's counter every 2 s: a
  // rate from two polls would read 0, 200, 0, 200...
  const h = newTrafficHistory();
  for (let t = 0; t <= 30; t++) recordTraffic(h, [{ id: 2, name: 'n2', packets: 100 * (t - (t % 2)) }], t);
  const steady = trafficRates(h.get(2).samples).filter((p) => p.t >= 6);
  assert.ok(steady.length > 20);
  for (const p of steady) assert.ok(p.r >= 80 && p.r <= 125, `rate ${p.r} at ${p.t}`);
});

test('a counter that goes down (node restarted) starts a new baseline: no negative rate', () => {
  const h = newTrafficHistory();
  for (let t = 0; t < 10; t++) recordTraffic(h, [{ id: 1, name: 'n1', packets: 1000 + 50 * t }], t);
  recordTraffic(h, [{ id: 1, name: 'n1', packets: 5 }], 10);
  assert.deepEqual(h.get(1).samples, [{ t: 10, p: 5 }]);
  recordTraffic(h, [{ id: 1, name: 'n1', packets: 55 }], 11);
  assert.deepEqual(trafficRates(h.get(1).samples), [{ t: 11, r: 50 }]);
});

test('no sample for over 5 s breaks the line (a null point)', () => {
  const samples = [{ t: 0, p: 0 }, { t: 1, p: 10 }, { t: 2, p: 20 }, { t: 9, p: 90 }, { t: 10, p: 100 }];
  const rates = trafficRates(samples);
  assert.deepEqual(rates, [{ t: 1, r: 10 }, { t: 2, r: 10 }, null, { t: 10, r: 10 }]);
});

test('samples older than the chart and its rate window are dropped', () => {
  const h = newTrafficHistory();
  for (let t = 0; t <= 400; t += 1) recordTraffic(h, [{ id: 1, name: 'n1', packets: t }], t);
  const { samples } = h.get(1);
  assert.equal(samples[0].t, 400 - SPAN_S - 5);
  assert.equal(samples[samples.length - 1].t, 400);
});

test('niceCeiling: the axis top is a round number at or above the highest rate', () => {
  const cases = [[0, 1], [1, 1], [3, 5], [10, 10], [240, 250], [251, 500], [1000, 1000], [1001, 2000], [7300, 10000]];
  for (const [max, want] of cases) assert.equal(niceCeiling(max), want, `niceCeiling(${max})`);
});

test('trafficSeries: one series per node, by id; the axis from the last 5 minutes only', () => {
  const h = newTrafficHistory();
  // n3 (id 3) sent 10000/s long ago, then nothing; n1 sends 200/s now.
  for (let t = 0; t <= 20; t++) recordTraffic(h, [{ id: 3, name: 'n3', packets: 10000 * t }], t);
  for (let t = 21; t <= 330; t++) recordTraffic(h, [{ id: 3, name: 'n3', packets: 200000 }], t);
  for (let t = 300; t <= 330; t++) recordTraffic(h, [{ id: 1, name: 'n1', packets: 200 * t }], t);
  const { series, yMax } = trafficSeries(h, 330);
  assert.deepEqual(series.map((s) => [s.id, s.name]), [[1, 'n1'], [3, 'n3']]);
  assert.equal(yMax, 200); // n3's old 10000/s has left the chart (and the history)
  const last = series[0].points[series[0].points.length - 1];
  assert.equal(last.r, 200);
  assert.deepEqual(trafficSeries(newTrafficHistory(), 0), { series: [], yMax: 1 });
});

// ---- commands sent to every node --------------------------------------------

test('nodeAnswers: one per node, in safed\'s order; done, nothing to do, failed, unreachable', () => {
  const answers = nodeAnswers({
    nodes: {
      n3: { result: 0, text: 'stopped', status: 200, arguments: { state: 'STOP' } },
      n1: { result: 3, text: 'already stopped', status: 200 },
      n2: { result: 1, text: 'stop_both failed', status: 500 },
      n4: { result: 1, text: 'connect: Connection refused', status: 502 },
    },
  });
  assert.deepEqual(answers.map((a) => [a.node, a.ok, a.status, a.text]), [
    ['n3', true, 200, 'stopped'],
    ['n1', true, 200, 'already stopped'],
    ['n2', false, 500, 'stop_both failed'],
    ['n4', false, 502, 'connect: Connection refused'],
  ]);
  assert.deepEqual(answers[0].args, { state: 'STOP' });
  assert.deepEqual(answers[1].args, {});
});

test('nodeAnswers: no nodes, no arguments, or an answer that is not an object', () => {
  assert.deepEqual(nodeAnswers(undefined), []);
  assert.deepEqual(nodeAnswers({}), []);
  assert.deepEqual(nodeAnswers({ nodes: { n1: 'garbage' } }), [{ node: 'n1', ok: false, status: 0, text: '', args: {} }]);
  // result 0 with an error status (a relay that failed after the node answered) is not done
  assert.equal(nodeAnswers({ nodes: { n1: { result: 0, status: 502 } } })[0].ok, false);
});
