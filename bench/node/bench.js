'use strict';
// One Node benchmark run: the same code drives Culex's binding or MQTT.js 5.x (their APIs have
// the same shape), so the two differ only in the library.
//
//   node bench.js LIB SCENARIO QOS N URL       LIB: culex | mqtt; SCENARIO: pub | recv
//
// pub:  publish N 64-byte messages at QOS, at most WINDOW without their callback (QoS 0:
//       written; QoS 1: PUBACK), until the last callback.
// recv: subscribe at QOS, ask a feeder process (Culex's binding, its CPU not counted) to publish
//       N messages, count them until the last one.
// Prints one JSON line: messages per second (wall) and CPU microseconds per message (user +
// system of this process, from the first publish, or the first message, to the last).
const path = require('node:path');
const { fork } = require('node:child_process');

const node = path.join(__dirname, '..', '..', 'bindings', 'node');
const WINDOW = 1000;
const [lib, scenario, qosArg, nArg, url] = process.argv.slice(2);
const qos = Number(qosArg);
const n = Number(nArg);
const payload = Buffer.alloc(64, 'x');

function load(name) {
  return name === 'culex' ? require(node) : require(path.join(node, 'node_modules', 'mqtt'));
}

function connect(mod) {
  return new Promise((resolve, reject) => {
    const c = mod.connect(url, { reconnectPeriod: 0, clean: true });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

function report(start, cpu, count) {
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ lib, scenario, qos, n: count, msgsPerSec: Math.round(count / wall), cpuUsPerMsg: (used.user + used.system) / count }));
}

async function pub() {
  const client = await connect(load(lib));
  const topic = `bench/node/pub/${process.pid}`;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let sent = 0;
  let done = 0;
  await new Promise((resolve, reject) => {
    const one = (err) => {
      if (err) return reject(err);
      done++;
      if (done === n) return resolve();
      if (sent < n) {
        sent++;
        client.publish(topic, payload, { qos }, one);
      }
    };
    for (; sent < Math.min(WINDOW, n); sent++) client.publish(topic, payload, { qos }, one);
  });
  report(start, cpu, n);
  await new Promise((resolve) => client.end(false, {}, resolve));
}

async function recv() {
  const client = await connect(load(lib));
  const topic = `bench/node/recv/${process.pid}`;
  await new Promise((resolve, reject) => client.subscribe(topic, { qos }, (err) => (err ? reject(err) : resolve())));
  let got = 0;
  let start;
  let cpu;
  const finished = new Promise((resolve) => {
    client.on('message', () => {
      if (got++ === 0) {
        start = process.hrtime.bigint();
        cpu = process.cpuUsage();
      }
      if (got === n) resolve();
    });
  });
  const feeder = fork(__filename, ['feed', 'feed', String(qos), String(n), url, topic]);
  await finished;
  report(start, cpu, n);
  feeder.kill();
  await new Promise((resolve) => client.end(false, {}, resolve));
}

// The feeder: Culex's binding, windows of WINDOW unacknowledged.
async function feed() {
  const client = await connect(require(node));
  const topic = process.argv[7];
  let sent = 0;
  let done = 0;
  const one = () => {
    done++;
    if (done === n) client.end();
    else if (sent < n) {
      sent++;
      client.publish(topic, payload, { qos }, one);
    }
  };
  for (; sent < Math.min(WINDOW, n); sent++) client.publish(topic, payload, { qos }, one);
}

({ pub, recv, feed })[scenario]().catch((err) => {
  console.error(err);
  process.exit(1);
});
