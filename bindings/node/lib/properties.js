'use strict';
// MQTT 5 properties between JS objects (MQTT.js's names) and the library's property lists.

const { koffi, c, sys } = require('./native');
const { CulexError } = require('./errors');

// identifier, JS name, type: one table for both directions.
const table = [
  [1, 'payloadFormatIndicator', 'byte'],
  [2, 'messageExpiryInterval', 'int32'],
  [3, 'contentType', 'string'],
  [8, 'responseTopic', 'string'],
  [9, 'correlationData', 'binary'],
  [11, 'subscriptionIdentifier', 'varint'],
  [17, 'sessionExpiryInterval', 'int32'],
  [18, 'assignedClientIdentifier', 'string'],
  [19, 'serverKeepAlive', 'int16'],
  [21, 'authenticationMethod', 'string'],
  [22, 'authenticationData', 'binary'],
  [23, 'requestProblemInformation', 'byte'],
  [24, 'willDelayInterval', 'int32'],
  [25, 'requestResponseInformation', 'byte'],
  [26, 'responseInformation', 'string'],
  [28, 'serverReference', 'string'],
  [31, 'reasonString', 'string'],
  [33, 'receiveMaximum', 'int16'],
  [34, 'topicAliasMaximum', 'int16'],
  [35, 'topicAlias', 'int16'],
  [36, 'maximumQoS', 'byte'],
  [37, 'retainAvailable', 'byte'],
  [38, 'userProperties', 'pair'],
  [39, 'maximumPacketSize', 'int32'],
  [40, 'wildcardSubscriptionAvailable', 'byte'],
  [41, 'subscriptionIdentifiersAvailable', 'byte'],
  [42, 'sharedSubscriptionAvailable', 'byte'],
];
const byName = new Map(table.map(([id, name, type]) => [name, { id, type }]));
const byId = new Map(table.map(([id, name, type]) => [id, { name, type }]));
// Byte properties that MQTT.js gives as booleans.
const flags = new Set(['payloadFormatIndicator', 'requestProblemInformation', 'requestResponseInformation',
  'retainAvailable', 'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable', 'sharedSubscriptionAvailable']);

const add = {
  byte: (list, id, v) => c.property_add_byte(list, id, Number(v)),
  int16: (list, id, v) => c.property_add_int16(list, id, v),
  int32: (list, id, v) => c.property_add_int32(list, id, v),
  varint: (list, id, v) => c.property_add_varint(list, id, v),
  string: (list, id, v) => c.property_add_string(list, id, String(v)),
  binary: (list, id, v) => {
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v);
    return c.property_add_binary(list, id, b, b.length);
  },
};

/**
 * The library's list for `props` (null for none). The caller frees it with free() unless a
 * call took it. Throws a TypeError for a name MQTT 5 does not have.
 */
function toList(props) {
  if (!props) return null;
  const list = [null];
  const fail = (rc, name) => {
    free(list[0]);
    throw new CulexError(rc, `property ${name}`);
  };
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    const p = byName.get(name);
    if (!p) {
      free(list[0]);
      throw new TypeError(`unknown MQTT 5 property ${name}`);
    }
    if (p.type === 'pair') {
      for (const [k, vs] of Object.entries(value)) {
        for (const v of Array.isArray(vs) ? vs : [vs]) {
          const rc = c.property_add_string_pair(list, p.id, k, String(v));
          if (rc) fail(rc, name);
        }
      }
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      const rc = add[p.type](list, p.id, v);
      if (rc) fail(rc, name);
    }
  }
  return list[0];
}

function free(list) {
  if (list) c.property_free_all([list]);
}

// Read one C string the library allocated, and free it.
function takeString(ptr) {
  const s = koffi.decode(ptr, 'char', -1);
  sys.free(ptr);
  return s;
}

const read = {
  byte: (at, id) => { const v = [0]; c.property_read_byte(at, id, v, false); return v[0]; },
  int16: (at, id) => { const v = [0]; c.property_read_int16(at, id, v, false); return v[0]; },
  int32: (at, id) => { const v = [0]; c.property_read_int32(at, id, v, false); return v[0]; },
  varint: (at, id) => { const v = [0]; c.property_read_varint(at, id, v, false); return v[0]; },
  string: (at, id) => { const v = [null]; c.property_read_string(at, id, v, false); return takeString(v[0]); },
  binary: (at, id) => {
    const v = [null];
    const n = [0];
    c.property_read_binary(at, id, v, n, false);
    const b = Buffer.from(new Uint8Array(koffi.view(v[0], n[0])));
    sys.free(v[0]);
    return b;
  },
};

/** A JS object for the library's list (which stays the library's); undefined for none. */
function fromList(list) {
  if (!list) return undefined;
  const out = {};
  for (let at = list; at; at = c.property_next(at)) {
    const id = c.property_identifier(at);
    const p = byId.get(id);
    if (!p) continue;
    if (p.type === 'pair') {
      const k = [null];
      const v = [null];
      c.property_read_string_pair(at, id, k, v, false);
      const key = takeString(k[0]);
      const value = takeString(v[0]);
      out.userProperties ??= {};
      const had = out.userProperties[key];
      out.userProperties[key] = had === undefined ? value : [].concat(had, value);
      continue;
    }
    let value = read[p.type](at, id);
    if (flags.has(p.name)) value = value !== 0;
    if (p.name === 'subscriptionIdentifier' && out[p.name] !== undefined) {
      value = [].concat(out[p.name], value);
    }
    out[p.name] = value;
  }
  return out;
}

module.exports = { toList, fromList, free };
