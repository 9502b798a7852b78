//! TLS against real mosquitto TLS listeners configured here, with certificates made at test time
//! (tests/common/tls_certs.rs): server authentication, mutual authentication, an encrypted key
//! with the password callback, PSK, TLS 1.2-only and 1.3-only listeners, ALPN, an application
//! `SSL_CTX`, PEM from memory, session resumption on reconnect, and every refusal (unknown CA,
//! hostname mismatch, expired certificate, missing client certificate, wrong PSK, OCSP) giving
//! `MOSQ_ERR_TLS`, a log line naming the reason, and no MQTT CONNECT reaching the broker.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;
#[path = "common/tls_certs.rs"]
mod tls_certs;

use std::ffi::{CStr, CString};
use std::net::TcpListener;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::ptr::null;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::broker::{Broker, BrokerConfig};
use common::client::{Client, Ev, MOSQ_ERR_SUCCESS};
use common::{unique, DEFAULT_TIMEOUT};
use culex::ffi::client::mosq_opt_t::*;
use culex::ffi::client::{mosquitto_connect, mosquitto_connect_async, mosquitto_reconnect};
use culex::ffi::client::{mosquitto_int_option, mosquitto_string_option, mosquitto_void_option};
use culex::ffi::client::{mosquitto_loop, mosquitto_loop_forever};
use culex::ffi::culex::{culex_tls_session_resumption_set, culex_tls_set_pem};
use culex::ffi::handle::mosquitto;
use culex::ffi::tls::*;
use foreign_types::ForeignType;
use openssl::ssl::{SslAcceptor, SslContext, SslFiletype, SslMethod, SslVerifyMode};
use tls_certs::{Certs, Issued, KEY_PASSWORD};

const MOSQ_ERR_TLS: i32 = 8;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn p(path: &Path) -> CString {
    c(path.to_str().unwrap())
}

/// A broker with a TLS listener presenting `server`, plus `extra` lines.
fn tls_broker(certs: &Certs, server: &Issued, extra: &[&str]) -> Broker {
    let mut config = BrokerConfig::default();
    for line in certs.listener_lines(server) {
        config = config.line(&line);
    }
    for line in extra {
        config = config.line(line);
    }
    Broker::start(config)
}

/// A client with on_log recording, so refusals can be checked for their reason.
fn new_client(tag: &str) -> (Client, String) {
    let id = unique(tag);
    let client = Client::new(Some(&id), true);
    client.enable_log(true);
    (client, id)
}

fn m(client: &Client) -> *mut mosquitto {
    client.handle().0
}

fn tls_set(client: &Client, certs: &Certs, identity: Option<(&Path, &Path)>) -> i32 {
    let ca = p(&certs.ca);
    let (cert, key) = match identity {
        Some((cert, key)) => (Some(p(cert)), Some(p(key))),
        None => (None, None),
    };
    unsafe {
        mosquitto_tls_set(
            m(client),
            ca.as_ptr(),
            null(),
            cert.as_ref().map_or(null(), |s| s.as_ptr()),
            key.as_ref().map_or(null(), |s| s.as_ptr()),
            None,
        )
    }
}

/// Limit `client` to TLS 1.2 through an application context completed with Culex's defaults
/// (mosquitto 2.0's `tls_version` is only a minimum, so no mosquitto listener is 1.2-only).
fn limit_to_tls12(client: &Client) {
    let mut builder = SslContext::builder(SslMethod::tls_client()).unwrap();
    builder
        .set_max_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))
        .unwrap();
    let ctx = builder.build();
    unsafe {
        assert_eq!(
            mosquitto_void_option(m(client), MOSQ_OPT_SSL_CTX as c_int, ctx.as_ptr() as _),
            MOSQ_ERR_SUCCESS
        );
        assert_eq!(
            mosquitto_int_option(m(client), MOSQ_OPT_SSL_CTX_WITH_DEFAULTS as c_int, 1),
            MOSQ_ERR_SUCCESS
        );
    }
}

/// `mosquitto_connect`, then `mosquitto_loop` until the TLS handshake is done (Culex, like
/// libmosquitto, finishes it in the loop), so that the test can look at the TLS connection.
/// Returns the first code that is not `MOSQ_ERR_SUCCESS` (a refusal is the loop's
/// `MOSQ_ERR_TLS`).
fn connect(client: &Client, host: &str, port: u16) -> i32 {
    let host = c(host);
    let rc = unsafe { mosquitto_connect(m(client), host.as_ptr(), c_int::from(port), 30) };
    finish_handshake(client, rc)
}

/// `mosquitto_reconnect`, and the handshake done as by [`connect`].
fn reconnect(client: &Client) -> i32 {
    let rc = unsafe { mosquitto_reconnect(m(client)) };
    finish_handshake(client, rc)
}

/// After a connect call that returned `rc`: `mosquitto_loop` until the TLS handshake is done.
fn finish_handshake(client: &Client, rc: i32) -> i32 {
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    if rc != MOSQ_ERR_SUCCESS {
        return rc;
    }
    loop {
        let ssl = ssl_of(client);
        if !ssl.is_null() && unsafe { openssl_sys::SSL_is_init_finished(ssl) } == 1 {
            return MOSQ_ERR_SUCCESS;
        }
        assert!(Instant::now() < deadline, "TLS handshake not done in time");
        let rc = client.loop_once(100);
        if rc != MOSQ_ERR_SUCCESS {
            return rc;
        }
    }
}

/// The client's log lines so far.
fn logs(client: &Client) -> Vec<String> {
    client
        .events()
        .snapshot()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Log(_, line) => Some(line),
            _ => None,
        })
        .collect()
}

fn ssl_of(client: &Client) -> *mut openssl_sys::SSL {
    unsafe { mosquitto_ssl_get(m(client)) as *mut openssl_sys::SSL }
}

fn tls_version(client: &Client) -> String {
    let ssl = ssl_of(client);
    assert!(!ssl.is_null(), "no TLS connection");
    unsafe { CStr::from_ptr(openssl_sys::SSL_get_version(ssl)) }
        .to_string_lossy()
        .into_owned()
}

/// Connected and working: the loop thread runs, a QoS 1 message goes round through the broker.
fn assert_round_trip(client: &Client) {
    assert_eq!(client.loop_start(), MOSQ_ERR_SUCCESS);
    assert_eq!(
        client.wait_connect(DEFAULT_TIMEOUT),
        Some(0),
        "no CONNACK; log: {:?}",
        logs(client)
    );
    let topic = unique("culex/tls");
    let mid = client.subscribe(&topic, 1).expect("subscribe");
    assert!(client.wait_suback(mid, DEFAULT_TIMEOUT).is_some());
    client
        .publish(&topic, b"over TLS", 1, false)
        .expect("publish");
    assert!(
        client
            .wait_message(DEFAULT_TIMEOUT, |msg| msg.topic == topic)
            .is_some_and(|msg| msg.payload == b"over TLS"),
        "message did not come back"
    );
}

fn stop(client: &Client) {
    client.disconnect();
    client.loop_stop(false);
}

/// A refused connection: `MOSQ_ERR_TLS` from the loop (during the handshake, or when the broker
/// refuses only after the client finished its side of a TLS 1.3 handshake), a log line holding
/// `reason`, and the broker never saw an MQTT CONNECT from `id`.
fn assert_refused(client: &Client, id: &str, broker: &Broker, host: &str, reason: &str) {
    let mut rc = connect(client, host, broker.port());
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    while rc == MOSQ_ERR_SUCCESS && Instant::now() < deadline {
        rc = client.loop_once(100);
    }
    assert_eq!(rc, MOSQ_ERR_TLS, "log: {:?}", logs(client));
    assert!(
        logs(client).iter().any(|l| l.contains(reason)),
        "no log line naming {reason:?}: {:?}",
        logs(client)
    );
    // Give the broker a moment to log anything it received, then check it saw no CONNECT.
    let _ = broker.wait_log(id, Duration::from_millis(300));
    assert!(
        !broker.log().contains(id),
        "the broker saw the client's CONNECT:\n{}",
        broker.log()
    );
}

#[test]
fn server_authentication_by_name_and_by_address() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &[]);
    for host in ["localhost", "127.0.0.1"] {
        let (client, _) = new_client("tls-server-auth");
        assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
        assert!(ssl_of(&client).is_null(), "no SSL before connecting");
        assert_eq!(
            connect(&client, host, broker.port()),
            MOSQ_ERR_SUCCESS,
            "{host}"
        );
        assert!(!ssl_of(&client).is_null());
        assert_round_trip(&client);
        stop(&client);
    }
}

#[test]
fn plain_client_has_no_ssl() {
    let broker = Broker::start(BrokerConfig::default());
    let (client, _) = new_client("tls-plain");
    assert_eq!(client.connect(broker.port(), 30), MOSQ_ERR_SUCCESS);
    assert!(ssl_of(&client).is_null());
}

#[test]
fn mutual_authentication() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &["require_certificate true"]);
    let (client, _) = new_client("tls-mutual");
    let identity = (certs.client.cert.as_path(), certs.client.key.as_path());
    assert_eq!(tls_set(&client, &certs, Some(identity)), MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_round_trip(&client);
    stop(&client);
}

static PASSWORD_CALLS: AtomicUsize = AtomicUsize::new(0);
static PASSWORD_USERDATA: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn give_password(
    buf: *mut c_char,
    size: c_int,
    rwflag: c_int,
    userdata: *mut c_void,
) -> c_int {
    PASSWORD_CALLS.fetch_add(1, Ordering::SeqCst);
    PASSWORD_USERDATA.store(userdata as usize, Ordering::SeqCst);
    assert_eq!(rwflag, 0);
    let password = KEY_PASSWORD.as_bytes();
    assert!(password.len() <= size as usize);
    std::ptr::copy_nonoverlapping(password.as_ptr(), buf as *mut u8, password.len());
    password.len() as c_int
}

unsafe extern "C" fn wrong_password(buf: *mut c_char, _: c_int, _: c_int, _: *mut c_void) -> c_int {
    std::ptr::copy_nonoverlapping(b"nope".as_ptr(), buf as *mut u8, 4);
    4
}

#[test]
fn encrypted_client_key_with_password_callback() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &["require_certificate true"]);
    let (client, _) = new_client("tls-encrypted-key");
    let (ca, cert, key) = (
        p(&certs.ca),
        p(&certs.client.cert),
        p(&certs.client_key_encrypted),
    );
    let rc = unsafe {
        mosquitto_tls_set(
            m(&client),
            ca.as_ptr(),
            null(),
            cert.as_ptr(),
            key.as_ptr(),
            Some(give_password),
        )
    };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert!(PASSWORD_CALLS.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        PASSWORD_USERDATA.load(Ordering::SeqCst),
        m(&client) as usize
    );
    assert_round_trip(&client);
    stop(&client);

    // A wrong password: the key cannot be loaded, the connect call says TLS and why.
    let (client, _) = new_client("tls-wrong-password");
    let rc = unsafe {
        mosquitto_tls_set(
            m(&client),
            ca.as_ptr(),
            null(),
            cert.as_ptr(),
            key.as_ptr(),
            Some(wrong_password),
        )
    };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    assert_eq!(connect(&client, "localhost", broker.port()), MOSQ_ERR_TLS);
    assert!(logs(&client).iter().any(|l| l.contains("private key")));
}

fn psk_broker(certs: &Certs) -> Broker {
    let psk_file = certs.dir().join("psk");
    std::fs::write(&psk_file, "culex-device:0a1b2c3d4e5f60718293a4b5c6d7e8f9\n").unwrap();
    let mut config = BrokerConfig::default()
        .line("psk_hint culex-tests")
        .line(&format!("psk_file {}", psk_file.display()));
    config = config.line("use_identity_as_username false");
    Broker::start(config)
}

#[test]
fn psk_listener_and_wrong_psk() {
    let certs = Certs::new();
    let broker = psk_broker(&certs);
    let (client, _) = new_client("tls-psk");
    let (psk, identity) = (c("0a1b2c3d4e5f60718293a4b5c6d7e8f9"), c("culex-device"));
    let rc = unsafe { mosquitto_tls_psk_set(m(&client), psk.as_ptr(), identity.as_ptr(), null()) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "127.0.0.1", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_round_trip(&client);
    stop(&client);

    let (client, id) = new_client("tls-psk-wrong");
    let wrong = c("0a1b2c3d4e5f60718293a4b5c6d7e8f8");
    let rc =
        unsafe { mosquitto_tls_psk_set(m(&client), wrong.as_ptr(), identity.as_ptr(), null()) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    assert_refused(
        &client,
        &id,
        &broker,
        "127.0.0.1",
        "TLS handshake with 127.0.0.1 failed",
    );
}

#[test]
fn tls_1_2_only_and_1_3_only_listeners() {
    let certs = Certs::new();
    // mosquitto 2.0's tls_version is a minimum: "tlsv1.3" makes a 1.3-only listener.
    let broker = tls_broker(&certs, &certs.server, &["tls_version tlsv1.3"]);
    let (client, _) = new_client("tls-1.3");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(tls_version(&client), "TLSv1.3");
    assert_round_trip(&client);
    stop(&client);
    // A client that can do only 1.2 is refused there.
    let (client, id) = new_client("tls-1.2-vs-1.3");
    limit_to_tls12(&client);
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_refused(&client, &id, &broker, "localhost", "protocol version");

    // A 1.2-only listener (a TLS server of this test that stops at 1.2, speaking just enough
    // MQTT for a CONNACK): the default client negotiates 1.2 ...
    let (port, server) = mini_server(&certs, true);
    let (client, _) = new_client("tls-1.2-only");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_eq!(connect(&client, "localhost", port), MOSQ_ERR_SUCCESS);
    assert_eq!(tls_version(&client), "TLSv1.2");
    assert_eq!(client.loop_start(), MOSQ_ERR_SUCCESS);
    assert_eq!(client.wait_connect(DEFAULT_TIMEOUT), Some(0));
    stop(&client);
    server.join().unwrap();
    // ... and one that insists on 1.3 is refused.
    let (port, _server) = mini_server(&certs, true);
    let (client, _) = new_client("tls-1.3-vs-1.2");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    let v13 = c("tlsv1.3");
    assert_eq!(
        unsafe { mosquitto_tls_opts_set(m(&client), 1, v13.as_ptr(), null()) },
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(connect(&client, "localhost", port), MOSQ_ERR_TLS);
    assert!(logs(&client).iter().any(|l| l.contains("protocol version")));

    // And against mosquitto, a client limited to 1.2 works over 1.2.
    let broker = tls_broker(&certs, &certs.server, &[]);
    let (client, _) = new_client("tls-1.2-mosquitto");
    limit_to_tls12(&client);
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(tls_version(&client), "TLSv1.2");
    assert_round_trip(&client);
    stop(&client);
}

/// A one-connection TLS server (at most TLS 1.2 with `tls12_only`) that selects "mqtt" by ALPN,
/// answers CONNECT with CONNACK and reports the ALPN protocols the client offered.
fn mini_server(certs: &Certs, tls12_only: bool) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    acceptor
        .set_certificate_chain_file(&certs.server.cert)
        .unwrap();
    acceptor
        .set_private_key_file(&certs.server.key, SslFiletype::PEM)
        .unwrap();
    if tls12_only {
        acceptor
            .set_max_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))
            .unwrap();
    }
    let offered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = offered.clone();
    acceptor.set_alpn_select_callback(move |_, client_list| {
        *seen.lock().unwrap() = client_list.to_vec();
        openssl::ssl::select_next_proto(b"\x04mqtt", client_list)
            .ok_or(openssl::ssl::AlpnError::NOACK)
    });
    let acceptor = acceptor.build();
    let handle = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(DEFAULT_TIMEOUT)).unwrap();
        let Ok(mut tls) = acceptor.accept(tcp) else {
            return Vec::new();
        };
        let mut header = [0u8; 2];
        tls.read_exact(&mut header).unwrap();
        assert_eq!(header[0], 0x10, "the first MQTT packet is CONNECT");
        let mut body = vec![0u8; header[1] as usize];
        tls.read_exact(&mut body).unwrap();
        tls.write_all(&[0x20, 2, 0, 0]).unwrap();
        let mut rest = [0u8; 64];
        let _ = tls.read(&mut rest);
        let list = offered.lock().unwrap().clone();
        list
    });
    (port, handle)
}

#[test]
fn alpn_is_offered_and_selected() {
    let certs = Certs::new();
    let (port, server) = mini_server(&certs, false);
    let (client, _) = new_client("tls-alpn");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    let mqtt = c("mqtt");
    assert_eq!(
        unsafe { mosquitto_string_option(m(&client), MOSQ_OPT_TLS_ALPN as c_int, mqtt.as_ptr()) },
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(connect(&client, "localhost", port), MOSQ_ERR_SUCCESS);
    let mut data: *const u8 = null();
    let mut len: u32 = 0;
    unsafe { openssl_sys::SSL_get0_alpn_selected(ssl_of(&client), &mut data, &mut len) };
    assert_eq!(
        unsafe { std::slice::from_raw_parts(data, len as usize) },
        b"mqtt"
    );
    assert_eq!(client.loop_start(), MOSQ_ERR_SUCCESS);
    assert_eq!(client.wait_connect(DEFAULT_TIMEOUT), Some(0));
    stop(&client);
    assert_eq!(server.join().unwrap(), b"\x04mqtt");

    // And a mosquitto listener (which selects nothing) still accepts the client.
    let broker = tls_broker(&certs, &certs.server, &[]);
    let (client, _) = new_client("tls-alpn-mosquitto");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    unsafe { mosquitto_string_option(m(&client), MOSQ_OPT_TLS_ALPN as c_int, mqtt.as_ptr()) };
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_round_trip(&client);
    stop(&client);
}

#[test]
fn application_ssl_ctx_as_is_and_with_defaults() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &["require_certificate true"]);

    // As it is: the application's context carries the CA and the client identity.
    let mut builder = SslContext::builder(SslMethod::tls_client()).unwrap();
    builder.set_ca_file(&certs.ca).unwrap();
    builder.set_verify(SslVerifyMode::PEER);
    builder
        .set_certificate_chain_file(&certs.client.cert)
        .unwrap();
    builder
        .set_private_key_file(&certs.client.key, SslFiletype::PEM)
        .unwrap();
    let ctx = builder.build();
    let (client, _) = new_client("tls-app-ctx");
    let rc = unsafe {
        mosquitto_void_option(
            m(&client),
            MOSQ_OPT_SSL_CTX as c_int,
            ctx.as_ptr() as *mut c_void,
        )
    };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    drop(ctx); // Culex holds its own reference.
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    let used = unsafe { openssl_sys::SSL_get_SSL_CTX(ssl_of(&client)) };
    assert!(!used.is_null());
    assert_round_trip(&client);
    // Kept across a reconnect.
    client.disconnect();
    client.loop_stop(false);
    assert_eq!(unsafe { mosquitto_reconnect(m(&client)) }, MOSQ_ERR_SUCCESS);
    assert_eq!(
        unsafe { openssl_sys::SSL_get_SSL_CTX(ssl_of(&client)) },
        used
    );
    stop(&client);

    // With defaults: an empty context completed by tls_set's files.
    let empty = SslContext::builder(SslMethod::tls_client())
        .unwrap()
        .build();
    let (client, _) = new_client("tls-app-ctx-defaults");
    unsafe {
        assert_eq!(
            mosquitto_void_option(m(&client), MOSQ_OPT_SSL_CTX as c_int, empty.as_ptr() as _),
            MOSQ_ERR_SUCCESS
        );
        assert_eq!(
            mosquitto_int_option(m(&client), MOSQ_OPT_SSL_CTX_WITH_DEFAULTS as c_int, 1),
            MOSQ_ERR_SUCCESS
        );
    }
    let identity = (certs.client.cert.as_path(), certs.client.key.as_path());
    assert_eq!(tls_set(&client, &certs, Some(identity)), MOSQ_ERR_SUCCESS);
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(
        unsafe { openssl_sys::SSL_get_SSL_CTX(ssl_of(&client)) },
        empty.as_ptr()
    );
    assert_round_trip(&client);
    stop(&client);
}

#[test]
fn certificates_and_keys_from_memory() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &["require_certificate true"]);
    let ca = c(&certs.ca_pem);
    let cert = c(&certs.client.cert_pem);
    for (key, callback) in [
        (c(&certs.client.key_pem), None),
        (
            c(&certs.client_key_encrypted_pem),
            Some(give_password as unsafe extern "C" fn(_, _, _, _) -> _),
        ),
    ] {
        let (client, _) = new_client("tls-memory");
        let rc = unsafe {
            culex_tls_set_pem(
                m(&client),
                ca.as_ptr(),
                cert.as_ptr(),
                key.as_ptr(),
                callback,
            )
        };
        assert_eq!(rc, MOSQ_ERR_SUCCESS);
        assert_eq!(
            connect(&client, "localhost", broker.port()),
            MOSQ_ERR_SUCCESS
        );
        assert_round_trip(&client);
        stop(&client);
    }
}

fn session_reused(client: &Client) -> bool {
    unsafe { openssl_sys::SSL_session_reused(ssl_of(client)) == 1 }
}

#[test]
fn reconnect_resumes_the_tls_session() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &[]);
    for version in ["TLSv1.2", "TLSv1.3"] {
        for resume in [true, false] {
            let (client, _) = new_client("tls-resume");
            if version == "TLSv1.2" {
                limit_to_tls12(&client);
            }
            assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
            if !resume {
                assert_eq!(
                    unsafe { culex_tls_session_resumption_set(m(&client), false) },
                    MOSQ_ERR_SUCCESS
                );
            }
            assert_eq!(
                connect(&client, "localhost", broker.port()),
                MOSQ_ERR_SUCCESS
            );
            assert!(
                !session_reused(&client),
                "a first connection is a full handshake"
            );
            assert_eq!(tls_version(&client), version);
            // The round trip also reads the TLS 1.3 session tickets sent after the handshake.
            assert_round_trip(&client);
            client.loop_stop(true);
            assert_eq!(reconnect(&client), MOSQ_ERR_SUCCESS);
            assert_eq!(
                session_reused(&client),
                resume,
                "{version}, resumption {resume}; log: {:?}",
                logs(&client)
            );
            assert_round_trip(&client);
            stop(&client);
        }
    }
}

#[test]
fn refused_unknown_ca() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.untrusted, &[]);
    let (client, id) = new_client("tls-unknown-ca");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_refused(
        &client,
        &id,
        &broker,
        "localhost",
        "unable to get local issuer",
    );
}

#[test]
fn refused_hostname_mismatch_unless_insecure() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.wrong_name, &[]);
    for host in ["localhost", "127.0.0.1"] {
        let (client, id) = new_client("tls-mismatch");
        assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
        // OpenSSL says "hostname mismatch" or "IP address mismatch".
        assert_refused(&client, &id, &broker, host, "mismatch");
    }
    let (client, _) = new_client("tls-insecure");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_eq!(
        unsafe { mosquitto_tls_insecure_set(m(&client), true) },
        MOSQ_ERR_SUCCESS
    );
    assert_eq!(
        connect(&client, "localhost", broker.port()),
        MOSQ_ERR_SUCCESS
    );
    assert_round_trip(&client);
    stop(&client);
}

#[test]
fn refused_expired_certificate() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.expired, &[]);
    let (client, id) = new_client("tls-expired");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_refused(
        &client,
        &id,
        &broker,
        "localhost",
        "certificate has expired",
    );
}

#[test]
fn refused_missing_client_certificate() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &["require_certificate true"]);
    for tls12 in [true, false] {
        let (client, id) = new_client("tls-no-client-cert");
        if tls12 {
            limit_to_tls12(&client);
        }
        assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
        // TLS 1.2: an alert inside the handshake. TLS 1.3: the broker checks after the
        // client's last handshake message, so the refusal is the first thing the client reads.
        assert_refused(&client, &id, &broker, "localhost", "TLS");
        assert!(
            logs(&client)
                .iter()
                .any(|l| l.contains("alert") || l.contains("client certificate")),
            "{:?}",
            logs(&client)
        );
    }
}

#[test]
fn refused_without_stapled_ocsp_when_required() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &[]);
    let (client, id) = new_client("tls-ocsp");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    assert_eq!(
        unsafe { mosquitto_int_option(m(&client), MOSQ_OPT_TLS_OCSP_REQUIRED as c_int, 1) },
        MOSQ_ERR_SUCCESS
    );
    assert_refused(&client, &id, &broker, "localhost", "OCSP");
}

#[test]
fn os_certs_alone_turn_tls_on_and_do_not_trust_the_test_ca() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &[]);
    let (client, id) = new_client("tls-os-certs");
    assert_eq!(
        unsafe { mosquitto_int_option(m(&client), MOSQ_OPT_TLS_USE_OS_CERTS as c_int, 1) },
        MOSQ_ERR_SUCCESS
    );
    assert_refused(
        &client,
        &id,
        &broker,
        "localhost",
        "certificate verify failed",
    );
}

/// The handshake advances in `mosquitto_loop` after an asynchronous connect, and in
/// `loop_forever`, not only in a blocking connect.
#[test]
fn handshake_in_mosquitto_loop_and_loop_forever() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.server, &[]);

    let (client, _) = new_client("tls-loop");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    let host = c("localhost");
    let rc =
        unsafe { mosquitto_connect_async(m(&client), host.as_ptr(), broker.port() as c_int, 30) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    while client.wait_connect(Duration::ZERO).is_none() && Instant::now() < deadline {
        assert_eq!(
            unsafe { mosquitto_loop(m(&client), 100, 1) },
            MOSQ_ERR_SUCCESS
        );
    }
    assert_eq!(client.wait_connect(Duration::ZERO), Some(0));
    assert_eq!(tls_version(&client), "TLSv1.3");
    client.disconnect();

    let (client, _) = new_client("tls-loop-forever");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    let rc =
        unsafe { mosquitto_connect_async(m(&client), host.as_ptr(), broker.port() as c_int, 30) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    let handle = client.handle();
    let runner = std::thread::spawn(move || {
        let handle = handle;
        unsafe { mosquitto_loop_forever(handle.0, 100, 1) }
    });
    assert_eq!(client.wait_connect(DEFAULT_TIMEOUT), Some(0));
    client.disconnect();
    assert_eq!(runner.join().unwrap(), MOSQ_ERR_SUCCESS);
}

/// Refusals in the loop thread: an asynchronous connect to a broker with an untrusted
/// certificate is retried, each attempt failing with a log line; no CONNACK ever arrives.
#[test]
fn refused_handshake_in_loop_thread() {
    let certs = Certs::new();
    let broker = tls_broker(&certs, &certs.untrusted, &[]);
    let (client, id) = new_client("tls-loop-thread-refused");
    assert_eq!(tls_set(&client, &certs, None), MOSQ_ERR_SUCCESS);
    let host = c("localhost");
    let rc =
        unsafe { mosquitto_connect_async(m(&client), host.as_ptr(), broker.port() as c_int, 30) };
    assert_eq!(rc, MOSQ_ERR_SUCCESS);
    assert_eq!(client.loop_start(), MOSQ_ERR_SUCCESS);
    assert!(client
        .events()
        .wait_for(
            DEFAULT_TIMEOUT,
            |e| matches!(e, Ev::Log(_, l) if l.contains("unable to get local issuer"))
        )
        .is_some());
    assert!(client.wait_connect(Duration::from_millis(200)).is_none());
    client.loop_stop(true);
    assert!(!broker.log().contains(&id));
}
