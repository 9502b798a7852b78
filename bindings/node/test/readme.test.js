'use strict';
// The example in README.md, run as it is written (with the test broker's address).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startBroker } = require('./broker');

let broker;
before(async () => {
  broker = await startBroker();
});
after(() => broker.stop());

test('the README example runs', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'no js example in README.md');
  const code = block[1]
    .replace("require('culex')", `require(${JSON.stringify(path.join(__dirname, '..'))})`)
    .replace('mqtt://localhost:1883', broker.url());
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  // It also has to end by itself: end() lets the process exit.
  assert.equal(out.trim(), 'demo/hello: hello from Node');
});
