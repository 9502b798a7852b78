/*
 * mosquitto.h: the Culex C API, source- and binary-compatible with libmosquitto 2.0.
 *
 * GENERATED FILE, DO NOT EDIT. It is produced by cbindgen 0.29.0 from the Rust sources in
 * src/ffi/ (see cbindgen.toml). Regenerate with:  scripts/gen-headers.sh
 */

#ifndef MOSQUITTO_H
#define MOSQUITTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * libmosquitto's log levels (`MOSQ_LOG_*`).
 */
#define MOSQ_LOG_NONE 0

#define MOSQ_LOG_INFO (1 << 0)

#define MOSQ_LOG_NOTICE (1 << 1)

#define MOSQ_LOG_WARNING (1 << 2)

#define MOSQ_LOG_ERR (1 << 3)

#define MOSQ_LOG_DEBUG (1 << 4)

/**
 * The MQTT specification (3.1) limits client identifiers to this many bytes; MQTT 3.1.1 and 5
 * brokers usually accept longer ones. Culex, like libmosquitto, does not enforce it: with MQTT
 * 3.1 a longer identifier is sent as it is and the broker decides.
 */
#define MOSQ_MQTT_ID_MAX_LENGTH 23

/**
 * `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 3.1 (protocol name "MQIsdp", level 3).
 */
#define MQTT_PROTOCOL_V31 3

/**
 * `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 3.1.1 (level 4), the default.
 */
#define MQTT_PROTOCOL_V311 4

/**
 * `MOSQ_OPT_PROTOCOL_VERSION` value: MQTT 5.0 (level 5).
 */
#define MQTT_PROTOCOL_V5 5

/**
 * Major version of the libmosquitto API implemented.
 */
#define LIBMOSQUITTO_MAJOR 2

/**
 * Minor version of the libmosquitto API implemented.
 */
#define LIBMOSQUITTO_MINOR 0

/**
 * Revision of the libmosquitto API implemented.
 */
#define LIBMOSQUITTO_REVISION 11

/**
 * `major * 1000000 + minor * 1000 + revision`, as returned by `mosquitto_lib_version`.
 */
#define LIBMOSQUITTO_VERSION_NUMBER (((LIBMOSQUITTO_MAJOR * 1000000) + (LIBMOSQUITTO_MINOR * 1000)) + LIBMOSQUITTO_REVISION)

/**
 * Error values returned by the library (libmosquitto's `enum mosq_err_t`).
 */
enum mosq_err_t {
    MOSQ_ERR_AUTH_CONTINUE = -4,
    MOSQ_ERR_NO_SUBSCRIBERS = -3,
    MOSQ_ERR_SUB_EXISTS = -2,
    MOSQ_ERR_CONN_PENDING = -1,
    MOSQ_ERR_SUCCESS = 0,
    MOSQ_ERR_NOMEM = 1,
    MOSQ_ERR_PROTOCOL = 2,
    MOSQ_ERR_INVAL = 3,
    MOSQ_ERR_NO_CONN = 4,
    MOSQ_ERR_CONN_REFUSED = 5,
    MOSQ_ERR_NOT_FOUND = 6,
    MOSQ_ERR_CONN_LOST = 7,
    MOSQ_ERR_TLS = 8,
    MOSQ_ERR_PAYLOAD_SIZE = 9,
    MOSQ_ERR_NOT_SUPPORTED = 10,
    MOSQ_ERR_AUTH = 11,
    MOSQ_ERR_ACL_DENIED = 12,
    MOSQ_ERR_UNKNOWN = 13,
    MOSQ_ERR_ERRNO = 14,
    MOSQ_ERR_EAI = 15,
    MOSQ_ERR_PROXY = 16,
    MOSQ_ERR_PLUGIN_DEFER = 17,
    MOSQ_ERR_MALFORMED_UTF8 = 18,
    MOSQ_ERR_KEEPALIVE = 19,
    MOSQ_ERR_LOOKUP = 20,
    MOSQ_ERR_MALFORMED_PACKET = 21,
    MOSQ_ERR_DUPLICATE_PROPERTY = 22,
    MOSQ_ERR_TLS_HANDSHAKE = 23,
    MOSQ_ERR_QOS_NOT_SUPPORTED = 24,
    MOSQ_ERR_OVERSIZE_PACKET = 25,
    MOSQ_ERR_OCSP = 26,
    MOSQ_ERR_TIMEOUT = 27,
    MOSQ_ERR_RETAIN_NOT_SUPPORTED = 28,
    MOSQ_ERR_TOPIC_ALIAS_INVALID = 29,
    MOSQ_ERR_ADMINISTRATIVE_ACTION = 30,
    MOSQ_ERR_ALREADY_EXISTS = 31,
};

/**
 * Option numbers for `mosquitto_int_option`, `mosquitto_string_option`, `mosquitto_void_option`
 * and `mosquitto_opts_set`. Each option belongs to one of those functions (see each function).
 */
enum mosq_opt_t {
    /**
     * int: `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` (default) or `MQTT_PROTOCOL_V5`.
     */
    MOSQ_OPT_PROTOCOL_VERSION = 1,
    /**
     * void: the application's own OpenSSL `SSL_CTX` for TLS connections.
     */
    MOSQ_OPT_SSL_CTX = 2,
    /**
     * int: non-zero applies Culex's TLS settings to the application's `SSL_CTX` too.
     */
    MOSQ_OPT_SSL_CTX_WITH_DEFAULTS = 3,
    /**
     * int: MQTT 5 Receive Maximum sent in CONNECT (1..65535; 0 means 65535).
     */
    MOSQ_OPT_RECEIVE_MAXIMUM = 4,
    /**
     * int: most outgoing QoS 1/2 messages in flight at once (1..65535; 0 means 65535).
     */
    MOSQ_OPT_SEND_MAXIMUM = 5,
    /**
     * string: "pem" (default) or "engine", how the TLS key named by `keyfile` is loaded.
     */
    MOSQ_OPT_TLS_KEYFORM = 6,
    /**
     * string: the id of the OpenSSL engine that holds the TLS key.
     */
    MOSQ_OPT_TLS_ENGINE = 7,
    /**
     * string: hex SHA-1 of the key password, given to the engine.
     */
    MOSQ_OPT_TLS_ENGINE_KPASS_SHA1 = 8,
    /**
     * int: non-zero requires a good stapled OCSP response from the broker.
     */
    MOSQ_OPT_TLS_OCSP_REQUIRED = 9,
    /**
     * string: the ALPN protocol to offer in the TLS handshake.
     */
    MOSQ_OPT_TLS_ALPN = 10,
    /**
     * int: non-zero turns Nagle's algorithm off on the client socket (default 0: on).
     */
    MOSQ_OPT_TCP_NODELAY = 11,
    /**
     * string: local address that connects without a bind address of their own start from.
     */
    MOSQ_OPT_BIND_ADDRESS = 12,
    /**
     * int: non-zero trusts the operating system's CA certificates (and turns TLS on).
     */
    MOSQ_OPT_TLS_USE_OS_CERTS = 13,
};

/**
 * A client instance. Opaque to C: created by `mosquitto_new`, freed by `mosquitto_destroy`.
 */
struct mosquitto;

/**
 * One MQTT 5 property in a list (opaque to C).
 */
struct mqtt5__property;

/**
 * A received or copied application message. Layout identical to libmosquitto's.
 */
struct mosquitto_message {
    /**
     * Message (packet) identifier; 0 for QoS 0.
     */
    int mid;
    /**
     * NUL-terminated topic name, allocated with `malloc`.
     */
    char *topic;
    /**
     * Payload bytes, allocated with `malloc` with one NUL byte after the end; NULL when empty.
     */
    void *payload;
    /**
     * Number of payload bytes (not counting the trailing NUL).
     */
    int payloadlen;
    /**
     * Quality of service: 0, 1 or 2.
     */
    int qos;
    /**
     * Whether the message was a retained message.
     */
    bool retain;
};

/**
 * The C name of an MQTT 5 property list.
 */
typedef struct mqtt5__property mosquitto_property;

/**
 * The will of a helper's client (see `mosquitto_will_set`).
 */
struct libmosquitto_will {
    /**
     * Topic the will is published to.
     */
    char *topic;
    /**
     * Will payload (`payloadlen` bytes), may be NULL when `payloadlen` is 0.
     */
    void *payload;
    /**
     * Length of the payload in bytes.
     */
    int payloadlen;
    /**
     * QoS of the will: 0, 1 or 2.
     */
    int qos;
    /**
     * Whether the will is retained.
     */
    bool retain;
};

/**
 * TLS settings of a helper's client (see `mosquitto_tls_set` and `mosquitto_tls_opts_set`).
 */
struct libmosquitto_tls {
    /**
     * PEM file of trusted CA certificates, or NULL (then `capath` is required).
     */
    char *cafile;
    /**
     * Directory of trusted CA certificates, or NULL.
     */
    char *capath;
    /**
     * Client certificate (PEM), or NULL.
     */
    char *certfile;
    /**
     * Client private key (PEM), or NULL.
     */
    char *keyfile;
    /**
     * OpenSSL cipher list, or NULL for the defaults.
     */
    char *ciphers;
    /**
     * Lowest TLS version, e.g. "tlsv1.2", or NULL for the default.
     */
    char *tls_version;
    /**
     * Asked for the password of an encrypted key file, or NULL.
     */
    int (*pw_callback)(char *buf, int size, int rwflag, void *userdata);
    /**
     * 1 to verify the broker's certificate (SSL_VERIFY_PEER), 0 not to.
     */
    int cert_reqs;
};

/**
 * Credentials of a helper's client (see `mosquitto_username_pw_set`).
 */
struct libmosquitto_auth {
    /**
     * User name, or NULL.
     */
    char *username;
    /**
     * Password, or NULL.
     */
    char *password;
};

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Set the function called when the broker answers CONNECT (rc: the CONNACK code, 0 = accepted).
 * NULL removes it.
 */
void mosquitto_connect_callback_set(struct mosquitto *mosq, void (*on_connect)(struct mosquitto*,
                                                                               void*,
                                                                               int));

/**
 * Like `mosquitto_connect_callback_set`, with the CONNACK flags (bit 0: session present).
 */
void mosquitto_connect_with_flags_callback_set(struct mosquitto *mosq,
                                               void (*on_connect)(struct mosquitto*, void*, int, int));

/**
 * Set the function called when an established connection ends (rc 0: after
 * `mosquitto_disconnect`; otherwise the error that ended it).
 */
void mosquitto_disconnect_callback_set(struct mosquitto *mosq,
                                       void (*on_disconnect)(struct mosquitto*, void*, int));

/**
 * Set the function called when a message sent with `mosquitto_publish` is done: QoS 0 once
 * written, QoS 1 on PUBACK, QoS 2 on PUBCOMP. The argument is the message id.
 */
void mosquitto_publish_callback_set(struct mosquitto *mosq, void (*on_publish)(struct mosquitto*,
                                                                               void*,
                                                                               int));

/**
 * Set the function called for each message received. The message belongs to the library and
 * is freed when the callback returns: copy it with `mosquitto_message_copy` to keep it.
 */
void mosquitto_message_callback_set(struct mosquitto *mosq,
                                    void (*on_message)(struct mosquitto*,
                                                       void*,
                                                       const struct mosquitto_message*));

/**
 * Set the function called on SUBACK: message id, number of filters, granted QoS per filter
 * (128 for a refused filter).
 */
void mosquitto_subscribe_callback_set(struct mosquitto *mosq,
                                      void (*on_subscribe)(struct mosquitto*,
                                                           void*,
                                                           int,
                                                           int,
                                                           const int*));

/**
 * Set the function called on UNSUBACK, with the message id of the UNSUBSCRIBE.
 */
void mosquitto_unsubscribe_callback_set(struct mosquitto *mosq,
                                        void (*on_unsubscribe)(struct mosquitto*, void*, int));

/**
 * Set the function that receives the library's log lines (level: a `MOSQ_LOG_*` value). It is
 * always called without any library lock held, so it may call the library.
 */
void mosquitto_log_callback_set(struct mosquitto *mosq, void (*on_log)(struct mosquitto*,
                                                                       void*,
                                                                       int,
                                                                       const char*));

/**
 * Set the MQTT 5 connect callback: rc (CONNACK reason code), flags (bit 0: session present) and
 * the CONNACK properties (NULL when there are none or for MQTT 3.1/3.1.1). Called after
 * `on_connect` and `on_connect_with_flags` when several are set.
 */
void mosquitto_connect_v5_callback_set(struct mosquitto *mosq,
                                       void (*on_connect)(struct mosquitto*,
                                                          void*,
                                                          int,
                                                          int,
                                                          const mosquitto_property*));

/**
 * Set the MQTT 5 disconnect callback: rc (0 after `mosquitto_disconnect`; the broker's reason
 * code when it sent DISCONNECT; otherwise the error) and the DISCONNECT properties.
 */
void mosquitto_disconnect_v5_callback_set(struct mosquitto *mosq,
                                          void (*on_disconnect)(struct mosquitto*,
                                                                void*,
                                                                int,
                                                                const mosquitto_property*));

/**
 * Set the MQTT 5 publish callback: mid, the reason code of the acknowledgement (0 on success;
 * a failure code ends the message too) and its properties.
 */
void mosquitto_publish_v5_callback_set(struct mosquitto *mosq,
                                       void (*on_publish)(struct mosquitto*,
                                                          void*,
                                                          int,
                                                          int,
                                                          const mosquitto_property*));

/**
 * Set the MQTT 5 message callback: the message (library-owned, freed after the callback) and
 * its PUBLISH properties (also library-owned).
 */
void mosquitto_message_v5_callback_set(struct mosquitto *mosq,
                                       void (*on_message)(struct mosquitto*,
                                                          void*,
                                                          const struct mosquitto_message*,
                                                          const mosquitto_property*));

/**
 * Set the MQTT 5 subscribe callback: mid, number of filters, granted QoS or reason code per
 * filter, SUBACK properties.
 */
void mosquitto_subscribe_v5_callback_set(struct mosquitto *mosq,
                                         void (*on_subscribe)(struct mosquitto*,
                                                              void*,
                                                              int,
                                                              int,
                                                              const int*,
                                                              const mosquitto_property*));

/**
 * Set the MQTT 5 unsubscribe callback: mid and UNSUBACK properties.
 */
void mosquitto_unsubscribe_v5_callback_set(struct mosquitto *mosq,
                                           void (*on_unsubscribe)(struct mosquitto*,
                                                                  void*,
                                                                  int,
                                                                  const mosquitto_property*));

/**
 * Create a client. `id` NULL lets the broker assign one (an empty id is sent; MQTT 3.1, which
 * has no assigned ids, gets a random one at connect); then `clean_session` must be true.
 * `obj` is passed to every callback (the handle itself when NULL). Returns NULL with errno set
 * (EINVAL, ENOMEM) on failure. Free with `mosquitto_destroy`.
 */
struct mosquitto *mosquitto_new(const char *id, bool clean_session, void *obj);

/**
 * Free a client: stops its loop thread, closes its socket, frees everything. NULL is ignored.
 * Must not be called from inside one of the client's own callbacks.
 */
void mosquitto_destroy(struct mosquitto *mosq);

/**
 * Return a client to the state `mosquitto_new` gives, with a new id, session flag and user
 * data; callbacks are cleared, the connection closed and all queued messages dropped.
 */
int mosquitto_reinitialise(struct mosquitto *mosq, const char *id, bool clean_session, void *obj);

/**
 * Connect to a broker and wait for TCP to be established (CONNECT is sent by the loop).
 * keepalive is 0 (off) or 5..=65535 seconds. With `port` 0, `host` is the path of a Unix-domain
 * socket (mosquitto's `listener 0 /path/to.sock`), as in libmosquitto; a proxy is not used
 * then. The same holds for every connect function below.
 */
int mosquitto_connect(struct mosquitto *mosq, const char *host, int port, int keepalive);

/**
 * `mosquitto_connect` from a given local address (NULL: any).
 */
int mosquitto_connect_bind(struct mosquitto *mosq,
                           const char *host,
                           int port,
                           int keepalive,
                           const char *bind_address);

/**
 * Start connecting without waiting: name resolution and TCP connect happen in the background
 * and are completed by whichever loop drives the client.
 */
int mosquitto_connect_async(struct mosquitto *mosq, const char *host, int port, int keepalive);

/**
 * `mosquitto_connect_async` from a given local address (NULL: any).
 */
int mosquitto_connect_bind_async(struct mosquitto *mosq,
                                 const char *host,
                                 int port,
                                 int keepalive,
                                 const char *bind_address);

/**
 * `mosquitto_connect_bind` with MQTT 5 CONNECT properties (kept for reconnects; a Receive
 * Maximum set with `MOSQ_OPT_RECEIVE_MAXIMUM` is kept unless the list has its own). The list
 * stays the caller's.
 */
int mosquitto_connect_bind_v5(struct mosquitto *mosq,
                              const char *host,
                              int port,
                              int keepalive,
                              const char *bind_address,
                              const mosquitto_property *properties);

/**
 * Connect again to the broker of the last connect call (waits for TCP).
 */
int mosquitto_reconnect(struct mosquitto *mosq);

/**
 * Connect again to the broker of the last connect call, without waiting.
 */
int mosquitto_reconnect_async(struct mosquitto *mosq);

/**
 * Disconnect: DISCONNECT is sent after everything already queued, then the connection closes
 * and `on_disconnect` gets rc 0. Loops stop reconnecting. `MOSQ_ERR_NO_CONN` when not connected.
 */
int mosquitto_disconnect(struct mosquitto *mosq);

/**
 * `mosquitto_disconnect` with an MQTT 5 reason code (0..=255) and DISCONNECT properties (MQTT
 * 3.1/3.1.1 send no reason code). The list stays the caller's.
 */
int mosquitto_disconnect_v5(struct mosquitto *mosq,
                            int reason_code,
                            const mosquitto_property *properties);

/**
 * Connect through a SOCKS5 proxy (RFC 1928) at `host`:`port` (1..=65535) from the next
 * connection on, reconnects included. With `username` (1 to 255 bytes) the proxy may ask for
 * username/password authentication (RFC 1929); `password` (at most 255 bytes, NULL for empty)
 * is used only with a username. The broker's host name is sent to the proxy, which resolves it.
 *
 * A proxy that refuses the credentials or cannot reach the broker ends the connection attempt
 * with `MOSQ_ERR_PROXY` (and a log line saying why). Returns `MOSQ_ERR_INVAL` for a NULL or
 * empty host, a port out of range, or credentials of the wrong length.
 */
int mosquitto_socks5_set(struct mosquitto *mosq,
                         const char *host,
                         int port,
                         const char *username,
                         const char *password);

/**
 * Connect to the broker of a domain found by DNS SRV lookup (RFC 2782): `host` is the domain,
 * and the records of `_secure-mqtt._tcp.<host>` (when TLS is configured) or `_mqtt._tcp.<host>`
 * name the brokers, tried lowest priority first and by weighted random choice among equal
 * priorities; an unreachable one falls back to the next. keepalive is 0 (off) or 5..=65535
 * seconds; `bind_address` as for `mosquitto_connect_bind` (NULL: any).
 *
 * Like `mosquitto_connect_async`, it returns at once and a loop finishes the job: the lookup
 * runs on a background thread (the nameservers of /etc/resolv.conf, or the one in the
 * environment variable `CULEX_DNS_SERVER`, as `IP` or `IP:port`). When the lookup fails
 * (no such domain, no records) the loop call returns `MOSQ_ERR_LOOKUP` and `on_disconnect`
 * gets `MOSQ_ERR_LOOKUP`, as in libmosquitto. Reconnects repeat the lookup. Works with
 * `mosquitto_socks5_set`: the proxy is asked to connect to the chosen target.
 */
int mosquitto_connect_srv(struct mosquitto *mosq,
                          const char *host,
                          int keepalive,
                          const char *bind_address);

/**
 * Publish a message. `mid` (may be NULL) receives its message id, also passed to
 * `on_publish`. Safe from any thread and from callbacks; never waits for the network. QoS 0
 * needs a connection (`MOSQ_ERR_NO_CONN`); QoS 1 and 2 are queued while offline.
 */
int mosquitto_publish(struct mosquitto *mosq,
                      int *mid,
                      const char *topic,
                      int payloadlen,
                      const void *payload,
                      int qos,
                      bool retain);

/**
 * `mosquitto_publish` with MQTT 5 PUBLISH properties. With a Topic Alias property the topic may
 * be empty. The list stays the caller's.
 */
int mosquitto_publish_v5(struct mosquitto *mosq,
                         int *mid,
                         const char *topic,
                         int payloadlen,
                         const void *payload,
                         int qos,
                         bool retain,
                         const mosquitto_property *properties);

/**
 * Subscribe to one topic filter at a QoS. `mid` (may be NULL) receives the message id passed
 * to `on_subscribe`.
 */
int mosquitto_subscribe(struct mosquitto *mosq, int *mid, const char *sub, int qos);

/**
 * Subscribe to several topic filters in one SUBSCRIBE, all at `qos` with the MQTT 5 `options`
 * bits (no-local 0x04, retain-as-published 0x08, retain handling 0x10/0x20).
 */
int mosquitto_subscribe_multiple(struct mosquitto *mosq,
                                 int *mid,
                                 int sub_count,
                                 char *const *sub,
                                 int qos,
                                 int options,
                                 const mosquitto_property *properties);

/**
 * `mosquitto_subscribe` with MQTT 5 subscription `options` (no-local 0x04,
 * retain-as-published 0x08, retain handling 0x10/0x20) and SUBSCRIBE properties (e.g. a
 * subscription identifier). The list stays the caller's.
 */
int mosquitto_subscribe_v5(struct mosquitto *mosq,
                           int *mid,
                           const char *sub,
                           int qos,
                           int options,
                           const mosquitto_property *properties);

/**
 * Unsubscribe from one topic filter. `mid` (may be NULL) receives the message id passed to
 * `on_unsubscribe`.
 */
int mosquitto_unsubscribe(struct mosquitto *mosq, int *mid, const char *sub);

/**
 * Unsubscribe from several topic filters in one UNSUBSCRIBE.
 */
int mosquitto_unsubscribe_multiple(struct mosquitto *mosq,
                                   int *mid,
                                   int sub_count,
                                   char *const *sub,
                                   const mosquitto_property *properties);

/**
 * `mosquitto_unsubscribe` with MQTT 5 UNSUBSCRIBE properties. The list stays the caller's.
 */
int mosquitto_unsubscribe_v5(struct mosquitto *mosq,
                             int *mid,
                             const char *sub,
                             const mosquitto_property *properties);

/**
 * Set the will: a message the broker publishes for this client if the connection ends without
 * DISCONNECT. Takes effect at the next connect.
 */
int mosquitto_will_set(struct mosquitto *mosq,
                       const char *topic,
                       int payloadlen,
                       const void *payload,
                       int qos,
                       bool retain);

/**
 * `mosquitto_will_set` with MQTT 5 will properties (e.g. Will Delay Interval, Content Type).
 * On success the library takes the list and frees it; on failure it stays the caller's.
 * `MOSQ_ERR_NOT_SUPPORTED` for a list on an MQTT 3.1/3.1.1 client.
 */
int mosquitto_will_set_v5(struct mosquitto *mosq,
                          const char *topic,
                          int payloadlen,
                          const void *payload,
                          int qos,
                          bool retain,
                          mosquitto_property *properties);

/**
 * Remove the will. Takes effect at the next connect.
 */
int mosquitto_will_clear(struct mosquitto *mosq);

/**
 * Set the username and password sent in CONNECT; a NULL username removes both. Takes effect at
 * the next connect.
 */
int mosquitto_username_pw_set(struct mosquitto *mosq, const char *username, const char *password);

/**
 * Set an option that takes an `int` value. Options set before connecting apply to the next
 * connection; `MOSQ_OPT_SEND_MAXIMUM` and `MOSQ_OPT_TCP_NODELAY` also apply at once.
 *
 * - `MOSQ_OPT_PROTOCOL_VERSION`: `MQTT_PROTOCOL_V31`, `MQTT_PROTOCOL_V311` (the default) or
 *   `MQTT_PROTOCOL_V5`; anything else is `MOSQ_ERR_INVAL`. With MQTT 3.1 the client id is sent
 *   even when longer than `MOSQ_MQTT_ID_MAX_LENGTH`; the broker may refuse it.
 * - `MOSQ_OPT_RECEIVE_MAXIMUM`: 1 to 65535 (0 means 65535), the most incoming QoS 1 and 2
 *   messages this client lets the broker have in flight; sent as the Receive Maximum property of
 *   an MQTT 5 CONNECT, replacing an earlier one (3.1.x have no such field).
 * - `MOSQ_OPT_SEND_MAXIMUM`: 1 to 65535 (0 means 65535), the most outgoing QoS 1 and 2
 *   messages in flight at once, the same setting as `mosquitto_max_inflight_messages_set`
 *   (default 20). A smaller Receive Maximum from an MQTT 5 broker takes precedence.
 * - `MOSQ_OPT_TCP_NODELAY`: non-zero disables Nagle's algorithm on the socket; 0 (the default)
 *   leaves it on.
 * - `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`: non-zero applies Culex's TLS settings (versions,
 *   verification, `mosquitto_tls_set`'s files, ciphers, PSK, ALPN) to the context given with
 *   `MOSQ_OPT_SSL_CTX`, which is then modified; 0 (the default) uses that context as it is.
 * - `MOSQ_OPT_TLS_OCSP_REQUIRED`: non-zero asks the broker for a stapled OCSP response and
 *   fails the handshake (`MOSQ_ERR_TLS`) unless it proves the broker's certificate good.
 * - `MOSQ_OPT_TLS_USE_OS_CERTS`: non-zero trusts the system's CA certificates as well; this
 *   alone turns TLS on, without `mosquitto_tls_set`.
 *
 * Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
 */
int mosquitto_int_option(struct mosquitto *mosq, enum mosq_opt_t option, int value);

/**
 * Set an option that takes a string value (copied; the caller keeps its string).
 *
 * - `MOSQ_OPT_BIND_ADDRESS`: a default local address to connect from is not supported yet:
 *   `MOSQ_ERR_NOT_SUPPORTED` (use `mosquitto_connect_bind`). NULL or "" (no default address)
 *   succeed, as that is already the case.
 * - `MOSQ_OPT_TLS_ALPN`: the protocol name offered by ALPN (1 to 255 bytes), for brokers
 *   serving several protocols on one TLS port.
 * - `MOSQ_OPT_TLS_KEYFORM`: "pem" (the default: `keyfile` is a PEM file) or "engine" (`keyfile`
 *   names a key held by the engine set with `MOSQ_OPT_TLS_ENGINE`).
 * - `MOSQ_OPT_TLS_ENGINE`: the id of an OpenSSL engine; `MOSQ_ERR_INVAL` when OpenSSL has none
 *   by that id. The engine is used for the key only and never made OpenSSL's global default.
 * - `MOSQ_OPT_TLS_ENGINE_KPASS_SHA1`: 40 hex digits, the SHA-1 of the key password, given to
 *   the engine as its `PIN` control command.
 *
 * A NULL value for these is `MOSQ_ERR_INVAL`.
 *
 * Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
 */
int mosquitto_string_option(struct mosquitto *mosq, enum mosq_opt_t option, const char *value);

/**
 * Set an option that takes a pointer value.
 *
 * - `MOSQ_OPT_SSL_CTX`: an OpenSSL `SSL_CTX *` to use for TLS connections instead of one
 *   Culex builds; Culex takes a reference of its own, kept across reconnects. Setting it turns
 *   TLS on. Used as it is (the application is responsible for its verification settings; the
 *   broker's name is still checked unless `mosquitto_tls_insecure_set`), or completed with
 *   Culex's settings after `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`. NULL is `MOSQ_ERR_INVAL`.
 *
 * Other option numbers are `MOSQ_ERR_INVAL`, as is a NULL `mosq`.
 */
int mosquitto_void_option(struct mosquitto *mosq, enum mosq_opt_t option, void *value);

/**
 * The older form of the option setters, kept for existing programs; prefer
 * `mosquitto_int_option`, `mosquitto_string_option` and `mosquitto_void_option`.
 *
 * - `MOSQ_OPT_PROTOCOL_VERSION`: `value` points to an `int` holding the version, handled as by
 *   `mosquitto_int_option`.
 * - `MOSQ_OPT_SSL_CTX`: `value` is the `SSL_CTX *`, handled as by `mosquitto_void_option`.
 * - `MOSQ_OPT_SSL_CTX_WITH_DEFAULTS`: `value` points to an `int`, handled as by
 *   `mosquitto_int_option`.
 *
 * A NULL `value` for an option that reads an `int` through it, other option numbers and a NULL
 * `mosq` are `MOSQ_ERR_INVAL`.
 */
int mosquitto_opts_set(struct mosquitto *mosq, enum mosq_opt_t option, void *value);

/**
 * Set the user data pointer passed to callbacks.
 */
void mosquitto_user_data_set(struct mosquitto *mosq, void *obj);

/**
 * The user data pointer passed to callbacks (NULL for a NULL handle).
 */
void *mosquitto_userdata(struct mosquitto *mosq);

/**
 * Set the delay between reconnect attempts of `loop_forever`/`loop_start`: `reconnect_delay`
 * seconds, growing (linearly, or doubling when `reconnect_exponential_backoff`) up to
 * `reconnect_delay_max` after consecutive failures. The default is 1 s fixed.
 */
int mosquitto_reconnect_delay_set(struct mosquitto *mosq,
                                  unsigned int reconnect_delay,
                                  unsigned int reconnect_delay_max,
                                  bool reconnect_exponential_backoff);

/**
 * Most QoS 1 and 2 messages in flight at once (default 20; 0 = no limit). Messages beyond it
 * wait in order.
 */
int mosquitto_max_inflight_messages_set(struct mosquitto *mosq, unsigned int max_inflight_messages);

/**
 * Kept for compatibility; it has no effect (as in libmosquitto 2.0, messages are retried on
 * reconnect, not on a timer).
 */
void mosquitto_message_retry_set(struct mosquitto *mosq, unsigned int message_retry);

/**
 * Tell the library the application drives this client's loop from threads of its own. Culex is
 * safe from any thread either way; what changes is that commands (publish, subscribe, ...)
 * no longer write their packet on the caller's thread before returning: the loop does.
 */
int mosquitto_threaded_set(struct mosquitto *mosq, bool threaded);

/**
 * One step of the network loop: wait up to `timeout` ms (negative: 1000) for the socket, then
 * read, write and run keepalive. Returns an error when the connection is lost; it does not
 * reconnect. `max_packets` is accepted for compatibility (everything available is handled).
 */
int mosquitto_loop(struct mosquitto *mosq, int timeout, int max_packets);

/**
 * Run the network loop until `mosquitto_disconnect` is called (returns MOSQ_ERR_SUCCESS),
 * reconnecting after lost connections, timeouts and refusals with the
 * `mosquitto_reconnect_delay_set` backoff. Errors retrying cannot cure (MOSQ_ERR_TLS,
 * MOSQ_ERR_PROTOCOL, MOSQ_ERR_AUTH, MOSQ_ERR_PROXY, …) end it and are returned, as in
 * libmosquitto.
 *
 * `timeout` (ms) caps each wait, as in libmosquitto. A negative one (libmosquitto: 1000 ms per
 * `select`) sets no cap: the loop sleeps until the next keepalive or timeout, a reconnect
 * delay's end, network activity or a command from another thread (every command and
 * `mosquitto_disconnect` wakes it), so an idle client wakes only for keepalive. Nothing the
 * application can observe depends on a wait ending early with nothing to do.
 */
int mosquitto_loop_forever(struct mosquitto *mosq, int timeout, int max_packets);

/**
 * Start a thread that runs the network loop (and reconnects) until `mosquitto_loop_stop`.
 * `MOSQ_ERR_INVAL` if one is already running.
 */
int mosquitto_loop_start(struct mosquitto *mosq);

/**
 * Stop the thread of `mosquitto_loop_start` and wait for it. It never hangs: with `force`
 * false a DISCONNECT being written gets a moment to go out first. `MOSQ_ERR_INVAL` when no
 * thread runs.
 */
int mosquitto_loop_stop(struct mosquitto *mosq, bool force);

/**
 * External loop: call when the socket is readable.
 */
int mosquitto_loop_read(struct mosquitto *mosq, int max_packets);

/**
 * External loop: call when the socket is writable and `mosquitto_want_write` is true.
 */
int mosquitto_loop_write(struct mosquitto *mosq, int max_packets);

/**
 * External loop: call about once a second for keepalive and timeouts.
 */
int mosquitto_loop_misc(struct mosquitto *mosq);

/**
 * The client's socket descriptor, or -1 when there is none. It changes across reconnects.
 */
int mosquitto_socket(struct mosquitto *mosq);

/**
 * Whether the external loop should wait for the socket to be writable.
 */
bool mosquitto_want_write(struct mosquitto *mosq);

/**
 * The identifier (an `MQTT_PROP_*` value) of the property `property` points to, or 0 when
 * `property` is NULL.
 */
int mosquitto_property_identifier(const mosquitto_property *property);

/**
 * The property after `proplist` in its list, or NULL at the end of the list or when `proplist`
 * is NULL. Walk a list with
 * `for (p = list; p != NULL; p = mosquitto_property_next(p)) { ... }`.
 */
const mosquitto_property *mosquitto_property_next(const mosquitto_property *proplist);

/**
 * Make `*dest` a new list holding copies of every property of `src`, in order (NULL when `src`
 * is NULL or empty). Whatever `*dest` held before is overwritten, not freed. The copy belongs to
 * the caller, who frees it with `mosquitto_property_free_all`.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `dest` is NULL; `MOSQ_ERR_NOMEM` when out of
 * memory (with `*dest` NULL).
 */
int mosquitto_property_copy_all(mosquitto_property **dest, const mosquitto_property *src);

/**
 * Free every property of the list `*properties` points to and set `*properties` to NULL. Only
 * for lists the application owns (built with `mosquitto_property_add_*` or
 * `mosquitto_property_copy_all`), never for lists given to a callback. NULL `properties` or NULL
 * `*properties` do nothing.
 */
void mosquitto_property_free_all(mosquitto_property **properties);

/**
 * Append a Byte property (e.g. `MQTT_PROP_PAYLOAD_FORMAT_INDICATOR`) to a list. `*proplist` may
 * be NULL, which starts a new list; the list belongs to the caller, who frees it with
 * `mosquitto_property_free_all`. The value itself is not checked here (a Payload Format
 * Indicator of 2 is accepted); `mosquitto_property_check_all` checks it.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
 * property of type Byte; `MOSQ_ERR_NOMEM` when out of memory.
 */
int mosquitto_property_add_byte(mosquitto_property **proplist, int identifier, uint8_t value);

/**
 * Append a Two Byte Integer property (e.g. `MQTT_PROP_RECEIVE_MAXIMUM`) to a list; see
 * `mosquitto_property_add_byte` for how lists are started and owned.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
 * property of type Two Byte Integer; `MOSQ_ERR_NOMEM` when out of memory.
 */
int mosquitto_property_add_int16(mosquitto_property **proplist, int identifier, uint16_t value);

/**
 * Append a Four Byte Integer property (e.g. `MQTT_PROP_MESSAGE_EXPIRY_INTERVAL`) to a list; see
 * `mosquitto_property_add_byte` for how lists are started and owned.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL or `identifier` is not a
 * property of type Four Byte Integer; `MOSQ_ERR_NOMEM` when out of memory.
 */
int mosquitto_property_add_int32(mosquitto_property **proplist, int identifier, uint32_t value);

/**
 * Append a Variable Byte Integer property (`MQTT_PROP_SUBSCRIPTION_IDENTIFIER`) to a list; see
 * `mosquitto_property_add_byte` for how lists are started and owned. A variable byte integer
 * holds at most 268435455.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL, `identifier` is not a
 * property of type Variable Byte Integer or `value` is above 268435455; `MOSQ_ERR_NOMEM` when
 * out of memory.
 */
int mosquitto_property_add_varint(mosquitto_property **proplist, int identifier, uint32_t value);

/**
 * Append a Binary Data property (`MQTT_PROP_CORRELATION_DATA`, `MQTT_PROP_AUTHENTICATION_DATA`)
 * to a list; see `mosquitto_property_add_byte` for how lists are started and owned. The `len`
 * bytes at `value` are copied; `value` may be NULL only when `len` is 0 (empty data).
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` is NULL, `identifier` is not a
 * property of type Binary Data, or `value` is NULL with a non-zero `len`; `MOSQ_ERR_NOMEM` when
 * out of memory.
 */
int mosquitto_property_add_binary(mosquitto_property **proplist,
                                  int identifier,
                                  const void *value,
                                  uint16_t len);

/**
 * Append a UTF-8 String property (e.g. `MQTT_PROP_CONTENT_TYPE`) to a list; see
 * `mosquitto_property_add_byte` for how lists are started and owned. `value` is copied; it must
 * be a NUL-terminated MQTT UTF-8 string of at most 65535 bytes.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist` or `value` is NULL or
 * `identifier` is not a property of type UTF-8 String; `MOSQ_ERR_MALFORMED_UTF8` when `value`
 * is not valid MQTT UTF-8 (or too long); `MOSQ_ERR_NOMEM` when out of memory.
 */
int mosquitto_property_add_string(mosquitto_property **proplist, int identifier, const char *value);

/**
 * Append a UTF-8 String Pair property (`MQTT_PROP_USER_PROPERTY`) to a list; see
 * `mosquitto_property_add_byte` for how lists are started and owned. `name` and `value` are
 * copied; each must be a NUL-terminated MQTT UTF-8 string of at most 65535 bytes.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `proplist`, `name` or `value` is NULL or
 * `identifier` is not a property of type UTF-8 String Pair; `MOSQ_ERR_MALFORMED_UTF8` when
 * `name` or `value` is not valid MQTT UTF-8 (or too long); `MOSQ_ERR_NOMEM` when out of memory.
 */
int mosquitto_property_add_string_pair(mosquitto_property **proplist,
                                       int identifier,
                                       const char *name,
                                       const char *value);

/**
 * Whether property `identifier` may appear in packets of type `command` (a `CMD_*` value;
 * `CMD_WILL` stands for the will properties of CONNECT), following the table of MQTT 5.0
 * section 2.2.2.2. PINGREQ and PINGRESP carry no properties, and unknown identifiers or commands
 * are never allowed.
 *
 * Returns `MOSQ_ERR_SUCCESS` when it may, `MOSQ_ERR_PROTOCOL` when it may not.
 */
int mosquitto_property_check_command(int command, int identifier);

/**
 * Check a whole list for packets of type `command` (a `CMD_*` value, or `CMD_WILL`), as the
 * library does itself before sending: every property must be allowed in that packet
 * (see `mosquitto_property_check_command`) and have a value MQTT 5 permits (e.g. Receive
 * Maximum, Topic Alias, Maximum Packet Size and Subscription Identifier not 0; yes/no bytes such
 * as Maximum QoS or Payload Format Indicator only 0 or 1), and a property that may appear only
 * once must not repeat (User Property may always repeat, Subscription Identifier in PUBLISH).
 * Properties are checked in list order and the first problem decides the result. A NULL (empty)
 * list is always fine.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_PROTOCOL` for a property not allowed in `command` or
 * with a forbidden value; `MOSQ_ERR_DUPLICATE_PROPERTY` for a repeated single-occurrence
 * property.
 */
int mosquitto_property_check_all(int command, const mosquitto_property *properties);

/**
 * The name MQTT 5 gives property `identifier`, lower case with `-` between words (e.g.
 * `"payload-format-indicator"`), or NULL when `identifier` is not a property. The string is
 * static: do not free it.
 */
const char *mosquitto_property_identifier_to_string(int identifier);

/**
 * Look up a property by its name as `mosquitto_property_identifier_to_string` spells it (case
 * does not matter): on success `*identifier` receives its `MQTT_PROP_*` value and `*type` its
 * `MQTT_PROP_TYPE_*` data type. On failure neither is changed.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `propname` names no property or an argument
 * is NULL.
 */
int mosquitto_string_to_property_info(const char *propname, int *identifier, int *type);

/**
 * Look up a packet type by name (case does not matter): `"connect"`, `"connack"`, `"publish"`,
 * `"puback"`, `"pubrec"`, `"pubrel"`, `"pubcomp"`, `"subscribe"`, `"unsubscribe"`,
 * `"disconnect"`, `"auth"` or `"will"` (the will properties of CONNECT). On success `*cmd`
 * receives the `CMD_*` value (`CMD_WILL` for `"will"`), ready for
 * `mosquitto_property_check_command`; on failure it is not changed.
 *
 * Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` for any other name or a NULL argument.
 */
int mosquitto_string_to_command(const char *str, int *cmd);

/**
 * Find a Byte property (e.g. `MQTT_PROP_PAYLOAD_FORMAT_INDICATOR`) in a list and store its value
 * in `*value` (when `value` is not NULL). When nothing is found `*value` is left alone, so it may
 * hold a default beforehand.
 *
 * `skip_first` false finds the first property with `identifier` from `proplist` on; true finds
 * the second, which visits every occurrence of a repeated property:
 * `for (p = mosquitto_property_read_byte(list, id, &v, false); p;
 *      p = mosquitto_property_read_byte(p, id, &v, true)) { ... }`.
 *
 * Returns the node found (it stays part of the list), or NULL when there is none, when
 * `proplist` is NULL or when `identifier` is not a property of type Byte.
 */
const mosquitto_property *mosquitto_property_read_byte(const mosquitto_property *proplist,
                                                       int identifier,
                                                       uint8_t *value,
                                                       bool skip_first);

/**
 * Find a Two Byte Integer property (e.g. `MQTT_PROP_SERVER_KEEP_ALIVE`) in a list and store
 * its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
 * found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
 */
const mosquitto_property *mosquitto_property_read_int16(const mosquitto_property *proplist,
                                                        int identifier,
                                                        uint16_t *value,
                                                        bool skip_first);

/**
 * Find a Four Byte Integer property (e.g. `MQTT_PROP_SESSION_EXPIRY_INTERVAL`) in a list and
 * store its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
 * found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
 */
const mosquitto_property *mosquitto_property_read_int32(const mosquitto_property *proplist,
                                                        int identifier,
                                                        uint32_t *value,
                                                        bool skip_first);

/**
 * Find a Variable Byte Integer property (`MQTT_PROP_SUBSCRIPTION_IDENTIFIER`) in a list and
 * store its value in `*value` (when `value` is not NULL); `*value` is left alone when nothing is
 * found. `skip_first` and the result are as for `mosquitto_property_read_byte`.
 */
const mosquitto_property *mosquitto_property_read_varint(const mosquitto_property *proplist,
                                                         int identifier,
                                                         uint32_t *value,
                                                         bool skip_first);

/**
 * Find a Binary Data property (e.g. `MQTT_PROP_CORRELATION_DATA`) in a list. When `value` and
 * `len` are given, `*value` receives a `malloc` copy of the data (with a NUL byte after it, not
 * counted in `*len`) that the caller frees with `free()`, and `*len` its length. Pass both or
 * neither: one without the other finds nothing. When both are given `*value` is set to NULL
 * first, so it is NULL whenever nothing is found (`*len` is then left alone). `skip_first` is as
 * for `mosquitto_property_read_byte`.
 *
 * Returns the node found, or NULL when there is none, when `proplist` is NULL, when
 * `identifier` is not a property of type Binary Data or when out of memory.
 */
const mosquitto_property *mosquitto_property_read_binary(const mosquitto_property *proplist,
                                                         int identifier,
                                                         void **value,
                                                         uint16_t *len,
                                                         bool skip_first);

/**
 * Find a UTF-8 String property (e.g. `MQTT_PROP_CONTENT_TYPE`) in a list. When `value` is not
 * NULL, `*value` receives a NUL-terminated `malloc` copy of the string that the caller frees with
 * `free()`; when nothing is found `*value` is left alone. `skip_first` is as for
 * `mosquitto_property_read_byte`.
 *
 * Returns the node found, or NULL when there is none, when `proplist` is NULL, when
 * `identifier` is not a property of type UTF-8 String or when out of memory.
 */
const mosquitto_property *mosquitto_property_read_string(const mosquitto_property *proplist,
                                                         int identifier,
                                                         char **value,
                                                         bool skip_first);

/**
 * Find a UTF-8 String Pair property (`MQTT_PROP_USER_PROPERTY`) in a list. `*name` and `*value`
 * (each only when its pointer is not NULL) receive NUL-terminated `malloc` copies of the pair's
 * name and value, which the caller frees with `free()`. When `proplist` is not NULL both are set
 * to NULL first, so they are NULL whenever nothing is found. `skip_first` is as for
 * `mosquitto_property_read_byte`; to visit every User Property:
 * `for (p = mosquitto_property_read_string_pair(list, MQTT_PROP_USER_PROPERTY, &k, &v, false); p;
 *      p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &k, &v, true)) {
 *      ...; free(k); free(v); }`.
 *
 * Returns the node found, or NULL when there is none, when `proplist` is NULL, when
 * `identifier` is not a property of type UTF-8 String Pair or when out of memory.
 */
const mosquitto_property *mosquitto_property_read_string_pair(const mosquitto_property *proplist,
                                                              int identifier,
                                                              char **name,
                                                              char **value,
                                                              bool skip_first);

/**
 * Configure certificate-based TLS. Call before connecting; it applies from the next connection.
 *
 * - `cafile`: a PEM file of trusted CA certificates; `capath`: a directory of them, named by
 *   hash as `openssl rehash` makes it. At least one of the two is required (`MOSQ_ERR_INVAL`
 *   otherwise, and when `cafile` cannot be read). To trust the system's CAs instead, use
 *   `MOSQ_OPT_TLS_USE_OS_CERTS` without calling this.
 * - `certfile`, `keyfile`: the client certificate (PEM, may hold its chain) and private key, for
 *   brokers that ask for one; both or neither (`MOSQ_ERR_INVAL`), and both must be readable.
 * - `pw_callback`: asked for the password of an encrypted key when connecting, with the handle
 *   as `userdata`. Without one, OpenSSL's default applies: a prompt on the terminal.
 *
 * The broker's certificate is verified, and so is its name (DNS name or IP address, as given to
 * the connect call) unless `mosquitto_tls_insecure_set(mosq, true)`. A refused handshake makes
 * the connect or loop call return `MOSQ_ERR_TLS`, with the reason in a log line.
 */
int mosquitto_tls_set(struct mosquitto *mosq,
                      const char *cafile,
                      const char *capath,
                      const char *certfile,
                      const char *keyfile,
                      int (*pw_callback)(char *buf, int size, int rwflag, void *userdata));

/**
 * Advanced TLS options. Call before connecting; they apply from the next connection.
 *
 * - `cert_reqs`: 1 (`SSL_VERIFY_PEER`, the default) verifies the broker's certificate; 0
 *   (`SSL_VERIFY_NONE`) does not, which gives no protection against impersonation. Other values
 *   are `MOSQ_ERR_INVAL` (libmosquitto takes them as 0 or 1).
 * - `tls_version`: the lowest protocol version accepted: `"tlsv1.3"`, `"tlsv1.2"` (the default,
 *   also for NULL) or `"tlsv1.1"` (which current OpenSSL security levels usually refuse anyway);
 *   anything else is `MOSQ_ERR_INVAL`.
 * - `ciphers`: an OpenSSL cipher list (see `openssl ciphers`); names starting with `TLS_` set
 *   the TLS 1.3 suites, the others the TLS 1.2 and older ciphers. NULL keeps OpenSSL's
 *   defaults. An unusable list fails at connect time with `MOSQ_ERR_TLS`.
 */
int mosquitto_tls_opts_set(struct mosquitto *mosq,
                           int cert_reqs,
                           const char *tls_version,
                           const char *ciphers);

/**
 * With `value` true, do not check that the broker's certificate names the host connected to.
 * The certificate chain is still verified, but anyone holding a certificate from the same CA can
 * impersonate the broker: for testing only. Default false.
 */
int mosquitto_tls_insecure_set(struct mosquitto *mosq, bool value);

/**
 * Configure TLS with a pre-shared key instead of certificates. Call before connecting.
 *
 * - `psk`: the key in hexadecimal, without "0x" (`MOSQ_ERR_INVAL` otherwise, or when empty).
 * - `identity`: sent to the broker with the handshake (may serve as the username there).
 * - `ciphers`: an OpenSSL cipher list for PSK (TLS 1.3 suites start with `TLS_`); NULL keeps
 *   OpenSSL's defaults.
 *
 * A key that does not match the broker's fails the handshake: `MOSQ_ERR_TLS` and a log line.
 */
int mosquitto_tls_psk_set(struct mosquitto *mosq,
                          const char *psk,
                          const char *identity,
                          const char *ciphers);

/**
 * The OpenSSL `SSL *` of the current TLS connection (also during its handshake), e.g. for extra
 * checks in the connect callback; NULL without a TLS connection or for a NULL `mosq`. It is
 * valid until the connection ends: do not keep it across callbacks, and do not free it.
 */
void *mosquitto_ssl_get(struct mosquitto *mosq);

/**
 * Reports the version of the libmosquitto API this library implements.
 *
 * Each of `major`, `minor` and `revision` that is not NULL receives the matching part of the
 * version. Returns the combined number `major * 1000000 + minor * 1000 + revision` (the value of
 * `LIBMOSQUITTO_VERSION_NUMBER`), so a program can compare it with the header it was built with.
 *
 * # Safety
 * Each pointer must be NULL or point to a writable `int`.
 */
int mosquitto_lib_version(int *major, int *minor, int *revision);

/**
 * Prepares the library for use; call it once before any other function.
 *
 * Installs the routing of the library's log messages to `on_log` callbacks. Calling it again is
 * harmless. Always returns `MOSQ_ERR_SUCCESS`.
 *
 * # Safety
 * No pointer arguments; not safe to run concurrently with other calls into the library.
 */
int mosquitto_lib_init(void);

/**
 * Releases process-wide resources of the library; call it once when done with the library.
 *
 * Calling it more than once, or without `mosquitto_lib_init`, is harmless. Always returns
 * `MOSQ_ERR_SUCCESS`.
 *
 * # Safety
 * No pointer arguments; no client may be in use when it is called.
 */
int mosquitto_lib_cleanup(void);

/**
 * Copies the message `src` into `dst`, duplicating its topic and payload.
 *
 * The copy's topic and payload are newly allocated and belong to the caller (free them with
 * `mosquitto_message_free_contents`, or free `dst` itself with `mosquitto_message_free` if it was
 * heap-allocated). Anything `dst` pointed to before is overwritten, not freed. The payload copy
 * is followed by a NUL byte. Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` if either pointer is
 * NULL, `src` has no topic, a negative `payloadlen`, or a NULL payload with a non-zero length;
 * `MOSQ_ERR_NOMEM` if memory runs out (then `dst` is left unchanged).
 *
 * # Safety
 * `dst` must be NULL or writable; `src` must be NULL or a message whose `topic` is NULL or a NUL-
 * terminated string and whose `payload` holds `payloadlen` readable bytes.
 */
int mosquitto_message_copy(struct mosquitto_message *dst, const struct mosquitto_message *src);

/**
 * Frees a heap-allocated message completely (topic, payload and the struct) and sets `*message`
 * to NULL.
 *
 * Use it for messages obtained from the library with ownership (for example from
 * `mosquitto_subscribe_simple`), never for the message passed to an `on_message` callback,
 * which the library frees itself. Does nothing if `message` or `*message` is NULL.
 *
 * # Safety
 * `message` must be NULL or point to NULL or to a message whose struct, topic and payload were
 * allocated with `malloc` (as the library allocates them) and are not used afterwards.
 */
void mosquitto_message_free(struct mosquitto_message **message);

/**
 * Frees the topic and payload of a message and sets both pointers to NULL, leaving the struct
 * itself to the caller (for example a message filled by `mosquitto_message_copy` on the stack).
 * Does nothing if `message` is NULL.
 *
 * # Safety
 * `message` must be NULL or a message whose `topic` and `payload` are NULL or were allocated with
 * `malloc` and are not used afterwards.
 */
void mosquitto_message_free_contents(struct mosquitto_message *message);

/**
 * Returns a constant, NUL-terminated English description of a `mosq_err_t` error number.
 *
 * For `MOSQ_ERR_ERRNO` the text is the operating system's description of the calling thread's
 * current `errno`. Numbers that are not error values give "Unknown error.". The returned string
 * must not be freed or modified.
 *
 * # Safety
 * Any value may be passed. The result must not be freed or written.
 */
const char *mosquitto_strerror(int mosq_errno);

/**
 * Returns a constant, NUL-terminated English description of a CONNACK result: an MQTT 3.1/3.1.1
 * return code (0 to 5) or an MQTT 5 CONNACK reason code (0x80 and above).
 *
 * Codes that CONNACK cannot carry give a generic "unknown reason" text. The returned string must
 * not be freed or modified.
 *
 * # Safety
 * Any value may be passed. The result must not be freed or written.
 */
const char *mosquitto_connack_string(int connack_code);

/**
 * Returns a constant, NUL-terminated English name of an MQTT 5 reason code (the values of
 * `enum mqtt5_return_codes`, as found in CONNACK, PUBACK, SUBACK, DISCONNECT and the other
 * acknowledgements).
 *
 * Numbers that are not reason codes give "Unknown reason". Never NULL; the returned string must
 * not be freed or modified.
 *
 * # Safety
 * Any value may be passed. The result must not be freed or written.
 */
const char *mosquitto_reason_string(int reason_code);

/**
 * Connect to a broker, subscribe to `topic` and pass each message to `callback` until it returns
 * 1; then disconnect cleanly and return `MOSQ_ERR_SUCCESS`. Blocks the calling thread.
 *
 * `client_id` NULL gives a random id (then `clean_session` must be true); `username` NULL means
 * no credentials; `will` and `tls` NULL mean none. The client reconnects (and subscribes again)
 * when the connection is lost. `MOSQ_ERR_INVAL` for a NULL `callback`, `topic` or `host` or an
 * invalid QoS or subscription; `MOSQ_ERR_CONN_REFUSED` when the broker refuses the connection;
 * `MOSQ_ERR_ACL_DENIED` when it refuses the subscription; otherwise the error of the failing
 * step.
 */
int mosquitto_subscribe_callback(int (*callback)(struct mosquitto*,
                                                 void*,
                                                 const struct mosquitto_message*),
                                 void *userdata,
                                 const char *topic,
                                 int qos,
                                 const char *host,
                                 int port,
                                 const char *client_id,
                                 int keepalive,
                                 bool clean_session,
                                 const char *username,
                                 const char *password,
                                 const struct libmosquitto_will *will,
                                 const struct libmosquitto_tls *tls);

/**
 * Connect to a broker, subscribe to `topic`, wait for `msg_count` messages, disconnect cleanly
 * and return them in `*messages`: an array of `msg_count` messages the caller frees with
 * `mosquitto_message_free_contents()` on each element and then `free()` on the array. On error
 * `*messages` is NULL. Blocks the calling thread.
 *
 * With `want_retained` false, retained messages sent because of the subscription are skipped
 * and not counted. The other arguments are those of `mosquitto_subscribe_callback`.
 * `MOSQ_ERR_INVAL` for a NULL `messages` or a `msg_count` below 1.
 */
int mosquitto_subscribe_simple(struct mosquitto_message **messages,
                               int msg_count,
                               bool want_retained,
                               const char *topic,
                               int qos,
                               const char *host,
                               int port,
                               const char *client_id,
                               int keepalive,
                               bool clean_session,
                               const char *username,
                               const char *password,
                               const struct libmosquitto_will *will,
                               const struct libmosquitto_tls *tls);

/**
 * Checks whether the topic name `topic` matches the subscription filter `sub`, honouring the
 * `+` and `#` wildcards and the rule that a filter starting with a wildcard does not match topics
 * starting with `$`.
 *
 * `*result` is set to true on a match and false otherwise (also on error). Returns
 * `MOSQ_ERR_SUCCESS`, or `MOSQ_ERR_INVAL` if any argument is NULL, either string is empty, `sub`
 * misplaces a wildcard, or `topic` contains one.
 *
 * # Safety
 * `sub` and `topic` must be NULL or NUL-terminated strings; `result` must be NULL or writable.
 */
int mosquitto_topic_matches_sub(const char *sub, const char *topic, bool *result);

/**
 * Like `mosquitto_topic_matches_sub`, but with explicit lengths in bytes instead of NUL
 * terminators (the strings may contain NUL bytes and need not be terminated).
 *
 * # Safety
 * `sub` and `topic` must be NULL or point to `sublen` and `topiclen` readable bytes; `result` must
 * be NULL or writable.
 */
int mosquitto_topic_matches_sub2(const char *sub,
                                 size_t sublen,
                                 const char *topic,
                                 size_t topiclen,
                                 bool *result);

/**
 * Checks whether `topic` may be used to publish: no `+` or `#`, at most 65535 bytes, and valid
 * MQTT UTF-8. An empty string passes this check (publishing still refuses it).
 *
 * Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (NULL, wildcard or too long) or
 * `MOSQ_ERR_MALFORMED_UTF8`.
 *
 * # Safety
 * `topic` must be NULL or a NUL-terminated string.
 */
int mosquitto_pub_topic_check(const char *topic);

/**
 * Like `mosquitto_pub_topic_check`, for the `topiclen` bytes at `topic` (no NUL terminator
 * needed).
 *
 * # Safety
 * `topic` must be NULL or point to `topiclen` readable bytes.
 */
int mosquitto_pub_topic_check2(const char *topic, size_t topiclen);

/**
 * Checks whether `topic` may be used to subscribe or unsubscribe: `+` only as a whole level, `#`
 * only as the whole last level, at most 65535 bytes, and valid MQTT UTF-8. An empty string passes
 * this check.
 *
 * Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (NULL, misplaced wildcard or too long) or
 * `MOSQ_ERR_MALFORMED_UTF8`.
 *
 * # Safety
 * `topic` must be NULL or a NUL-terminated string.
 */
int mosquitto_sub_topic_check(const char *topic);

/**
 * Like `mosquitto_sub_topic_check`, for the `topiclen` bytes at `topic` (no NUL terminator
 * needed).
 *
 * # Safety
 * `topic` must be NULL or point to `topiclen` readable bytes.
 */
int mosquitto_sub_topic_check2(const char *topic, size_t topiclen);

/**
 * Splits a topic or subscription into its levels (separated by `/`).
 *
 * On success `*topics` receives a newly allocated array of `*count` strings, one per level; an
 * empty level (before a leading `/`, after a trailing one, or between two adjacent ones) is a
 * NULL entry, so `"/a//b/"` gives NULL, "a", NULL, "b", NULL. Free the result with
 * `mosquitto_sub_topic_tokens_free`. Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` (a NULL
 * argument or more than 65535 bytes), `MOSQ_ERR_MALFORMED_UTF8` or `MOSQ_ERR_NOMEM`; on error
 * `*topics` and `*count` are left unchanged.
 *
 * # Safety
 * `subtopic` must be NULL or a NUL-terminated string; `topics` and `count` must be NULL or
 * writable.
 */
int mosquitto_sub_topic_tokenise(const char *subtopic, char ***topics, int *count);

/**
 * Frees an array produced by `mosquitto_sub_topic_tokenise` (pass the same `count`) and sets
 * `*topics` to NULL.
 *
 * Returns `MOSQ_ERR_SUCCESS`, or `MOSQ_ERR_INVAL` (freeing nothing) if `topics` or `*topics` is
 * NULL or `count` is negative.
 *
 * # Safety
 * `topics` must be NULL or point to NULL or to an array returned by `mosquitto_sub_topic_tokenise`
 * together with the `count` it returned; the array is not used afterwards.
 */
int mosquitto_sub_topic_tokens_free(char ***topics, int count);

/**
 * Checks whether the `len` bytes at `str` are valid UTF-8 under the MQTT rules: well-formed, no
 * U+0000, no UTF-16 surrogates, no control characters and no Unicode non-characters.
 *
 * Returns `MOSQ_ERR_SUCCESS`, `MOSQ_ERR_INVAL` if `str` is NULL, `len` is negative or `len` is
 * above 65536, or `MOSQ_ERR_MALFORMED_UTF8`.
 *
 * # Safety
 * `str` must be NULL or point to `len` readable bytes.
 */
int mosquitto_validate_utf8(const char *str, int len);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* MOSQUITTO_H */
