'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const culex = require('..');
const { startBroker, once, freePort } = require('./broker');

let broker;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker.stop();
});

let seq = 0;
const topic = (name) => `node/${name}/${++seq}`;

// A connected client, ended when the test ends.
async function connected(t, options = {}, url = broker.url()) {
  const client = culex.connect(url, options);
  t.after(() => client.endAsync());
  await once(client, 'connect');
  return client;
}

// Collects messages; `wait(n)` resolves once n are in.
function inbox(client) {
  const got = [];
  const waiters = [];
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload, packet });
    for (const w of waiters.splice(0)) {
      if (got.length >= w.n) w.resolve(got.slice());
      else waiters.push(w);
    }
  });
  return {
    got,
    wait: (n, ms = 20_000) => new Promise((resolve, reject) => {
      if (got.length >= n) return resolve(got.slice());
      const timer = setTimeout(() => reject(new Error(`got ${got.length} messages, want ${n}`)), ms);
      waiters.push({ n, resolve: (v) => { clearTimeout(timer); resolve(v); } });
    }),
  };
}

test('publish and subscribe at every QoS, callbacks and promises', async (t) => {
  const base = topic('qos');
  const sub = await connected(t);
  const pub = await connected(t);
  const box = inbox(sub);
  for (const qos of [0, 1, 2]) {
    const granted = await sub.subscribeAsync(`${base}/q${qos}/#`, { qos });
    assert.deepEqual(granted, [{ topic: `${base}/q${qos}/#`, qos }]);
    const acks = [];
    for (let i = 0; i < 10; i++) acks.push(pub.publishAsync(`${base}/q${qos}/m`, `${qos}:${i}`, { qos }));
    await Promise.all(acks);
  }
  const got = await box.wait(30);
  for (const qos of [0, 1, 2]) {
    const mine = got.filter((m) => m.packet.qos === qos).map((m) => m.payload.toString());
    assert.deepEqual(mine, [...Array(10).keys()].map((i) => `${qos}:${i}`));
  }
  // The callback forms, and the three forms of subscribe.
  await new Promise((resolve, reject) => sub.subscribe({ [`${base}/obj`]: { qos: 1 }, [`${base}/arr`]: 0 }, (err, granted) => {
    if (err) return reject(err);
    assert.deepEqual(granted.map((g) => g.qos).sort(), [0, 1]);
    resolve();
  }));
  const arrived = once(sub, 'message');
  await new Promise((resolve, reject) => pub.publish(`${base}/obj`, Buffer.from([0, 1, 2]), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  const [, payload] = await arrived;
  assert.deepEqual(payload, Buffer.from([0, 1, 2]));
  await sub.unsubscribeAsync([`${base}/obj`, `${base}/arr`]);
});

test('commands issued before the connection is up wait for it', async (t) => {
  const base = topic('early');
  const client = culex.connect(broker.url());
  t.after(() => client.endAsync());
  const box = inbox(client);
  const granted = client.subscribeAsync(base, { qos: 1 });
  const acked = client.publishAsync(base, 'early', { qos: 1 });
  assert.equal(client.connected, false);
  await granted;
  await acked;
  assert.equal((await box.wait(1))[0].payload.toString(), 'early');
});

test('many publishes in one turn of the event loop all arrive, in order', async (t) => {
  const base = topic('burst');
  const sub = await connected(t);
  const pub = await connected(t);
  await sub.subscribeAsync(base, { qos: 1 });
  const box = inbox(sub);
  const acks = [];
  for (let i = 0; i < 5000; i++) acks.push(pub.publishAsync(base, String(i), { qos: 1 }));
  await Promise.all(acks);
  const got = await box.wait(5000);
  assert.deepEqual(got.map((m) => Number(m.payload)), [...Array(5000).keys()]);
});

test('errors are JS Errors named after the MOSQ_ERR_* code', async (t) => {
  const client = await connected(t);
  await assert.rejects(client.publishAsync('a/+', 'x'), (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'MOSQ_ERR_INVAL');
    assert.equal(err.name, 'MOSQ_ERR_INVAL');
    assert.equal(err.errno, 3);
    return true;
  });
  // Nothing listens there.
  const port = await freePort();
  const lonely = culex.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  t.after(() => lonely.endAsync());
  const [err] = await once(lonely, 'error');
  assert.equal(err.code, 'MOSQ_ERR_ERRNO', err.message);
  // A refused CONNACK.
  const refused = culex.connect(broker.url(broker.auth), { username: 'alice', password: 'wrong', reconnectPeriod: 0 });
  t.after(() => refused.endAsync());
  const [no] = await once(refused, 'error');
  assert.equal(no.code, 'MOSQ_ERR_CONN_REFUSED', no.message);
  assert.throws(() => culex.connect('ws://127.0.0.1:1'), { code: 'MOSQ_ERR_NOT_SUPPORTED' });
});

test('the error names match the headers', () => {
  const fs = require('node:fs');
  const path = require('node:path');
  const include = path.join(__dirname, '..', '..', '..', 'include');
  let n = 0;
  for (const h of ['mosquitto.h', 'culex.h']) {
    const text = fs.readFileSync(path.join(include, h), 'utf8');
    for (const [, name, value] of text.matchAll(/^\s*((?:MOSQ|CULEX)_ERR_[A-Z0-9_]+) = (\d+),/gm)) {
      if (Number(value) === 0) continue;
      assert.equal(culex.errorName(Number(value)), name);
      n++;
    }
  }
  assert.ok(n > 30, `only ${n} codes found`);
});

test('username and password', async (t) => {
  const client = await connected(t, { username: 'alice', password: 'secret' }, broker.url(broker.auth));
  assert.equal(client.connected, true);
});

test('TLS: CA and client certificate as PEM, CA file; a wrong CA is MOSQ_ERR_TLS', async (t) => {
  const { certs } = broker;
  const base = topic('tls');
  const cases = [
    [`mqtts://localhost:${broker.tls}`, { ca: certs.ca }],
    [`mqtts://127.0.0.1:${broker.tls}`, { caFile: certs.caFile }],
    [`mqtts://localhost:${broker.tlsClient}`, { ca: certs.ca, cert: certs.cert, key: certs.key }],
  ];
  for (const [url, options] of cases) {
    const client = await connected(t, options, url);
    await client.subscribeAsync(base, { qos: 1 });
    const got = once(client, 'message');
    await client.publishAsync(base, url, { qos: 1 });
    const [, payload] = await got;
    assert.equal(payload.toString(), url);
    await client.endAsync();
  }
  for (const [url, options] of [
    [`mqtts://localhost:${broker.tls}`, { ca: certs.otherCa }],
    [`mqtts://localhost:${broker.tlsClient}`, { ca: certs.ca }],
  ]) {
    const client = culex.connect(url, { ...options, reconnectPeriod: 0 });
    t.after(() => client.endAsync());
    const [err] = await once(client, 'error');
    assert.equal(err.code, 'MOSQ_ERR_TLS', `${url}: ${err.message}`);
  }
});

test('MQTT 5 properties both ways', async (t) => {
  const base = topic('v5');
  const v5 = { protocolVersion: 5, properties: { sessionExpiryInterval: 0, userProperties: { app: 'test' } } };
  const sub = await connected(t, v5);
  const pub = await connected(t, v5);
  await sub.subscribeAsync(`${base}/#`, { qos: 1, nl: true, properties: { subscriptionIdentifier: 7 } });
  const got = once(sub, 'message');
  // No Local: the subscriber's own message does not come back.
  await sub.publishAsync(`${base}/own`, 'own', { qos: 1 });
  await pub.publishAsync(`${base}/p`, 'hi', {
    qos: 1,
    properties: {
      payloadFormatIndicator: true,
      messageExpiryInterval: 3600,
      contentType: 'text/plain',
      responseTopic: `${base}/reply`,
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: { k: ['v1', 'v2'] },
    },
  });
  const [t0, payload, packet] = await got;
  assert.equal(t0, `${base}/p`);
  assert.equal(payload.toString(), 'hi');
  const p = packet.properties;
  assert.equal(p.contentType, 'text/plain');
  assert.equal(p.responseTopic, `${base}/reply`);
  assert.deepEqual(p.correlationData, Buffer.from([1, 2, 3]));
  assert.equal(p.payloadFormatIndicator, true);
  assert.ok(p.messageExpiryInterval <= 3600);
  assert.deepEqual(p.userProperties, { k: ['v1', 'v2'] });
  assert.equal(p.subscriptionIdentifier, 7);
  // Properties an MQTT 3.1.1 client cannot send.
  const old = await connected(t);
  await assert.rejects(old.publishAsync(`${base}/x`, 'x', { properties: { contentType: 'a' } }), { code: 'MOSQ_ERR_NOT_SUPPORTED' });
});

test('the will is published when the connection is lost', async (t) => {
  const base = topic('will');
  const watcher = await connected(t);
  await watcher.subscribeAsync(`${base}/will`, { qos: 1 });
  const clientId = `node-will-${process.pid}-${Date.now()}`;
  const first = await connected(t, { clientId, reconnectPeriod: 0, will: { topic: `${base}/will`, payload: 'gone', qos: 1 } });
  const closed = once(first, 'close');
  const will = once(watcher, 'message');
  // The broker ends the first connection when another one takes its client id.
  await connected(t, { clientId });
  await closed;
  const [, payload] = await will;
  assert.equal(payload.toString(), 'gone');
});

test('the client reconnects by itself and keeps its subscriptions', async (t) => {
  const base = topic('reconnect');
  const clientId = `node-re-${process.pid}-${Date.now()}`;
  const client = await connected(t, { clientId, reconnectPeriod: 50 });
  await client.subscribeAsync(base, { qos: 1 });
  const reconnected = once(client, 'connect');
  // Another connection with the same client id: the broker drops this one, which comes back.
  const thief = culex.connect(broker.url(), { clientId, reconnectPeriod: 0 });
  await once(thief, 'connect');
  await thief.endAsync();
  await reconnected;
  const pub = await connected(t);
  const got = once(client, 'message');
  await pub.publishAsync(base, 'again', { qos: 1 });
  assert.equal((await got)[1].toString(), 'again');
});

test('end() frees the client; later commands fail', async (t) => {
  const client = await connected(t);
  await client.endAsync();
  assert.equal(client.connected, false);
  await assert.rejects(client.publishAsync('x', 'y'), { code: 'MOSQ_ERR_NO_CONN' });
  // Ending twice is harmless.
  await client.endAsync();
});

test('an idle connected client leaves the event loop idle (no busy polling)', async (t) => {
  const client = await connected(t);
  const start = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < 100, `${ms} ms of CPU in 1.5 s idle`);
  assert.equal(client.connected, true);
});
