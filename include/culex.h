/*
 * culex.h: extensions of Culex beyond the libmosquitto 2.0 API (functions named culex_*).
 *
 * GENERATED FILE, DO NOT EDIT. It is produced by cbindgen 0.29.0 from the module tree of
 * src/ffi/culex/ (see cbindgen-culex.toml). Regenerate with:  scripts/gen-headers.sh
 */

#ifndef CULEX_H
#define CULEX_H

#include "mosquitto.h"

/**
 * `culex_persistence_set` mode: no store (close the one in use; what it holds stays on disk).
 */
#define CULEX_PERSIST_NONE 0

/**
 * `culex_persistence_set` mode: a QoS 1/2 message is on disk before `mosquitto_publish` returns
 * success (one `fdatasync` per message).
 */
#define CULEX_PERSIST_SYNC 1

/**
 * `culex_persistence_set` mode: a QoS 1/2 message is on disk before its PUBLISH leaves the
 * socket (one `fdatasync` per write, however many messages it carries); a crash loses only
 * messages that were never sent.
 */
#define CULEX_PERSIST_GROUP_COMMIT 2

/**
 * Culex's error codes (see `culex.h`).
 */
enum culex_err_t {
    /**
     * `mosquitto_publish()`: the message would wait (beyond the in-flight window or while
     * offline) and the outgoing queue is at its message or byte limit
     * (`culex_max_queued_messages_set`); nothing was queued, nothing queued was dropped.
     */
    CULEX_ERR_QUEUE_FULL = 100,
    /**
     * The message waited longer than the queue's time-to-live (`culex_queue_ttl_set`) and was
     * dropped unsent.
     */
    CULEX_ERR_EXPIRED = 101,
    /**
     * The message was dropped unsent for another reason: a QoS 0 message still waiting when
     * its connection ended, or one over the broker's limits (Maximum QoS, Maximum Packet Size)
     * once they were known.
     */
    CULEX_ERR_DISCARDED = 102,
    /**
     * An MQTT 5 broker refused the message in its acknowledgement (a PUBACK or PUBREC reason
     * code of 0x80 or above; the one-shot helpers give the code with it).
     */
    CULEX_ERR_REFUSED = 103,
};

/**
 * Where the connection stands (`culex_socket_state`).
 */
enum culex_socket_state_t {
    /**
     * No connection and no attempt underway.
     */
    CULEX_SOCKET_NONE = 0,
    /**
     * Looking the broker up.
     */
    CULEX_SOCKET_RESOLVING = 1,
    /**
     * TCP connecting.
     */
    CULEX_SOCKET_CONNECTING = 2,
    /**
     * The proxy's handshake (SOCKS5 or HTTP CONNECT).
     */
    CULEX_SOCKET_PROXYING = 3,
    /**
     * TLS handshake.
     */
    CULEX_SOCKET_TLS_HANDSHAKE = 4,
    /**
     * CONNECT sent, waiting for CONNACK.
     */
    CULEX_SOCKET_MQTT_CONNECTING = 5,
    /**
     * Connected.
     */
    CULEX_SOCKET_CONNECTED = 6,
    /**
     * DISCONNECT queued or sent.
     */
    CULEX_SOCKET_DISCONNECTING = 7,
    /**
     * WebSocket upgrade (after TLS, if any).
     */
    CULEX_SOCKET_WS_HANDSHAKE = 8,
};

/**
 * How a connection reaches its broker (`culex_transport_set`, `struct culex_server`). TLS is
 * used over any of them when it is configured.
 */
enum culex_transport_t {
    /**
     * MQTT over TCP (the default).
     */
    CULEX_TRANSPORT_TCP = 0,
    /**
     * MQTT over WebSockets (`ws://`, or `wss://` with TLS).
     */
    CULEX_TRANSPORT_WEBSOCKETS = 1,
    /**
     * MQTT over a Unix-domain socket; the host is the socket's path. In the connect functions,
     * port 0 says this (libmosquitto's rule).
     */
    CULEX_TRANSPORT_UNIX = 2,
};

/**
 * Called for every AUTH packet from the broker (MQTT 5 enhanced authentication).
 *
 * `reason_code` is 0x18 (continue authentication: answer with `culex_auth_continue`, from inside
 * the callback or later) or 0x00 (a re-authentication succeeded). `method` is the
 * Authentication Method (NUL-terminated), `data`/`datalen` the Authentication Data (NULL and 0
 * when the broker sent none), `props` the other AUTH properties (NULL when none). All of them
 * belong to the library and are valid only during the call.
 */
typedef void (*culex_auth_callback)(struct mosquitto *mosq,
                                    void *userdata,
                                    int reason_code,
                                    const char *method,
                                    const void *data,
                                    int datalen,
                                    const mosquitto_property *props);

/**
 * `void (*)(struct mosquitto *mosq, void *obj, const struct mosquitto_message *messages,
 * const mosquitto_property *const *properties, int count)`: `count` messages in the order they
 * arrived, `messages[i]` with the MQTT 5 properties `properties[i]` (NULL when it has none).
 * Arrays, messages and lists are the library's, valid during the call.
 */
typedef void (*culex_message_batch_callback)(struct mosquitto*,
                                             void*,
                                             const struct mosquitto_message*,
                                             const mosquitto_property*const *,
                                             int);

/**
 * `void (*)(struct mosquitto *mosq, void *obj)`: a connection attempt is about to start.
 */
typedef void (*culex_pre_connect_callback)(struct mosquitto*, void*);

/**
 * `void (*)(struct mosquitto *mosq, void *obj, int value)`: `value` is an error code
 * (`on_connect_fail`) or a socket descriptor (`on_socket_*`).
 */
typedef void (*culex_int_callback)(struct mosquitto*, void*, int);

/**
 * How the one-shot helpers connect. Zero (or NULL) fields take the default, so
 * `struct culex_connect_options o = {.size = sizeof o}` connects to localhost:1883 with MQTT 3.1.1.
 */
struct culex_connect_options {
    /**
     * `sizeof(struct culex_connect_options)`: fields added in later versions come after the
     * last one, and a caller built against this version is read up to its size.
     */
    size_t size;
    /**
     * The broker's host name or address (NULL: "localhost").
     */
    const char *host;
    /**
     * Its port (0: 1883, or 8883 with `tls`).
     */
    int port;
    /**
     * The client id (NULL: the broker assigns one; MQTT 3.1 gets a random one).
     */
    const char *client_id;
    /**
     * Keepalive in seconds (0: 60).
     */
    int keepalive;
    /**
     * Keep the session after the disconnect (false, the default: a clean session).
     */
    bool persistent_session;
    /**
     * `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` or `MQTT_PROTOCOL_V5` (0: 3.1.1).
     */
    int protocol_version;
    /**
     * User name and password, or NULL.
     */
    const char *username;
    const char *password;
    /**
     * The will, or NULL.
     */
    const struct libmosquitto_will *will;
    /**
     * TLS settings, or NULL for plain TCP.
     */
    const struct libmosquitto_tls *tls;
    /**
     * The most the whole call may take, in milliseconds (0: 30 000).
     */
    int timeout_ms;
};

/**
 * One message for `culex_publish_multiple`, and what became of it.
 */
struct culex_publish_message {
    /**
     * Topic, payload (`payloadlen` bytes; NULL when 0), QoS, retain, and MQTT 5 properties
     * (NULL for none).
     */
    const char *topic;
    const void *payload;
    int payloadlen;
    int qos;
    bool retain;
    const mosquitto_property *properties;
    /**
     * Set by the call: MOSQ_ERR_SUCCESS once the broker acknowledged the message (QoS 0: once
     * written); CULEX_ERR_REFUSED when an MQTT 5 broker refused it (`reason_code` says why);
     * CULEX_ERR_DISCARDED when it was dropped unsent; MOSQ_ERR_TIMEOUT when the call's time ran
     * out first; the publish error when `mosquitto_publish` refused it; the connection's error
     * when the call never got that far.
     */
    int result;
    /**
     * Set by the call: the MQTT 5 reason code of the acknowledgement (0 otherwise).
     */
    int reason_code;
    /**
     * Set by the call: the message id `mosquitto_publish` gave (0 if none).
     */
    int mid;
};

/**
 * Called by `culex_persistence_set` for each outgoing message resumed from the store: `msg` is
 * the library's (valid during the call); its `mid` is the packet id it goes out with again and
 * the one `on_publish` reports when it completes.
 */
typedef void (*culex_resume_callback)(struct mosquitto *mosq,
                                      void *obj,
                                      const struct mosquitto_message *msg);

/**
 * One broker of a server list.
 */
struct culex_server {
    /**
     * Host name or address; for CULEX_TRANSPORT_UNIX, the socket's path.
     */
    const char *host;
    /**
     * 1 to 65535 (ignored for CULEX_TRANSPORT_UNIX).
     */
    int port;
    /**
     * A `culex_transport_t`: TCP, WebSockets (with the options of `culex_ws_set_options`) or
     * a Unix socket. TLS, when configured, is used for every entry.
     */
    int transport;
};

/**
 * `void (*)(struct mosquitto *mosq, void *obj, int mid, int reason_count,
 * const int *reason_codes, const mosquitto_property *props)`: an UNSUBACK, with the reason code
 * of each filter of the UNSUBSCRIBE in order (MQTT 5; MQTT 3.1.1 UNSUBACKs have none:
 * `reason_count` 0). The array and the list are the library's, valid during the call.
 */
typedef void (*culex_unsubscribe_v5_callback)(struct mosquitto*,
                                              void*,
                                              int,
                                              int,
                                              const int*,
                                              const mosquitto_property*);

/**
 * A message callback for one filter: `on_message`'s signature (the message is the library's,
 * valid during the call).
 */
typedef void (*culex_message_callback)(struct mosquitto*, void*, const struct mosquitto_message*);

/**
 * The MQTT 5 form: `on_message_v5`'s signature (message and properties are the library's).
 */
typedef void (*culex_message_v5_callback)(struct mosquitto*,
                                          void*,
                                          const struct mosquitto_message*,
                                          const mosquitto_property*);

/**
 * A message callback for one filter with a pointer of the application's: the message and its
 * properties (the library's, valid during the call; properties NULL when there are none) and
 * the `data` given to `culex_message_callback_add_data`.
 */
typedef void (*culex_message_data_callback)(struct mosquitto*,
                                            void*,
                                            const struct mosquitto_message*,
                                            const mosquitto_property*,
                                            void*);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Turn automatic MQTT 5 outgoing topic aliases on or off (off by default, as libmosquitto).
 *
 * When on, each PUBLISH topic gets an alias on first use, up to the Topic Alias Maximum the
 * broker announced in CONNACK; later messages to that topic are sent with an empty topic and the
 * alias, which saves bandwidth for long topics. Aliases start over on every connection. A message
 * whose properties already hold a Topic Alias is sent as given. Takes effect at the next
 * connection. Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_topic_alias_auto_set(struct mosquitto *mosq, bool enabled);

/**
 * Turn manual acknowledgement of incoming QoS 1 and 2 messages on or off (off by default).
 *
 * With it on, an incoming QoS 1 message's PUBACK, and an incoming QoS 2 message's PUBREC, leave
 * only when the application calls `culex_ack()` for it: until then the broker keeps the message
 * and, after a reconnect into a kept session, sends it again. A QoS 2 message is then delivered
 * when its PUBLISH arrives (not at PUBREL, which the broker sends only after PUBREC). The
 * messages awaiting an acknowledgement count towards the Receive Maximum the client announced
 * (MQTT 5). It applies to the messages that arrive afterwards.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_manual_ack_set(struct mosquitto *mosq, bool on);

/**
 * Acknowledge the incoming message `mid` that arrived at `qos` (1: PUBACK, 2: PUBREC), with
 * manual acknowledgement on. Any order, any thread, also inside a callback.
 *
 * Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_NOT_FOUND when no message of the current connection with
 * that id and QoS awaits an acknowledgement (already acknowledged, or received on an earlier
 * connection: the broker sends those again itself); MOSQ_ERR_NO_CONN when not connected;
 * MOSQ_ERR_INVAL for a NULL handle, an id outside 1 to 65535 or a QoS other than 1 or 2.
 */
int culex_ack(struct mosquitto *mosq, int mid, int qos);

/**
 * Set the MQTT 5 Authentication Method (and first Authentication Data) sent in CONNECT, for
 * enhanced authentication. `method` NULL removes both. `data` may be NULL when `len` is 0.
 * An Authentication Method among the properties given to `mosquitto_connect_bind_v5` takes
 * precedence. Used from the next connection on; ignored before MQTT 5.
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length) or
 * MOSQ_ERR_MALFORMED_UTF8 (method not valid UTF-8).
 */
int culex_auth_method_set(struct mosquitto *mosq, const char *method, const void *data, int len);

/**
 * Set the function called for every AUTH packet from the broker (see `culex_auth_callback`).
 * NULL removes it.
 */
void culex_auth_callback_set(struct mosquitto *mosq, culex_auth_callback on_auth);

/**
 * Answer the broker's AUTH 0x18 (continue authentication) with AUTH 0x18 carrying the same
 * Authentication Method, `data` (`datalen` bytes; NULL and 0 for none) and `props` (reason
 * string, user properties; NULL for none). May be called from inside the auth callback or later,
 * before CONNACK or during a re-authentication.
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length, properties not allowed in
 * AUTH), MOSQ_ERR_NOT_SUPPORTED (not MQTT 5), MOSQ_ERR_NO_CONN (no connection),
 * MOSQ_ERR_PROTOCOL (no AUTH from the broker awaits an answer) or MOSQ_ERR_OVERSIZE_PACKET.
 */
int culex_auth_continue(struct mosquitto *mosq,
                        const void *data,
                        int datalen,
                        const mosquitto_property *props);

/**
 * Start an MQTT 5 re-authentication while connected: AUTH 0x19 with the Authentication Method
 * of CONNECT, `data` (`datalen` bytes; NULL and 0 for none) and `props` (NULL for none). The
 * broker's answers arrive through the auth callback (0x18: answer with `culex_auth_continue`;
 * 0x00: done); a failure ends the connection with the broker's DISCONNECT.
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, bad length, no Authentication Method in
 * CONNECT, an exchange already underway, properties not allowed in AUTH),
 * MOSQ_ERR_NOT_SUPPORTED (not MQTT 5), MOSQ_ERR_NO_CONN (not connected) or
 * MOSQ_ERR_OVERSIZE_PACKET.
 */
int culex_reauthenticate(struct mosquitto *mosq,
                         const void *data,
                         int datalen,
                         const mosquitto_property *props);

/**
 * Receive messages in batches: while set, every received message goes to `on_messages`
 * instead of `on_message`, `on_message_v5` and the per-topic callbacks, with all the messages
 * received before the next other event (or the end of the loop iteration) in one call.
 * Acknowledgements are not delayed by it (PUBACK and PUBCOMP leave as without it). NULL goes
 * back to one callback per message.
 */
int culex_message_batch_callback_set(struct mosquitto *mosq,
                                     culex_message_batch_callback on_messages);

/**
 * `mosquitto_connect_bind_async` with MQTT 5 CONNECT properties, kept for reconnects as
 * `mosquitto_connect_bind_v5` keeps them: start connecting without waiting; a loop finishes the
 * job. `bind_address` may be NULL (any); the property list stays the caller's.
 *
 * Returns as `mosquitto_connect_bind_v5`: MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle or
 * host, a port or keepalive out of range, properties CONNECT may not carry),
 * MOSQ_ERR_DUPLICATE_PROPERTY, MOSQ_ERR_NOT_SUPPORTED (properties on an MQTT 3 client).
 */
int culex_connect_bind_async_v5(struct mosquitto *mosq,
                                const char *host,
                                int port,
                                int keepalive,
                                const char *bind_address,
                                const mosquitto_property *properties);

/**
 * Behave on the wire as paho-mqtt's Python client where it differs from libmosquitto (off by
 * default): an MQTT 5 CONNECT carries only the CONNECT properties given (libmosquitto adds the
 * Receive Maximum of `MOSQ_OPT_RECEIVE_MAXIMUM`; the broker then assumes 65535, and so does the
 * client's check of what arrives), a protocol error closes the connection without sending
 * DISCONNECT first, the connect functions accept a keepalive of 1 to 4 seconds, and a
 * WebSocket server's choice of subprotocol is not checked (RFC 6455 and MQTT want `mqtt`;
 * paho-mqtt does not look), and any bytes from the broker, also part of a packet, count as
 * the broker answering a PINGREQ. Takes
 * effect at the next connection. The `culex` Python package turns it on.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_paho_wire_set(struct mosquitto *mosq, bool on);

/**
 * Set the client identifier of the next CONNECT, after `mosquitto_new()`. Unlike
 * `mosquitto_new()`, an empty `id` is accepted: it asks the broker to assign one (MQTT 3.1.1
 * with a clean session, or MQTT 5), as paho-mqtt does for a client created without an id.
 *
 * Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_INVAL for a NULL handle or `id`; MOSQ_ERR_MALFORMED_UTF8
 * when `id` is not an MQTT string (UTF-8 without NUL, at most 65535 bytes).
 */
int culex_client_id_set(struct mosquitto *mosq, const char *id);

/**
 * Set the clean session (MQTT 3.1.x) or clean start (MQTT 5) flag of the next CONNECT and of
 * the reconnects after it; `mosquitto_new()` sets it once for all. paho-mqtt's default for
 * MQTT 5 is clean start on the first connection only: set it, and clear it once connected.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_clean_start_set(struct mosquitto *mosq, bool clean_start);

/**
 * The Remaining Length of the DISCONNECT an MQTT 5 broker sent on the current or last
 * connection: 0 when it carried no reason code, 1 when it carried no properties (what
 * `on_disconnect_v5` cannot tell: it gets reason 0 and no list either way); -1 when the broker
 * sent none, for MQTT 3, or for a NULL handle. Valid inside `on_disconnect` and until the next
 * connection starts.
 */
int culex_server_disconnect_length(struct mosquitto *mosq);

/**
 * Whether the message `mid` (as given by `mosquitto_publish()`) is published: QoS 0 handed to
 * the socket, QoS 1 acknowledged by PUBACK, QoS 2 by PUBCOMP, or refused by an MQTT 5 broker in
 * its acknowledgement (see `culex_wait_for_publish` for the reason code). false while it is on
 * its way, when it was dropped unsent, and for a NULL handle or an invalid id.
 */
bool culex_is_published(struct mosquitto *mosq, int mid);

/**
 * Wait until the message `mid` (as given by `mosquitto_publish()`) is published, at most
 * `timeout_ms` milliseconds (negative: no limit; 0: only look). It never hangs: it returns at
 * once when nothing could complete the message.
 *
 * Returns
 * - MOSQ_ERR_SUCCESS when it is published (QoS 0 handed to the socket, QoS 1 PUBACK, QoS 2
 *   PUBCOMP); `*reason_code` (may be NULL) gets the MQTT 5 reason code of the acknowledgement
 *   (0, or 0x80 and above when the broker refused the message);
 * - CULEX_ERR_EXPIRED when it waited beyond the queue's time-to-live and was dropped,
 *   CULEX_ERR_DISCARDED when it was dropped unsent otherwise (a QoS 0 message whose connection
 *   ended first, or one over the broker's limits: `*reason_code` says which);
 * - MOSQ_ERR_TIMEOUT when the time ran out first (it may still be published later);
 * - MOSQ_ERR_NO_CONN at once when no loop runs that could complete it (no `mosquitto_loop_start()`
 *   thread and no loop call in progress on another thread), or after `mosquitto_disconnect()`;
 * - MOSQ_ERR_INVAL for a NULL handle, an invalid id, or a call from the thread running this
 *   client's loop (a callback, for example), which would wait for itself.
 */
int culex_wait_for_publish(struct mosquitto *mosq, int mid, int timeout_ms, int *reason_code);

/**
 * Set the function called before every connection attempt: the connect and reconnect calls, and
 * the automatic reconnects of `mosquitto_loop_forever()` and the `mosquitto_loop_start()`
 * thread. It may change what the attempt uses (credentials, will, ...). NULL removes it.
 */
void culex_pre_connect_callback_set(struct mosquitto *mosq,
                                    culex_pre_connect_callback on_pre_connect);

/**
 * Set the function called when a connection attempt fails before its CONNACK, with why
 * (a `MOSQ_ERR_*` code: MOSQ_ERR_EAI or MOSQ_ERR_LOOKUP for name resolution, MOSQ_ERR_ERRNO for
 * TCP with `errno` set, MOSQ_ERR_TLS, MOSQ_ERR_PROXY, MOSQ_ERR_TIMEOUT, MOSQ_ERR_CONN_LOST when
 * the broker closed before CONNACK). Called for the failures the loop finds (asynchronous
 * connects, reconnects, TLS handshakes); a connect call that fails returns its error instead.
 * A refusal in CONNACK goes to `on_connect`. NULL removes it.
 */
void culex_connect_fail_callback_set(struct mosquitto *mosq, culex_int_callback on_connect_fail);

/**
 * Set the function called with a descriptor of the socket when the client opens one (at the
 * start of each connection attempt): register it for reading. It is the library's own copy of
 * the socket (not the number `mosquitto_socket()` returns), so that it stays open until the
 * close callback has returned; readiness on it is readiness of the socket. Register this one,
 * and call `mosquitto_loop_read()` / `mosquitto_loop_write()` when it is ready. NULL removes it.
 */
void culex_socket_open_callback_set(struct mosquitto *mosq, culex_int_callback on_socket_open);

/**
 * Set the function called when the socket is about to be closed (the connection has ended, or
 * the attempt failed): unregister the descriptor and forget it. The descriptor is still open
 * during the call and closed right after it; the next socket's open, if any, follows. NULL
 * removes it.
 */
void culex_socket_close_callback_set(struct mosquitto *mosq, culex_int_callback on_socket_close);

/**
 * Set the function called when the client has something to write on the socket: watch it for
 * writing and call `mosquitto_loop_write()` when it is writable. NULL removes it.
 */
void culex_socket_register_write_callback_set(struct mosquitto *mosq,
                                              culex_int_callback on_socket_register_write);

/**
 * Set the function called when the client has nothing more to write: stop watching the socket
 * for writing. NULL removes it.
 */
void culex_socket_unregister_write_callback_set(struct mosquitto *mosq,
                                                culex_int_callback on_socket_unregister_write);

/**
 * How long a connection attempt may take, from name resolution through TCP, proxy and TLS to
 * CONNACK (default: 30 s for the transport, and CONNACK within the keepalive interval). A slower
 * attempt fails with MOSQ_ERR_TIMEOUT (reported by `on_connect_fail`). Applies to the attempts
 * that start afterwards.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, `timeout_ms` not above 0).
 */
int culex_connect_timeout_set(struct mosquitto *mosq, int timeout_ms);

/**
 * Whether the client is connected: CONNACK accepted the current connection and no
 * `mosquitto_disconnect()` came since. false for a NULL handle.
 */
bool culex_is_connected(struct mosquitto *mosq);

/**
 * The connection's state, a `culex_socket_state_t` value; -1 for a NULL handle.
 */
int culex_socket_state(struct mosquitto *mosq);

/**
 * Take a random share, up to `percent` (0 to 100), off every reconnect delay of
 * `mosquitto_reconnect_delay_set()`: a delay `d` becomes one drawn uniformly between
 * `d × (1 − percent/100)` and `d`, so that many clients losing the same broker do not all come
 * back in the same second. 0 (the default) turns it off.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, `percent` outside 0 to 100).
 */
int culex_reconnect_jitter_set(struct mosquitto *mosq, int percent);

/**
 * Connect with `options` (NULL: the defaults), publish the `count` messages, wait until the
 * broker acknowledged each (QoS 0: until written), disconnect cleanly. Blocks the calling
 * thread, at most the options' timeout. Each message's `result`, `reason_code` and `mid` tell
 * what became of it.
 *
 * Returns MOSQ_ERR_SUCCESS when every message was published; otherwise the first message's
 * result that is not (see `culex_publish_message`), or the error that kept the call from
 * publishing: MOSQ_ERR_INVAL (NULL `messages`, `count` not above 0, bad options), the connect
 * error, MOSQ_ERR_CONN_REFUSED (the broker refused the connection).
 */
int culex_publish_multiple(const struct culex_connect_options *options,
                           struct culex_publish_message *messages,
                           int count);

/**
 * `culex_publish_multiple` with one message: connect with `options` (NULL: the defaults),
 * publish, wait for the acknowledgement, disconnect. Returns that message's result.
 */
int culex_publish_single(const struct culex_connect_options *options,
                         const char *topic,
                         int payloadlen,
                         const void *payload,
                         int qos,
                         bool retain);

/**
 * Keep this client's session on disk in `directory` (created if missing), so that it survives
 * a crash of the process: every outgoing QoS 1/2 message with its packet id and stage, and every
 * inbound QoS 2 message from before its PUBREC leaves until its PUBREL has been handled (so a
 * restarted client never delivers it twice).
 *
 * `mode`: `CULEX_PERSIST_SYNC` (a message is on disk before `mosquitto_publish` returns
 * success), `CULEX_PERSIST_GROUP_COMMIT` (a message is on disk before its PUBLISH leaves the
 * socket; a crash can lose only messages never sent, and those are the ones accepted that are
 * neither completed by `on_publish` nor resumed after the restart), or `CULEX_PERSIST_NONE`
 * (stop; the store stays on disk).
 *
 * Call it after `mosquitto_new()` (with a client id, and normally `clean_session` false) and
 * before connecting. One store per client id and directory; a second client (in this process
 * or another) opening the same one gets `MOSQ_ERR_ERRNO` with `errno` `EWOULDBLOCK` and a log
 * line naming the owner's pid. What the store held is resumed: the outgoing messages go out
 * again on the next connection (PUBLISH with DUP=1 and their ids, PUBREL for those past
 * PUBREC), each reported first to `on_resume` (may be NULL); inbound QoS 2 messages wait for
 * their PUBREL again and are delivered to `on_message` then. A torn or damaged end of the store
 * is cut at the last good record, with a warning in the log.
 *
 * Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_INVAL for a NULL handle, an unknown mode, a NULL or empty
 * directory, no client id, or while connected or connecting; MOSQ_ERR_NOT_SUPPORTED for a store
 * written by a newer format; MOSQ_ERR_ERRNO (with `errno`) when the store cannot be opened.
 */
int culex_persistence_set(struct mosquitto *mosq,
                          const char *directory,
                          int mode,
                          culex_resume_callback on_resume);

/**
 * Connect through an HTTP proxy at `host`:`port` (1..=65535) with the CONNECT method, from the
 * next connection attempt on, reconnects included; it replaces a SOCKS5 proxy set with
 * `mosquitto_socks5_set()` (and that one replaces it). With `username` (1 to 255 bytes, no
 * colon) the request carries `Proxy-Authorization: Basic` with `password` (at most 255 bytes,
 * NULL for empty). The broker's host name goes to the proxy, which resolves it. TLS and
 * WebSockets run through the tunnel as over any TCP connection; Unix sockets never use a
 * proxy.
 *
 * ```c
 * culex_http_proxy_set(mosq, "proxy.example", 3128, "alice", "s3cret");
 * mosquitto_connect(mosq, "broker.example", 1883, 60);  // CONNECT broker.example:1883
 * ```
 *
 * A proxy that refuses (407 and any status outside 2xx), sends no valid HTTP answer or closes
 * ends the attempt with MOSQ_ERR_PROXY and a log line giving its status. Returns
 * MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL or empty host, a port out of range, or
 * credentials of the wrong form.
 */
int culex_http_proxy_set(struct mosquitto *mosq,
                         const char *host,
                         int port,
                         const char *username,
                         const char *password);

/**
 * Limit the messages waiting to be sent, beyond the in-flight window or while offline (QoS 1
 * and 2 queued, QoS 0 issued before CONNACK): at most `max_messages` of them and at most
 * `max_bytes` bytes of topic and payload; 0 means no limit (the default for both). A
 * `mosquitto_publish()` whose message would wait beyond a limit returns CULEX_ERR_QUEUE_FULL and
 * queues nothing; what already waits stays, and goes out in order. Messages that go straight
 * out never count.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_max_queued_messages_set(struct mosquitto *mosq,
                                  unsigned int max_messages,
                                  size_t max_bytes);

/**
 * Give waiting messages a time-to-live of `ttl_ms` milliseconds (0, the default: none). A
 * message still waiting when it runs out is dropped unsent, offline too, and reported as a
 * failed publish: `on_publish_v5` with reason code 0x80 and a Reason String saying so (not
 * `on_publish`, which cannot tell a failure), and CULEX_ERR_EXPIRED from
 * `culex_wait_for_publish()`. It applies to messages published afterwards.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL for a NULL handle.
 */
int culex_queue_ttl_set(struct mosquitto *mosq, unsigned int ttl_ms);

/**
 * Connect to a list of brokers in turn (Paho C's `serverURIs`), from the next connection
 * attempt on: start with `mosquitto_reconnect()` or `mosquitto_reconnect_async()` (the
 * keepalive of the last connect call, 60 s if none) and drive the client in any loop mode.
 *
 * The first attempt goes to the first entry. After an attempt fails (`on_connect_fail`), the
 * broker refuses in CONNACK (`on_connect` with the code) or a connection is lost, the next
 * attempt goes to the next entry (after the last, the first again), after the backoff of
 * `mosquitto_reconnect_delay_set()`; reconnecting after your own `mosquitto_disconnect()` stays
 * on the entry. `culex_server_current()` tells, inside those callbacks too, which entry it was.
 * QoS 1 and 2 messages in flight go to the next broker, none is lost (a message the old broker
 * had already passed on may arrive twice). A later connect call naming a broker replaces the
 * list; `count` 0 removes it. Entries take no bind address beyond `MOSQ_OPT_BIND_ADDRESS`.
 *
 * ```c
 * struct culex_server servers[] = {
 *     {.host = "broker-a.example", .port = 8883, .transport = CULEX_TRANSPORT_TCP},
 *     {.host = "broker-b.example", .port = 443, .transport = CULEX_TRANSPORT_WEBSOCKETS},
 *     {.host = "/run/mosquitto/mqtt.sock", .transport = CULEX_TRANSPORT_UNIX},
 * };
 * culex_server_list_set(mosq, servers, 3);
 * culex_server_prefer_first_set(mosq, 30000);  // back to broker-a once it answers
 * mosquitto_reconnect_async(mosq);
 * mosquitto_loop_forever(mosq, -1, 1);
 * ```
 *
 * With a list of more than one entry, `mosquitto_loop_forever()` keeps trying the next entry
 * after the errors it otherwise returns (TLS, proxy, name resolution, protocol).
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, `servers` NULL with `count` above 0,
 * `count` outside 0..=64, an entry with a NULL or empty host, an unknown transport or a port
 * outside 1..=65535) or MOSQ_ERR_MALFORMED_UTF8; the list is unchanged after an error.
 */
int culex_server_list_set(struct mosquitto *mosq, const struct culex_server *servers, int count);

/**
 * Go back to the first (preferred) entry of the server list when it is healthy again: while
 * connected to another entry, check every `interval_ms` milliseconds whether the first one
 * answers (name resolution, the socket, the proxy's handshake; on a helper thread, never
 * blocking a loop); when it does, leave the current broker with DISCONNECT (`on_disconnect`
 * gets 0) and connect to the first entry at once (`on_connect` follows, or `on_connect_fail`
 * and the usual failover). 0 turns it off (the default). Set the list first.
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, no server list, a negative
 * interval).
 */
int culex_server_prefer_first_set(struct mosquitto *mosq, int interval_ms);

/**
 * The index (from 0) of the server list entry of the connection attempt underway or of the
 * last one, also inside `on_connect`, `on_connect_fail` and `on_disconnect`; -1 without a
 * server list or for a NULL handle.
 */
int culex_server_current(struct mosquitto *mosq);

/**
 * Subscribe to `sub_count` filters in one SUBSCRIBE, the `i`-th at `options[i]`: its QoS (0, 1
 * or 2) with the MQTT 5 option bits of `mosquitto_subscribe_v5` (no-local 0x04,
 * retain-as-published 0x08, retain handling 0x10/0x20). `mid` (may be NULL) receives the message
 * id passed to `on_subscribe`. The property list stays the caller's.
 *
 * Returns as `mosquitto_subscribe_multiple`: MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle,
 * filters or options, a count below 1, an invalid filter, QoS or option), MOSQ_ERR_NO_CONN,
 * MOSQ_ERR_MALFORMED_UTF8, MOSQ_ERR_NOT_SUPPORTED (properties on an MQTT 3 client).
 */
int culex_subscribe_multiple_v5(struct mosquitto *mosq,
                                int *mid,
                                int sub_count,
                                char *const *sub,
                                const int *options,
                                const mosquitto_property *properties);

/**
 * Set the function called for every UNSUBACK with the reason code of each filter (see
 * `culex_unsubscribe_v5_callback`), as well as `on_unsubscribe` and `on_unsubscribe_v5`. NULL
 * removes it.
 */
void culex_unsubscribe_v5_callback_set(struct mosquitto *mosq,
                                       culex_unsubscribe_v5_callback on_unsubscribe);

/**
 * Like `mosquitto_tls_set`, with PEM text (NUL-terminated) instead of file names. The texts are
 * copied; the caller may free them on return.
 *
 * - `ca_pem`: one or more trusted CA certificates; required (`MOSQ_ERR_INVAL` when NULL or
 *   empty). It replaces any `cafile`; a `capath` set earlier stays in use.
 * - `cert_pem`, `key_pem`: the client certificate (the first certificate; any following ones
 *   are sent as its chain) and its private key; both or neither.
 * - `pw_callback`: asked for the password of an encrypted key, with the handle as `userdata`.
 *
 * The texts are parsed when connecting: a malformed one makes the connect call return
 * `MOSQ_ERR_TLS` with the reason in a log line. Applies from the next connection.
 */
int culex_tls_set_pem(struct mosquitto *mosq,
                      const char *ca_pem,
                      const char *cert_pem,
                      const char *key_pem,
                      int (*pw_callback)(char *buf, int size, int rwflag, void *userdata));

/**
 * Turn TLS session resumption on (the default) or off. When on, a reconnect offers the broker
 * the TLS session of the previous connection, which saves the full handshake when the broker
 * still knows it (`SSL_session_reused()` on `mosquitto_ssl_get()` tells). Changing it drops the
 * kept session.
 */
int culex_tls_session_resumption_set(struct mosquitto *mosq, bool enabled);

/**
 * Call `on_message` for every message whose topic matches the subscription filter `sub` (with
 * `+` and `#`; a `$share/<group>/` prefix is left out of the match). Messages that match no
 * filter's callback go to the callback of `mosquitto_message_callback_set`. Adding a callback
 * to a filter that has one replaces it. Safe from any thread and inside any callback.
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, filter or callback, invalid filter)
 * or MOSQ_ERR_MALFORMED_UTF8.
 */
int culex_message_callback_add(struct mosquitto *mosq,
                               const char *sub,
                               culex_message_callback on_message);

/**
 * The MQTT 5 form of `culex_message_callback_add`: the callback also gets the message's
 * properties (as `on_message_v5` does). A filter may have one callback of each form; both are
 * called.
 */
int culex_message_callback_add_v5(struct mosquitto *mosq,
                                  const char *sub,
                                  culex_message_v5_callback on_message);

/**
 * The form of `culex_message_callback_add` for callbacks that need data of their own (a
 * closure, an object of a language binding): `on_message` gets the message, its properties
 * (NULL when there are none, as before MQTT 5) and `data`, which the library never reads and
 * never frees. A filter may have one callback of this form beside the other two; adding another
 * replaces it and its data. After `culex_message_callback_remove` returns, a call that had
 * already started on the loop's thread may still be running: free `data` only once no loop
 * can be calling (after `mosquitto_loop_stop()`, or from the thread that drives the loop).
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, filter or callback, invalid filter)
 * or MOSQ_ERR_MALFORMED_UTF8.
 */
int culex_message_callback_add_data(struct mosquitto *mosq,
                                    const char *sub,
                                    culex_message_data_callback on_message,
                                    void *data);

/**
 * Remove the callbacks (every form) of the subscription filter `sub`, as given to
 * `culex_message_callback_add`. Safe from any thread and inside any callback, also the one
 * being removed.
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_NOT_FOUND (no callback for that filter), MOSQ_ERR_INVAL
 * (NULL handle or filter, invalid filter) or MOSQ_ERR_MALFORMED_UTF8.
 */
int culex_message_callback_remove(struct mosquitto *mosq, const char *sub);

/**
 * Choose the transport of the connect functions' connections: `CULEX_TRANSPORT_TCP` (the
 * default) or `CULEX_TRANSPORT_WEBSOCKETS` (Paho's `transport="websockets"`). Applies from the
 * next connection attempt, reconnects included. A Unix socket is chosen by the connect call
 * itself (port 0), and each server list entry names its own transport.
 *
 * ```c
 * culex_transport_set(mosq, CULEX_TRANSPORT_WEBSOCKETS);
 * culex_ws_set_options(mosq, "/mqtt", NULL);
 * mosquitto_connect(mosq, "broker.example", 8080, 60);  // ws://broker.example:8080/mqtt
 * ```
 *
 * Returns MOSQ_ERR_SUCCESS, or MOSQ_ERR_INVAL (NULL handle, another value).
 */
int culex_transport_set(struct mosquitto *mosq, int transport);

/**
 * Set the request path and extra header fields of the WebSocket upgrade (Paho's
 * `ws_set_options(path, headers)`), from the next connection attempt on.
 *
 * `path` (NULL: "/mqtt", the default) starts with '/' and may carry a query; `headers` is NULL
 * or an array of "Name: value" strings ending with a NULL entry (at most 100), sent in order
 * after the handshake's own fields. A `Host` field replaces the one Culex would send; the
 * fields of the handshake itself (Upgrade, Connection, Sec-WebSocket-*) cannot be given.
 *
 * ```c
 * const char *headers[] = {"Authorization: Bearer 3q2+7w==", NULL};
 * culex_ws_set_options(mosq, "/ws/mqtt?tenant=7", headers);
 * ```
 *
 * Returns MOSQ_ERR_SUCCESS, MOSQ_ERR_INVAL (NULL handle, a path or field as above refused,
 * with a log line saying why) or MOSQ_ERR_MALFORMED_UTF8.
 */
int culex_ws_set_options(struct mosquitto *mosq, const char *path, const char *const *headers);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* CULEX_H */
