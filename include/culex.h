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
 * Called by `culex_persistence_set` for each outgoing message resumed from the store: `msg` is
 * the library's (valid during the call); its `mid` is the packet id it goes out with again and
 * the one `on_publish` reports when it completes.
 */
typedef void (*culex_resume_callback)(struct mosquitto *mosq,
                                      void *obj,
                                      const struct mosquitto_message *msg);

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

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* CULEX_H */
