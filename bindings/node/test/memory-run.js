'use strict';
// Run by memory.test.js as `node --expose-gc memory-run.js URL`: 20,000 messages to warm up,
// then 100,000 more, published at QoS 1 (each acknowledgement awaited, in windows) and received
// back through the broker; prints the RSS (after a full GC) after each part, as JSON.
const culex = require('..');

async function main() {
  const url = process.argv[2];
  const sub = await culex.connectAsync(url);
  const pub = await culex.connectAsync(url);
  const topic = `node/memory/${process.pid}`;
  await sub.subscribeAsync(topic, { qos: 1 });
  let received = 0;
  let wake = null;
  sub.on('message', () => {
    received++;
    if (wake) wake();
  });
  const payload = Buffer.alloc(64, 'x');
  const window = 1000;
  async function send(n) {
    const target = received + n;
    for (let sent = 0; sent < n; sent += window) {
      const acks = [];
      for (let i = 0; i < window; i++) acks.push(pub.publishAsync(topic, payload, { qos: 1 }));
      await Promise.all(acks);
    }
    while (received < target) await new Promise((resolve) => { wake = resolve; });
    wake = null;
  }
  // glibc keeps freed heap memory mapped after a burst (it is the allocator's, not anything the
  // client holds): malloc_trim hands it back, as global.gc() does for V8's garbage.
  const koffi = require('koffi');
  const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
  const rss = () => {
    global.gc();
    mallocTrim(0);
    return process.memoryUsage().rss;
  };
  await send(20_000);
  const before = rss();
  await send(100_000);
  const after = rss();
  await sub.endAsync();
  await pub.endAsync();
  console.log(JSON.stringify({ before, after, received }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
