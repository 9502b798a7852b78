'use strict';
// An MQTT client shaped like MQTT.js's, driven by Node's event loop: the library's external-loop
// calls (mosquitto_loop_read/write/misc) run on the main thread when the Poller says the socket
// is ready, and every library callback therefore runs on the main thread too, inside those calls.

const EventEmitter = require('node:events');
const { koffi, c, cb, sys, Message } = require('./native');
const { Poller, POLLIN, POLLOUT, POLLERR, POLLHUP } = require('./poller');
const { CulexError, ReasonCodeError, check } = require('./errors');
const properties = require('./properties');

const MESSAGE_SIZE = koffi.sizeof(Message);
const OFFSET = Object.fromEntries(['mid', 'topic', 'payload', 'payloadlen', 'qos', 'retain'].map((f) => [f, koffi.offsetof(Message, f)]));
const MOSQ_OPT_PROTOCOL_VERSION = 1;
const MOSQ_OPT_TLS_USE_OS_CERTS = 13;
const MQTT_SUB_OPT_NO_LOCAL = 4;
const MQTT_SUB_OPT_RETAIN_AS_PUBLISHED = 8;

function parseUrl(url, options) {
  const u = new URL(url);
  const schemes = { 'mqtt:': false, 'tcp:': false, 'mqtts:': true, 'ssl:': true, 'tls:': true };
  if (!(u.protocol in schemes)) {
    throw new CulexError(10, `scheme ${u.protocol} (mqtt:, mqtts:, tcp:, ssl:, tls:)`);
  }
  const tls = schemes[u.protocol];
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port: u.port ? Number(u.port) : tls ? 8883 : 1883,
    tls,
    username: options.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
    password: options.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
  };
}

const pem = (v) => (v === undefined || v === null ? null : Buffer.isBuffer(v) ? v.toString() : String(v));

class Client extends EventEmitter {
  constructor(url, options = {}) {
    super();
    this.options = { keepalive: 60, reconnectPeriod: 1000, connectTimeout: 30_000, protocolVersion: 4, clean: true, ...options };
    this._target = parseUrl(url, this.options);
    this.connected = false;
    this.disconnecting = false;
    this.reconnecting = false;
    this._pending = new Map(); // mid -> { kind, done(err, value) }
    this._subscriptions = new Map(); // topic -> { qos, options }: renewed after a reconnect
    this._offline = []; // commands issued before the first connection, run on connect
    this._fd = -1;
    this._writeWatched = false;
    this._flushScheduled = false;
    this._connectRunning = false;
    this._mid = new Int32Array(1);
    this._head = Buffer.alloc(MESSAGE_SIZE);
    this._poller = new Poller();
    this._create();
    this._misc = setInterval(() => this._loopMisc(), 1000);
    this._connect();
  }

  // ---- the handle and its callbacks -------------------------------------------------------

  _create() {
    const o = this.options;
    const mosq = c.new(o.clientId || null, o.clean !== false, null);
    if (!mosq) throw new CulexError(3, 'mosquitto_new (a kept session needs a clientId)');
    this._mosq = mosq;
    try {
      this._configure();
    } catch (e) {
      c.destroy(mosq);
      this._mosq = null;
      this._poller.close();
      throw e;
    }
    const reg = (fn, type) => koffi.register(this, fn, koffi.pointer(type));
    this._callbacks = {
      connect: reg(this._onConnect, cb.connect),
      disconnect: reg(this._onDisconnect, cb.disconnect),
      publish: reg(this._onPublish, cb.publish),
      subscribe: reg(this._onSubscribe, cb.subscribe),
      unsubscribe: reg(this._onUnsubscribe, cb.unsubscribe),
      message: reg(this._onMessage, cb.message),
      connectFail: reg(this._onConnectFail, cb.int),
      open: reg(this._onSocketOpen, cb.int),
      close: reg(this._onSocketClose, cb.int),
      registerWrite: reg(this._onRegisterWrite, cb.int),
      unregisterWrite: reg(this._onUnregisterWrite, cb.int),
    };
    const k = this._callbacks;
    c.connect_v5_callback_set(mosq, k.connect);
    c.disconnect_v5_callback_set(mosq, k.disconnect);
    c.publish_v5_callback_set(mosq, k.publish);
    c.subscribe_v5_callback_set(mosq, k.subscribe);
    c.unsubscribe_v5_callback_set(mosq, k.unsubscribe);
    c.message_v5_callback_set(mosq, k.message);
    c.connect_fail_callback_set(mosq, k.connectFail);
    c.socket_open_callback_set(mosq, k.open);
    c.socket_close_callback_set(mosq, k.close);
    c.socket_register_write_callback_set(mosq, k.registerWrite);
    c.socket_unregister_write_callback_set(mosq, k.unregisterWrite);
  }

  _configure() {
    const o = this.options;
    const t = this._target;
    const mosq = this._mosq;
    const must = (rc, what) => {
      if (rc !== 0) throw new CulexError(rc, what);
    };
    if (![3, 4, 5].includes(o.protocolVersion)) throw new CulexError(3, 'protocolVersion must be 3, 4 or 5');
    must(c.int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, o.protocolVersion), 'protocolVersion');
    if (t.username !== undefined || t.password !== undefined) {
      must(c.username_pw_set(mosq, t.username ?? '', t.password === undefined ? null : String(t.password)), 'username');
    }
    if (o.will) {
      const w = o.will;
      const payload = Buffer.isBuffer(w.payload) ? w.payload : Buffer.from(w.payload ?? '');
      const list = properties.toList(w.properties);
      const rc = c.will_set_v5(mosq, w.topic, payload.length, payload, w.qos ?? 0, !!w.retain, list);
      // The library takes the list only on success.
      if (rc !== 0) properties.free(list);
      must(rc, 'will');
    }
    if (t.tls || o.ca || o.cert) {
      if (o.ca) must(c.tls_set_pem(mosq, pem(o.ca), pem(o.cert), pem(o.key), null), 'ca/cert/key');
      else if (o.caFile) must(c.tls_set(mosq, o.caFile, null, o.certFile ?? null, o.keyFile ?? null, null), 'caFile');
      else must(c.int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1), 'system CAs');
      // As far as OpenSSL's verification goes: the chain is always checked, the host name
      // unless rejectUnauthorized is false.
      if (o.rejectUnauthorized === false) must(c.tls_insecure_set(mosq, true), 'rejectUnauthorized');
    }
    if (o.connectTimeout > 0) must(c.connect_timeout_set(mosq, o.connectTimeout), 'connectTimeout');
    if (o.maxInflight > 0) must(c.max_inflight_set(mosq, o.maxInflight), 'maxInflight');
  }

  // The first connect and every reconnect: the name lookup and the TCP connect run on a libuv
  // worker (mosquitto_connect_bind_v5 waits for them), the rest on the main thread.
  _connect() {
    if (this._connectRunning || !this._mosq) return;
    this._connectRunning = true;
    const t = this._target;
    const list = properties.toList(this.options.properties);
    c.connect_bind_v5.async(this._mosq, t.host, t.port, this.options.keepalive, null, list, (err, rc) => {
      properties.free(list);
      this._connectRunning = false;
      if (!this._mosq) return; // end({force}) came meanwhile
      if (this.disconnecting) {
        this._teardown();
        return;
      }
      if (err) rc = 13;
      if (rc !== 0) {
        this._attemptFailed(new CulexError(rc, `connect to ${t.host}:${t.port}`));
        return;
      }
      // What the connect call queued (the socket's open callback, CONNECT) is handed on by
      // the next loop call on this thread.
      c.loop_misc(this._mosq);
      this._scheduleFlush();
    });
  }

  _attemptFailed(error) {
    this.emit('error', error);
    this._lost();
  }

  // A connection ended (or never came): reconnect later, unless ended.
  _lost() {
    const wasConnected = this.connected;
    this.connected = false;
    if (wasConnected) this.emit('offline');
    this._emitClose();
    this._failPending((kind) => kind !== 'publish', () => new CulexError(7, 'before the acknowledgement'));
    if (this.disconnecting || !(this.options.reconnectPeriod > 0)) return;
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = setTimeout(() => {
      if (this.disconnecting || !this._mosq) return;
      this.reconnecting = true;
      this.emit('reconnect');
      this._connect();
    }, this.options.reconnectPeriod);
  }

  _onConnect(_mosq, _obj, rc, flags, props) {
    const connack = {
      cmd: 'connack',
      sessionPresent: (flags & 1) !== 0,
      returnCode: rc,
      reasonCode: rc,
      properties: properties.fromList(props),
    };
    if (rc !== 0) {
      const reason = connack.properties?.reasonString;
      const error = new ReasonCodeError('CONNACK', rc, reason, this.options.protocolVersion !== 5);
      // The library would retry; this client decides itself (reconnectPeriod).
      c.disconnect_v5(this._mosq, 0, null);
      this._refused = error;
      return;
    }
    this.connected = true;
    this._connectedOnce = true;
    this.reconnecting = false;
    const offline = this._offline;
    this._offline = [];
    if (!connack.sessionPresent) {
      for (const [topic, s] of this._subscriptions) {
        c.subscribe_multiple(this._mosq, this._mid, 1, [topic], s.qos, s.flags, null);
      }
    }
    this.emit('connect', connack);
    for (const run of offline) run();
    this._scheduleFlush();
  }

  _onConnectFail(_mosq, _obj, rc) {
    if (this._fd >= 0) this._socketGone();
    this._attemptFailed(new CulexError(rc, `connect to ${this._target.host}:${this._target.port}`));
  }

  _onDisconnect(_mosq, _obj, rc, props) {
    if (this._fd >= 0) this._socketGone();
    if (this.disconnecting) {
      this._teardown();
      return;
    }
    if (this._refused) {
      const error = this._refused;
      this._refused = null;
      this._attemptFailed(error);
      return;
    }
    // As MQTT.js: a broker's DISCONNECT is a 'disconnect' event, a lost connection no error
    // (then 'offline' and 'close'); the cause is kept in lastError.
    if (rc >= 0x80) {
      const packet = { cmd: 'disconnect', reasonCode: rc, properties: properties.fromList(props) };
      this.lastError = new ReasonCodeError('DISCONNECT', rc, packet.properties?.reasonString);
      this.emit('disconnect', packet);
    } else if (rc !== 0) {
      this.lastError = new CulexError(rc);
    }
    this._lost();
  }

  _onPublish(_mosq, _obj, mid, rc, props) {
    const p = this._pending.get(mid);
    if (!p || p.kind !== 'publish') {
      // A QoS 0 message written inside mosquitto_publish_v5 itself, before its mid was known.
      if (this._inPublish) this._inPublish.early = { mid, rc };
      return;
    }
    this._pending.delete(mid);
    this._published(p.done, rc, props);
  }

  _published(done, rc, props) {
    if (rc >= 0x80) done(new ReasonCodeError('PUBACK', rc, properties.fromList(props)?.reasonString));
    else done(undefined, { reasonCode: rc });
  }

  _onSubscribe(_mosq, _obj, mid, count, grantedPtr) {
    const p = this._pending.get(mid);
    if (!p || p.kind !== 'subscribe') return;
    this._pending.delete(mid);
    const granted = koffi.decode(grantedPtr, 'int', count);
    p.done(undefined, p.topics.map((topic, i) => ({ topic, qos: granted[i] ?? 128 })));
  }

  _onUnsubscribe(_mosq, _obj, mid) {
    const p = this._pending.get(mid);
    if (!p || p.kind !== 'unsubscribe') return;
    this._pending.delete(mid);
    p.done(undefined);
  }

  _onMessage(_mosq, _obj, msgPtr, props) {
    // The struct's plain fields in one copy, its topic as a string, and a copy of the payload
    // (the library frees its message when this returns): the fewest calls into koffi.
    const head = this._head;
    sys.memcpy(head, msgPtr, MESSAGE_SIZE);
    const len = head.readInt32LE(OFFSET.payloadlen);
    const topic = koffi.decode(msgPtr, OFFSET.topic, 'char *');
    const payload = Buffer.allocUnsafe(len);
    if (len > 0) sys.memcpy(payload, koffi.decode(msgPtr, OFFSET.payload, 'void *'), len);
    const mid = head.readInt32LE(OFFSET.mid);
    const packet = { cmd: 'publish', topic, payload, qos: head.readInt32LE(OFFSET.qos), retain: head[OFFSET.retain] !== 0, dup: false, messageId: mid || undefined };
    if (props) packet.properties = properties.fromList(props);
    this.emit('message', topic, payload, packet);
  }

  // ---- the socket and the event loop --------------------------------------------------------

  // 'close' once for each socket that opened (and once at the end).
  _emitClose() {
    if (!this._closeOwed && !this._ended) return;
    this._closeOwed = false;
    this.emit('close');
  }

  _onSocketOpen(_mosq, _obj, fd) {
    this._closeOwed = true;
    this._fd = fd;
    this._writeWatched = false;
    this._poller.watch(fd, false, this._readyFn ??= (revents) => this._ready(revents));
  }

  _onSocketClose(_mosq, _obj, fd) {
    if (fd === this._fd) this._socketGone();
  }

  _socketGone() {
    this._poller.unwatch(this._fd);
    this._fd = -1;
    this._writeWatched = false;
  }

  _onRegisterWrite() {
    this._scheduleFlush();
  }

  _onUnregisterWrite() {
    this._watchWrite(false);
  }

  _watchWrite(on) {
    if (this._fd < 0 || this._writeWatched === on) return;
    this._writeWatched = on;
    this._poller.watch(this._fd, on, this._readyFn);
  }

  _ready(revents) {
    if (!this._mosq) return;
    if (revents & (POLLIN | POLLERR | POLLHUP)) c.loop_read(this._mosq, 1);
    if (this._mosq && this._fd >= 0 && revents & POLLOUT) c.loop_write(this._mosq, 1);
    this._afterIo();
  }

  // Write what commands queued, once per turn of the event loop, without waiting for poll:
  // the socket is writable almost always. Only what the kernel did not take waits for POLLOUT.
  _scheduleFlush() {
    if (this._flushScheduled) return;
    this._flushScheduled = true;
    setImmediate(() => {
      this._flushScheduled = false;
      if (this._mosq && this._fd >= 0 && c.want_write(this._mosq)) c.loop_write(this._mosq, 1);
      this._afterIo();
    });
  }

  _afterIo() {
    if (this._mosq && this._fd >= 0) this._watchWrite(c.want_write(this._mosq));
  }

  _loopMisc() {
    if (this._mosq && !this._connectRunning) {
      c.loop_misc(this._mosq);
      this._afterIo();
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  // Before the first CONNACK commands wait here (as MQTT.js queues them), then run in order.
  _whenConnected(run) {
    if (this.connected || this._connectedOnce) return run();
    this._offline.push(run);
    return undefined;
  }

  _failPending(which, error) {
    for (const [mid, p] of this._pending) {
      if (which(p.kind)) {
        this._pending.delete(mid);
        p.done(error());
      }
    }
  }

  _finish(callback, error, value) {
    if (callback) process.nextTick(callback, error, value);
    else if (error) process.nextTick(() => this.emit('error', error));
  }

  publish(topic, message, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [{}, opts];
    opts ??= {};
    if (this.disconnecting || !this._mosq) {
      this._finish(callback, new CulexError(4, 'the client is ending'));
      return this;
    }
    const payload = typeof message === 'string' ? Buffer.from(message) : message ?? Buffer.alloc(0);
    const qos = opts.qos ?? 0;
    if (!this.connected && !this._connectedOnce) {
      this._offline.push(() => this.publish(topic, payload, opts, callback));
      return this;
    }
    let list = null;
    try {
      list = properties.toList(opts.properties);
    } catch (e) {
      this._finish(callback, e);
      return this;
    }
    const call = callback ? { early: null } : null;
    this._inPublish = call;
    const rc = c.publish_v5(this._mosq, this._mid, topic, payload.length, payload, qos, !!opts.retain, list);
    this._inPublish = null;
    properties.free(list);
    if (rc !== 0) {
      this._finish(callback, new CulexError(rc, `publish to ${topic}`));
      return this;
    }
    if (call?.early && call.early.mid === this._mid[0]) {
      this._published((err, ack) => this._finish(callback, err, ack), call.early.rc, null);
    } else if (callback) {
      this._pending.set(this._mid[0], { kind: 'publish', done: callback });
    }
    this._scheduleFlush();
    return this;
  }

  subscribe(topics, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [{}, opts];
    opts ??= {};
    // MQTT.js's three forms: a topic, an array of topics, or { topic: { qos } }.
    let wanted;
    if (typeof topics === 'string') wanted = [[topics, opts]];
    else if (Array.isArray(topics)) wanted = topics.map((t) => [t, opts]);
    else wanted = Object.entries(topics).map(([t, o]) => [t, { ...opts, ...(typeof o === 'number' ? { qos: o } : o) }]);
    if (this.disconnecting || !this._mosq) {
      this._finish(callback, new CulexError(4, 'the client is ending'));
      return this;
    }
    this._whenConnected(() => this._subscribe(wanted, opts.properties, callback));
    return this;
  }

  _subscribe(wanted, props, callback) {
    // One SUBSCRIBE per set of options (the C call takes one QoS and one set of flags).
    const groups = new Map();
    for (const [topic, o] of wanted) {
      const qos = o.qos ?? 0;
      const flags = (o.nl ? MQTT_SUB_OPT_NO_LOCAL : 0) | (o.rap ? MQTT_SUB_OPT_RETAIN_AS_PUBLISHED : 0) | ((o.rh ?? 0) & 3) << 4;
      const key = `${qos}/${flags}`;
      if (!groups.has(key)) groups.set(key, { qos, flags, topics: [] });
      groups.get(key).topics.push(topic);
    }
    let left = groups.size;
    let failed;
    const granted = [];
    const one = (err, g) => {
      if (err) failed ??= err;
      else granted.push(...g);
      if (--left === 0) this._finish(callback, failed, failed ? undefined : granted);
    };
    for (const g of groups.values()) {
      let list = null;
      let rc;
      try {
        list = properties.toList(props);
        rc = c.subscribe_multiple(this._mosq, this._mid, g.topics.length, g.topics, g.qos, g.flags, list);
      } catch (e) {
        one(e);
        continue;
      } finally {
        properties.free(list);
      }
      if (rc !== 0) {
        one(new CulexError(rc, `subscribe to ${g.topics.join(', ')}`));
        continue;
      }
      for (const topic of g.topics) this._subscriptions.set(topic, { qos: g.qos, flags: g.flags });
      this._pending.set(this._mid[0], { kind: 'subscribe', topics: g.topics, done: one });
    }
    this._scheduleFlush();
  }

  unsubscribe(topics, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [{}, opts];
    opts ??= {};
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (this.disconnecting || !this._mosq) {
      this._finish(callback, new CulexError(4, 'the client is ending'));
      return this;
    }
    this._whenConnected(() => {
      let props = null;
      let rc;
      try {
        props = properties.toList(opts.properties);
        rc = c.unsubscribe_multiple(this._mosq, this._mid, list.length, list, props);
      } catch (e) {
        this._finish(callback, e);
        return;
      } finally {
        properties.free(props);
      }
      if (rc !== 0) {
        this._finish(callback, new CulexError(rc, `unsubscribe from ${list.join(', ')}`));
        return;
      }
      for (const topic of list) this._subscriptions.delete(topic);
      this._pending.set(this._mid[0], { kind: 'unsubscribe', done: (err) => this._finish(callback, err) });
      this._scheduleFlush();
    });
    return this;
  }

  /**
   * Ends the client: DISCONNECT (written first, unless `force`), then frees the handle. The
   * callback and 'end' come once everything is freed; pending callbacks get an error.
   */
  end(force, opts, callback) {
    if (typeof force === 'function') [force, opts, callback] = [false, {}, force];
    if (typeof opts === 'function') [opts, callback] = [{}, opts];
    if (this._ended) {
      if (callback) process.nextTick(callback);
      return this;
    }
    if (callback) this.once('end', callback);
    if (this.disconnecting) return this;
    this.disconnecting = true;
    clearTimeout(this._reconnectTimer);
    for (const run of this._offline.splice(0)) run();
    if (!force && this._mosq && this._fd >= 0 && !this._connectRunning) {
      let list = null;
      try {
        list = properties.toList(opts?.properties);
      } catch {
        list = null;
      }
      const rc = c.disconnect_v5(this._mosq, opts?.reasonCode ?? 0, list);
      properties.free(list);
      if (rc === 0) {
        c.loop_write(this._mosq, 1);
        // The library calls on_disconnect once DISCONNECT is written (then _teardown).
        if (this._mosq && this._fd >= 0) {
          this._afterIo();
          return this;
        }
        if (!this._mosq) return this;
      }
    }
    if (!this._connectRunning) this._teardown();
    return this;
  }

  _teardown() {
    if (!this._mosq) return;
    const mosq = this._mosq;
    this._mosq = null;
    clearInterval(this._misc);
    clearTimeout(this._reconnectTimer);
    if (this._fd >= 0) this._socketGone();
    // Deferred: _teardown may run inside a library callback, which must return first.
    setImmediate(() => {
      c.destroy(mosq);
      for (const k of Object.values(this._callbacks)) koffi.unregister(k);
      this._callbacks = null;
      this._poller.close();
      this.connected = false;
      this._failPending(() => true, () => new CulexError(4, 'the client ended'));
      this._ended = true;
      this._emitClose();
      this.emit('end');
    });
  }

  // ---- promise forms ------------------------------------------------------------------------

  publishAsync(topic, message, opts) {
    return new Promise((resolve, reject) => this.publish(topic, message, opts, (err, ack) => (err ? reject(err) : resolve(ack))));
  }

  subscribeAsync(topics, opts) {
    return new Promise((resolve, reject) => this.subscribe(topics, opts, (err, granted) => (err ? reject(err) : resolve(granted))));
  }

  unsubscribeAsync(topics, opts) {
    return new Promise((resolve, reject) => this.unsubscribe(topics, opts, (err) => (err ? reject(err) : resolve())));
  }

  endAsync(force, opts) {
    return new Promise((resolve) => this.end(force, opts, resolve));
  }
}

function connect(url, options) {
  if (typeof url === 'object' && url !== null) [url, options] = [url.url ?? `mqtt://${url.host ?? 'localhost'}:${url.port ?? 1883}`, url];
  return new Client(url, options);
}

function connectAsync(url, options) {
  return new Promise((resolve, reject) => {
    const client = connect(url, options);
    const fail = (err) => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(err);
    };
    const ok = () => {
      client.removeListener('error', fail);
      resolve(client);
    };
    client.once('connect', ok);
    client.once('error', fail);
  });
}

module.exports = { Client, connect, connectAsync, check };
