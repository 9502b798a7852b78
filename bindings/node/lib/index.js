'use strict';
// Culex for Node.js: an MQTT client shaped like MQTT.js's on Culex's C library (see README.md).

const { Client, connect, connectAsync } = require('./client');
const { CulexError, ReasonCodeError, errorName } = require('./errors');
const { Poller } = require('./poller');

module.exports = { connect, connectAsync, Client, CulexError, ReasonCodeError, errorName, Poller };
