'use strict';
// 100,000 messages through the broker leave the process's memory where it was after the first
// 20,000: nothing per message stays, in JS or in C (payload copies, property lists, koffi's
// callbacks, pending acknowledgements).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const path = require('node:path');
const { startBroker } = require('./broker');

let broker;
before(async () => {
  broker = await startBroker();
});
after(() => broker.stop());

test('RSS stays flat over 100,000 messages', async (t) => {
  const out = await new Promise((resolve, reject) => {
    // A small young generation: V8 otherwise grows it (to tens of MB) with the allocation
    // rate, which is its own choice of heap size, not memory the client keeps.
    execFile(process.execPath, ['--expose-gc', '--max-semi-space-size=2', path.join(__dirname, 'memory-run.js'), broker.url()], { timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const { before: b, after: a, received } = JSON.parse(out);
  const mib = (x) => (x / (1 << 20)).toFixed(1);
  t.diagnostic(`RSS after 20,000 messages: ${mib(b)} MiB, after 100,000 more: ${mib(a)} MiB (${a >= b ? '+' : ''}${mib(a - b)} MiB)`);
  assert.equal(received, 120_000);
  assert.ok(a - b < 6 * (1 << 20), `RSS grew by ${mib(a - b)} MiB`);
});
