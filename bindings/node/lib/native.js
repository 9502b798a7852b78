'use strict';
// The C functions the binding calls, declared with koffi: libculex (mosquitto_* and culex_*)
// and the few libc calls the poller needs. Nothing here keeps state about clients.

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');

// Where libculex.so is: CULEX_LIB (a file), the install prefix scripts/test-bindings.sh
// makes in this repository, or the system's library path.
function libraryPath() {
  if (process.env.CULEX_LIB) return process.env.CULEX_LIB;
  const here = path.join(__dirname, '..', '..', '..', 'build', 'bindings', 'prefix', 'lib', 'libculex.so.0');
  return fs.existsSync(here) ? here : 'libculex.so.0';
}

const lib = koffi.load(libraryPath());
const libc = koffi.load('libc.so.6');

const mosq = koffi.opaque('mosquitto');
const property = koffi.opaque('mosquitto_property');
const Message = koffi.struct('mosquitto_message', {
  mid: 'int',
  topic: 'char *',
  payload: 'void *',
  payloadlen: 'int',
  qos: 'int',
  retain: 'bool',
});

const cb = {
  connect: koffi.proto('void culex_on_connect(mosquitto *, void *, int rc, int flags, const mosquitto_property *)'),
  disconnect: koffi.proto('void culex_on_disconnect(mosquitto *, void *, int rc, const mosquitto_property *)'),
  publish: koffi.proto('void culex_on_publish(mosquitto *, void *, int mid, int rc, const mosquitto_property *)'),
  subscribe: koffi.proto('void culex_on_subscribe(mosquitto *, void *, int mid, int count, const int *granted, const mosquitto_property *)'),
  unsubscribe: koffi.proto('void culex_on_unsubscribe(mosquitto *, void *, int mid, const mosquitto_property *)'),
  message: koffi.proto('void culex_on_message(mosquitto *, void *, const mosquitto_message *, const mosquitto_property *)'),
  int: koffi.proto('void culex_on_int(mosquitto *, void *, int)'),
};

const f = (decl) => lib.func(decl);
const c = {
  lib_init: f('int mosquitto_lib_init()'),
  new: f('mosquitto *mosquitto_new(const char *id, bool clean, void *obj)'),
  destroy: f('void mosquitto_destroy(mosquitto *)'),
  strerror: f('const char *mosquitto_strerror(int)'),
  reason_string: f('const char *mosquitto_reason_string(int)'),
  connack_string: f('const char *mosquitto_connack_string(int)'),
  int_option: f('int mosquitto_int_option(mosquitto *, int option, int value)'),
  username_pw_set: f('int mosquitto_username_pw_set(mosquitto *, const char *, const char *)'),
  will_set_v5: f('int mosquitto_will_set_v5(mosquitto *, const char *topic, int len, const void *payload, int qos, bool retain, mosquitto_property *props)'),
  tls_set: f('int mosquitto_tls_set(mosquitto *, const char *cafile, const char *capath, const char *certfile, const char *keyfile, void *pw_callback)'),
  tls_set_pem: f('int culex_tls_set_pem(mosquitto *, const char *ca, const char *cert, const char *key, void *pw_callback)'),
  tls_insecure_set: f('int mosquitto_tls_insecure_set(mosquitto *, bool)'),
  connect_bind_v5: f('int mosquitto_connect_bind_v5(mosquitto *, const char *host, int port, int keepalive, const char *bind, const mosquitto_property *props)'),
  reconnect_async: f('int mosquitto_reconnect_async(mosquitto *)'),
  connect_timeout_set: f('int culex_connect_timeout_set(mosquitto *, int ms)'),
  disconnect_v5: f('int mosquitto_disconnect_v5(mosquitto *, int reason, const mosquitto_property *props)'),
  publish_v5: f('int mosquitto_publish_v5(mosquitto *, _Out_ int *mid, const char *topic, int len, const void *payload, int qos, bool retain, const mosquitto_property *props)'),
  subscribe_multiple: f('int mosquitto_subscribe_multiple(mosquitto *, _Out_ int *mid, int count, const char **subs, int qos, int options, const mosquitto_property *props)'),
  unsubscribe_multiple: f('int mosquitto_unsubscribe_multiple(mosquitto *, _Out_ int *mid, int count, const char **subs, const mosquitto_property *props)'),
  max_inflight_set: f('int mosquitto_max_inflight_messages_set(mosquitto *, unsigned int)'),
  loop_read: f('int mosquitto_loop_read(mosquitto *, int max_packets)'),
  loop_write: f('int mosquitto_loop_write(mosquitto *, int max_packets)'),
  loop_misc: f('int mosquitto_loop_misc(mosquitto *)'),
  want_write: f('bool mosquitto_want_write(mosquitto *)'),
  socket: f('int mosquitto_socket(mosquitto *)'),
  is_connected: f('bool culex_is_connected(mosquitto *)'),

  connect_v5_callback_set: f('void mosquitto_connect_v5_callback_set(mosquitto *, culex_on_connect *)'),
  disconnect_v5_callback_set: f('void mosquitto_disconnect_v5_callback_set(mosquitto *, culex_on_disconnect *)'),
  publish_v5_callback_set: f('void mosquitto_publish_v5_callback_set(mosquitto *, culex_on_publish *)'),
  subscribe_v5_callback_set: f('void mosquitto_subscribe_v5_callback_set(mosquitto *, culex_on_subscribe *)'),
  unsubscribe_v5_callback_set: f('void mosquitto_unsubscribe_v5_callback_set(mosquitto *, culex_on_unsubscribe *)'),
  message_v5_callback_set: f('void mosquitto_message_v5_callback_set(mosquitto *, culex_on_message *)'),
  connect_fail_callback_set: f('void culex_connect_fail_callback_set(mosquitto *, culex_on_int *)'),
  socket_open_callback_set: f('void culex_socket_open_callback_set(mosquitto *, culex_on_int *)'),
  socket_close_callback_set: f('void culex_socket_close_callback_set(mosquitto *, culex_on_int *)'),
  socket_register_write_callback_set: f('void culex_socket_register_write_callback_set(mosquitto *, culex_on_int *)'),
  socket_unregister_write_callback_set: f('void culex_socket_unregister_write_callback_set(mosquitto *, culex_on_int *)'),

  property_add_byte: f('int mosquitto_property_add_byte(_Inout_ mosquitto_property **list, int id, uint8_t v)'),
  property_add_int16: f('int mosquitto_property_add_int16(_Inout_ mosquitto_property **list, int id, uint16_t v)'),
  property_add_int32: f('int mosquitto_property_add_int32(_Inout_ mosquitto_property **list, int id, uint32_t v)'),
  property_add_varint: f('int mosquitto_property_add_varint(_Inout_ mosquitto_property **list, int id, uint32_t v)'),
  property_add_binary: f('int mosquitto_property_add_binary(_Inout_ mosquitto_property **list, int id, const void *v, uint16_t len)'),
  property_add_string: f('int mosquitto_property_add_string(_Inout_ mosquitto_property **list, int id, const char *v)'),
  property_add_string_pair: f('int mosquitto_property_add_string_pair(_Inout_ mosquitto_property **list, int id, const char *k, const char *v)'),
  property_free_all: f('void mosquitto_property_free_all(_Inout_ mosquitto_property **list)'),
  property_next: f('const mosquitto_property *mosquitto_property_next(const mosquitto_property *)'),
  property_identifier: f('int mosquitto_property_identifier(const mosquitto_property *)'),
  property_read_byte: f('const mosquitto_property *mosquitto_property_read_byte(const mosquitto_property *, int id, _Out_ uint8_t *v, bool skip_first)'),
  property_read_int16: f('const mosquitto_property *mosquitto_property_read_int16(const mosquitto_property *, int id, _Out_ uint16_t *v, bool skip_first)'),
  property_read_int32: f('const mosquitto_property *mosquitto_property_read_int32(const mosquitto_property *, int id, _Out_ uint32_t *v, bool skip_first)'),
  property_read_varint: f('const mosquitto_property *mosquitto_property_read_varint(const mosquitto_property *, int id, _Out_ uint32_t *v, bool skip_first)'),
  property_read_binary: f('const mosquitto_property *mosquitto_property_read_binary(const mosquitto_property *, int id, _Out_ void **v, _Out_ uint16_t *len, bool skip_first)'),
  property_read_string: f('const mosquitto_property *mosquitto_property_read_string(const mosquitto_property *, int id, _Out_ void **v, bool skip_first)'),
  property_read_string_pair: f('const mosquitto_property *mosquitto_property_read_string_pair(const mosquitto_property *, int id, _Out_ void **k, _Out_ void **v, bool skip_first)'),
};

const sys = {
  poll: libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  pipe2: libc.func('int pipe2(int *fds, int flags)'),
  write: libc.func('long write(int fd, const void *buf, unsigned long len)'),
  read: libc.func('long read(int fd, void *buf, unsigned long len)'),
  close: libc.func('int close(int fd)'),
  free: libc.func('void free(void *)'),
  memcpy: libc.func('void *memcpy(void *dst, const void *src, unsigned long n)'),
};

c.lib_init();

module.exports = { koffi, c, cb, sys, Message };
