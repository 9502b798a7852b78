'use strict';
// The library's error codes as JS errors: `code` and `name` are the C name (MOSQ_ERR_NO_CONN,
// CULEX_ERR_QUEUE_FULL, ...), `errno` the number, `message` mosquitto_strerror()'s text.

const { c } = require('./native');

// By value, as in mosquitto.h and culex.h (test/errors.test.js checks this against the headers).
const names = [
  null, 'NOMEM', 'PROTOCOL', 'INVAL', 'NO_CONN', 'CONN_REFUSED', 'NOT_FOUND', 'CONN_LOST', 'TLS',
  'PAYLOAD_SIZE', 'NOT_SUPPORTED', 'AUTH', 'ACL_DENIED', 'UNKNOWN', 'ERRNO', 'EAI', 'PROXY',
  'PLUGIN_DEFER', 'MALFORMED_UTF8', 'KEEPALIVE', 'LOOKUP', 'MALFORMED_PACKET',
  'DUPLICATE_PROPERTY', 'TLS_HANDSHAKE', 'QOS_NOT_SUPPORTED', 'OVERSIZE_PACKET', 'OCSP', 'TIMEOUT',
  'RETAIN_NOT_SUPPORTED', 'TOPIC_ALIAS_INVALID', 'ADMINISTRATIVE_ACTION', 'ALREADY_EXISTS',
];
const culexNames = { 100: 'QUEUE_FULL', 101: 'EXPIRED', 102: 'DISCARDED', 103: 'REFUSED' };

/** The C name of a return code. */
function errorName(rc) {
  if (names[rc]) return `MOSQ_ERR_${names[rc]}`;
  if (culexNames[rc]) return `CULEX_ERR_${culexNames[rc]}`;
  return `error ${rc}`;
}

class CulexError extends Error {
  constructor(rc, detail) {
    const text = c.strerror(rc);
    super(detail ? `${text} (${detail})` : text);
    this.name = errorName(rc);
    this.code = this.name;
    this.errno = rc;
  }
}

/** An acknowledgement that refused (CONNACK, SUBACK, PUBACK...): `reasonCode` is MQTT's. */
class ReasonCodeError extends Error {
  constructor(packet, reasonCode, reasonString, connack3) {
    const text = connack3 ? c.connack_string(reasonCode) : c.reason_string(reasonCode);
    super(`${packet} refused: ${text} (0x${reasonCode.toString(16).padStart(2, '0')})${reasonString ? `: ${reasonString}` : ''}`);
    // A refused CONNACK is MOSQ_ERR_CONN_REFUSED, a refused publish CULEX_ERR_REFUSED.
    this.name = packet === 'CONNACK' ? 'MOSQ_ERR_CONN_REFUSED' : 'CULEX_ERR_REFUSED';
    this.code = this.name;
    this.errno = packet === 'CONNACK' ? 5 : 103;
    this.packet = packet;
    this.reasonCode = reasonCode;
  }
}

/** Throw-free check: undefined for MOSQ_ERR_SUCCESS, else the error. */
function check(rc, detail) {
  return rc === 0 ? undefined : new CulexError(rc, detail);
}

module.exports = { CulexError, ReasonCodeError, errorName, check };
