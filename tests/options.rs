//! Client options by number (`mosquitto_int_option`, `mosquitto_string_option`,
//! `mosquitto_void_option`, `mosquitto_opts_set`) and `mosquitto_reason_string`.
//!
//! Every option is tried with valid and invalid values and through the wrong setter; refusals
//! must be logged to `on_log`. Where an option changes what goes on the wire (protocol version,
//! Receive Maximum, send maximum, TCP_NODELAY, bind address) a scripted fake broker checks the
//! effect. Expected codes were compared with Debian's libmosquitto 2.0.11.

mod common;

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{null, null_mut};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::fake_broker::{FakeBroker, Packet, CONNECT, PUBLISH};
use common::DEFAULT_TIMEOUT;
use culex::ffi::boundary::errors::*;
use culex::ffi::boundary::logging::{MOSQ_LOG_ERR, MOSQ_LOG_WARNING};
use culex::ffi::callbacks::mosquitto_log_callback_set;
use culex::ffi::client::mosq_opt_t::*;
use culex::ffi::client::*;
use culex::ffi::client::{mosquitto_connect, mosquitto_destroy, mosquitto_new, mosquitto_publish};
use culex::ffi::client::{mosquitto_loop, mosquitto_socket};
use culex::ffi::handle::mosquitto;
use culex::ffi::mqtt_protocol::mqtt5_return_codes;
use culex::ffi::util::mosquitto_reason_string;
use culex::protocol::ReasonCode;

const SUCCESS: c_int = MOSQ_ERR_SUCCESS as c_int;
const INVAL: c_int = MOSQ_ERR_INVAL as c_int;

/// Option numbers that name no option.
const UNKNOWN_OPTIONS: [c_int; 6] = [0, 14, 15, -1, 1000, c_int::MIN];

/// Integer values no option accepts as a maximum or version.
const OUT_OF_RANGE: [c_int; 5] = [-1, 65536, 100_000, c_int::MAX, c_int::MIN];

// ---------------------------------------------------------------------------------------------
// A client with on_log recording, destroyed on drop.

type Lines = HashMap<usize, Vec<String>>;

fn log_lines() -> &'static Mutex<Lines> {
    static LINES: OnceLock<Mutex<Lines>> = OnceLock::new();
    LINES.get_or_init(|| Mutex::new(HashMap::new()))
}

unsafe extern "C" fn record_log(
    mosq: *mut mosquitto,
    _: *mut c_void,
    level: c_int,
    line: *const c_char,
) {
    if level != MOSQ_LOG_WARNING && level != MOSQ_LOG_ERR {
        return;
    }
    // SAFETY: the library passes a C string valid for the call.
    let line = unsafe { CStr::from_ptr(line) }
        .to_string_lossy()
        .into_owned();
    log_lines()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(mosq as usize)
        .or_default()
        .push(line);
}

struct Client {
    mosq: *mut mosquitto,
}

impl Client {
    fn new(id: &str) -> Client {
        let id = CString::new(id).unwrap();
        // SAFETY: a valid id; the handle is destroyed by Drop.
        let mosq = unsafe { mosquitto_new(id.as_ptr(), true, null_mut()) };
        assert!(!mosq.is_null(), "mosquitto_new failed");
        let client = Client { mosq };
        // A recycled address must not inherit old lines.
        client.warnings();
        // SAFETY: valid handle and callback.
        unsafe { mosquitto_log_callback_set(mosq, Some(record_log)) };
        client
    }

    /// The warnings logged for this client since the last call.
    fn warnings(&self) -> Vec<String> {
        log_lines()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(self.mosq as usize))
            .unwrap_or_default()
    }

    fn int(&self, option: c_int, value: c_int) -> c_int {
        // SAFETY: valid handle.
        unsafe { mosquitto_int_option(self.mosq, option, value) }
    }

    fn string(&self, option: c_int, value: Option<&str>) -> c_int {
        let value = value.map(|v| CString::new(v).unwrap());
        let ptr = value.as_ref().map_or(null(), |v| v.as_ptr());
        // SAFETY: valid handle; NULL or a NUL-terminated string.
        unsafe { mosquitto_string_option(self.mosq, option, ptr) }
    }

    fn void(&self, option: c_int, value: *mut c_void) -> c_int {
        // SAFETY: valid handle; the pointer is never dereferenced for these options.
        unsafe { mosquitto_void_option(self.mosq, option, value) }
    }

    fn opts_set(&self, option: c_int, value: *mut c_void) -> c_int {
        // SAFETY: valid handle; `value` is NULL or points to an int where an int is read.
        unsafe { mosquitto_opts_set(self.mosq, option, value) }
    }

    /// Assert that `rc` is `expected` and that exactly the refusals were logged.
    #[track_caller]
    fn check(&self, what: &str, rc: c_int, expected: c_int) {
        assert_eq!(rc, expected, "{what}");
        let warnings = self.warnings();
        if expected == SUCCESS {
            assert!(
                warnings.is_empty(),
                "{what} succeeded but logged {warnings:?}"
            );
        } else {
            assert!(
                !warnings.is_empty(),
                "{what} refused ({rc}) without a log line"
            );
        }
    }

    fn connect(&self, port: u16) -> c_int {
        // SAFETY: valid handle and host string.
        unsafe { mosquitto_connect(self.mosq, c"127.0.0.1".as_ptr(), c_int::from(port), 60) }
    }

    /// Run `mosquitto_loop` until `done` says so; panics after the default timeout. Loop errors
    /// are not checked: the fake broker may close the connection once it has seen enough.
    fn drive_until(&self, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        while !done() {
            assert!(Instant::now() < deadline, "timed out driving the client");
            // SAFETY: valid handle.
            let _ = unsafe { mosquitto_loop(self.mosq, 20, 1) };
        }
    }

    fn publish_qos1(&self, topic: &CStr) -> c_int {
        // SAFETY: valid handle, topic and one-byte payload.
        unsafe {
            mosquitto_publish(
                self.mosq,
                null_mut(),
                topic.as_ptr(),
                1,
                b"x".as_ptr().cast(),
                1,
                false,
            )
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: the handle came from mosquitto_new and is destroyed once.
        unsafe { mosquitto_destroy(self.mosq) };
    }
}

fn opt(option: mosq_opt_t) -> c_int {
    option as c_int
}

// ---------------------------------------------------------------------------------------------
// CONNECT as the fake broker sees it.

/// What the client's first packet said.
struct ConnectSeen {
    protocol_name: Vec<u8>,
    level: u8,
    /// The MQTT 5 properties, raw (empty for 3.1.x).
    properties: Vec<u8>,
    client_id: Vec<u8>,
}

fn read_varint(bytes: &[u8]) -> (usize, usize) {
    let mut value = 0usize;
    for (i, b) in bytes.iter().enumerate().take(4) {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("bad variable byte integer {bytes:02x?}");
}

fn parse_connect(packet: &Packet) -> ConnectSeen {
    assert_eq!(packet.packet_type(), CONNECT, "first packet: {packet:?}");
    let body = packet.body();
    let name_len = usize::from(u16::from_be_bytes([body[0], body[1]]));
    let protocol_name = body[2..2 + name_len].to_vec();
    let mut at = 2 + name_len;
    let level = body[at];
    at += 4; // level, flags, keepalive
    let mut properties = Vec::new();
    if level == 5 {
        let (len, used) = read_varint(&body[at..]);
        at += used;
        properties = body[at..at + len].to_vec();
        at += len;
    }
    let id_len = usize::from(u16::from_be_bytes([body[at], body[at + 1]]));
    let client_id = body[at + 2..at + 2 + id_len].to_vec();
    ConnectSeen {
        protocol_name,
        level,
        properties,
        client_id,
    }
}

/// Every Receive Maximum (0x21) value among raw MQTT 5 properties.
fn receive_maximums(mut props: &[u8]) -> Vec<u16> {
    let mut found = Vec::new();
    while let Some((&id, rest)) = props.split_first() {
        let len = match id {
            0x01 | 0x17 | 0x19 | 0x24 | 0x25 | 0x28 | 0x29 | 0x2a => 1,
            0x13 | 0x21 | 0x22 | 0x23 => 2,
            0x02 | 0x11 | 0x18 | 0x27 => 4,
            0x0b => read_varint(rest).1,
            0x03 | 0x08 | 0x09 | 0x12 | 0x15 | 0x16 | 0x1a | 0x1c | 0x1f => {
                2 + usize::from(u16::from_be_bytes([rest[0], rest[1]]))
            }
            0x26 => {
                let k = 2 + usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                k + 2 + usize::from(u16::from_be_bytes([rest[k], rest[k + 1]]))
            }
            other => panic!("unknown property 0x{other:02x} in CONNECT"),
        };
        if id == 0x21 {
            found.push(u16::from_be_bytes([rest[0], rest[1]]));
        }
        props = &rest[len..];
    }
    found
}

/// Connect `client` to a fake broker and return its CONNECT.
fn connect_seen(client: &Client) -> ConnectSeen {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let (tx, rx) = mpsc::channel();
    let script = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        tx.send(conn.read_packet()).unwrap();
    });
    assert_eq!(client.connect(port), SUCCESS);
    let mut connect = None;
    client.drive_until(|| {
        connect = rx.try_recv().ok();
        connect.is_some()
    });
    script.join();
    parse_connect(&connect.unwrap())
}

// ---------------------------------------------------------------------------------------------
// NULL handle and unknown options.

#[test]
fn null_handle_is_inval_for_every_setter() {
    let mut five: c_int = 5;
    let five_ptr = (&mut five as *mut c_int).cast::<c_void>();
    // SAFETY: NULL handles are allowed; the other pointers are valid.
    unsafe {
        let v = opt(MOSQ_OPT_PROTOCOL_VERSION);
        assert_eq!(mosquitto_int_option(null_mut(), v, MQTT_PROTOCOL_V5), INVAL);
        assert_eq!(mosquitto_int_option(null_mut(), 0, 0), INVAL);
        let b = opt(MOSQ_OPT_BIND_ADDRESS);
        assert_eq!(mosquitto_string_option(null_mut(), b, c"x".as_ptr()), INVAL);
        assert_eq!(mosquitto_string_option(null_mut(), b, null()), INVAL);
        let s = opt(MOSQ_OPT_SSL_CTX);
        assert_eq!(mosquitto_void_option(null_mut(), s, null_mut()), INVAL);
        assert_eq!(mosquitto_void_option(null_mut(), s, five_ptr), INVAL);
        assert_eq!(mosquitto_opts_set(null_mut(), v, five_ptr), INVAL);
        assert_eq!(mosquitto_opts_set(null_mut(), v, null_mut()), INVAL);
    }
}

#[test]
fn unknown_option_numbers_are_inval_everywhere() {
    let c = Client::new("opt-unknown");
    let mut one: c_int = 1;
    let one_ptr = (&mut one as *mut c_int).cast::<c_void>();
    for option in UNKNOWN_OPTIONS {
        c.check(&format!("int {option}"), c.int(option, 1), INVAL);
        c.check(&format!("int {option} 0"), c.int(option, 0), INVAL);
        c.check(
            &format!("string {option}"),
            c.string(option, Some("x")),
            INVAL,
        );
        c.check(
            &format!("string {option} NULL"),
            c.string(option, None),
            INVAL,
        );
        c.check(&format!("void {option}"), c.void(option, one_ptr), INVAL);
        c.check(
            &format!("void {option} NULL"),
            c.void(option, null_mut()),
            INVAL,
        );
        c.check(
            &format!("opts_set {option}"),
            c.opts_set(option, one_ptr),
            INVAL,
        );
    }
}

#[test]
fn options_given_to_the_wrong_setter_are_inval() {
    let c = Client::new("opt-wrong-setter");
    let mut one: c_int = 1;
    let one_ptr = (&mut one as *mut c_int).cast::<c_void>();
    // Not integer options.
    for option in [
        MOSQ_OPT_SSL_CTX,
        MOSQ_OPT_TLS_KEYFORM,
        MOSQ_OPT_TLS_ENGINE,
        MOSQ_OPT_TLS_ENGINE_KPASS_SHA1,
        MOSQ_OPT_TLS_ALPN,
        MOSQ_OPT_BIND_ADDRESS,
    ] {
        c.check(&format!("int {option:?}"), c.int(opt(option), 1), INVAL);
    }
    // Not string options.
    for option in [
        MOSQ_OPT_PROTOCOL_VERSION,
        MOSQ_OPT_SSL_CTX,
        MOSQ_OPT_SSL_CTX_WITH_DEFAULTS,
        MOSQ_OPT_RECEIVE_MAXIMUM,
        MOSQ_OPT_SEND_MAXIMUM,
        MOSQ_OPT_TLS_OCSP_REQUIRED,
        MOSQ_OPT_TCP_NODELAY,
        MOSQ_OPT_TLS_USE_OS_CERTS,
    ] {
        c.check(
            &format!("string {option:?}"),
            c.string(opt(option), Some("5")),
            INVAL,
        );
    }
    // Not pointer options: everything but SSL_CTX.
    for n in 1..=13 {
        if n != opt(MOSQ_OPT_SSL_CTX) {
            c.check(&format!("void {n}"), c.void(n, one_ptr), INVAL);
        }
    }
    // mosquitto_opts_set knows PROTOCOL_VERSION, SSL_CTX and SSL_CTX_WITH_DEFAULTS only.
    for n in 4..=13 {
        c.check(&format!("opts_set {n}"), c.opts_set(n, one_ptr), INVAL);
    }
}

// ---------------------------------------------------------------------------------------------
// MOSQ_OPT_PROTOCOL_VERSION

#[test]
fn protocol_version_accepts_3_4_5_only() {
    let c = Client::new("opt-version");
    let v = opt(MOSQ_OPT_PROTOCOL_VERSION);
    for version in [MQTT_PROTOCOL_V31, MQTT_PROTOCOL_V311, MQTT_PROTOCOL_V5] {
        c.check(&format!("version {version}"), c.int(v, version), SUCCESS);
    }
    for bad in [0, 1, 2, 6, 99, -1, c_int::MAX, c_int::MIN] {
        c.check(&format!("version {bad}"), c.int(v, bad), INVAL);
    }
}

#[test]
fn protocol_version_5_sends_an_mqtt_5_connect() {
    let c = Client::new("opt-v5");
    c.check(
        "version 5",
        c.int(opt(MOSQ_OPT_PROTOCOL_VERSION), MQTT_PROTOCOL_V5),
        SUCCESS,
    );
    let seen = connect_seen(&c);
    assert_eq!(seen.protocol_name, b"MQTT");
    assert_eq!(seen.level, 5);
    assert_eq!(seen.client_id, b"opt-v5");
}

#[test]
fn default_protocol_is_3_1_1() {
    let c = Client::new("opt-default");
    let seen = connect_seen(&c);
    assert_eq!(seen.protocol_name, b"MQTT");
    assert_eq!(seen.level, 4);
}

#[test]
fn the_last_protocol_version_set_wins() {
    let c = Client::new("opt-v5-then-311");
    let v = opt(MOSQ_OPT_PROTOCOL_VERSION);
    c.check("version 5", c.int(v, MQTT_PROTOCOL_V5), SUCCESS);
    c.check("version 99", c.int(v, 99), INVAL);
    c.check("version 3.1.1", c.int(v, MQTT_PROTOCOL_V311), SUCCESS);
    let seen = connect_seen(&c);
    assert_eq!(seen.level, 4);
}

/// MQTT 3.1 limits client ids to 23 bytes; like libmosquitto 2.0.11, Culex sends a longer one
/// as it is and leaves the decision to the broker.
#[test]
fn protocol_version_3_1_sends_mqisdp_even_with_a_long_id() {
    let id = "abcdefghijklmnopqrstuvwxyz0123";
    assert!(id.len() > MOSQ_MQTT_ID_MAX_LENGTH as usize);
    let c = Client::new(id);
    c.check(
        "version 3.1",
        c.int(opt(MOSQ_OPT_PROTOCOL_VERSION), MQTT_PROTOCOL_V31),
        SUCCESS,
    );
    let seen = connect_seen(&c);
    assert_eq!(seen.protocol_name, b"MQIsdp");
    assert_eq!(seen.level, 3);
    assert_eq!(seen.client_id, id.as_bytes());
}

#[test]
fn opts_set_protocol_version_reads_an_int() {
    let c = Client::new("opt-opts-set");
    let v = opt(MOSQ_OPT_PROTOCOL_VERSION);
    let value = std::cell::Cell::new(99 as c_int);
    let ptr = value.as_ptr().cast::<c_void>();
    c.check("opts_set version 99", c.opts_set(v, ptr), INVAL);
    c.check("opts_set version NULL", c.opts_set(v, null_mut()), INVAL);
    value.set(MQTT_PROTOCOL_V5);
    c.check("opts_set version 5", c.opts_set(v, ptr), SUCCESS);
    let seen = connect_seen(&c);
    assert_eq!(seen.level, 5);
}

// ---------------------------------------------------------------------------------------------
// MOSQ_OPT_RECEIVE_MAXIMUM / MOSQ_OPT_SEND_MAXIMUM

#[test]
fn maximums_accept_0_to_65535() {
    let c = Client::new("opt-maximums");
    for option in [MOSQ_OPT_RECEIVE_MAXIMUM, MOSQ_OPT_SEND_MAXIMUM] {
        for good in [0, 1, 20, 1000, 65535] {
            c.check(
                &format!("{option:?} {good}"),
                c.int(opt(option), good),
                SUCCESS,
            );
        }
        for bad in OUT_OF_RANGE {
            c.check(&format!("{option:?} {bad}"), c.int(opt(option), bad), INVAL);
        }
    }
}

#[test]
fn receive_maximum_goes_into_an_mqtt_5_connect_once() {
    let c = Client::new("opt-receive-max");
    let r = opt(MOSQ_OPT_RECEIVE_MAXIMUM);
    c.check(
        "version 5",
        c.int(opt(MOSQ_OPT_PROTOCOL_VERSION), 5),
        SUCCESS,
    );
    c.check("receive maximum 10", c.int(r, 10), SUCCESS);
    c.check("receive maximum 70000", c.int(r, 70000), INVAL);
    c.check("receive maximum 42", c.int(r, 42), SUCCESS);
    let seen = connect_seen(&c);
    assert_eq!(seen.level, 5);
    assert_eq!(receive_maximums(&seen.properties), vec![42]);
}

#[test]
fn receive_maximum_0_means_65535() {
    let c = Client::new("opt-receive-max-0");
    c.check(
        "version 5",
        c.int(opt(MOSQ_OPT_PROTOCOL_VERSION), 5),
        SUCCESS,
    );
    c.check(
        "receive maximum 0",
        c.int(opt(MOSQ_OPT_RECEIVE_MAXIMUM), 0),
        SUCCESS,
    );
    let seen = connect_seen(&c);
    assert_eq!(receive_maximums(&seen.properties), vec![65535]);
}

#[test]
fn receive_maximum_is_not_sent_by_mqtt_3_1_1() {
    let c = Client::new("opt-receive-max-311");
    c.check(
        "receive maximum 7",
        c.int(opt(MOSQ_OPT_RECEIVE_MAXIMUM), 7),
        SUCCESS,
    );
    let seen = connect_seen(&c);
    assert_eq!(seen.level, 4);
    assert!(seen.properties.is_empty());
}

#[test]
fn send_maximum_limits_qos1_messages_in_flight() {
    let c = Client::new("opt-send-max");
    c.check(
        "send maximum 1",
        c.int(opt(MOSQ_OPT_SEND_MAXIMUM), 1),
        SUCCESS,
    );
    let fake = FakeBroker::bind();
    let port = fake.port();
    let (tx, rx) = mpsc::channel::<&'static str>();
    let script = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        conn.expect_packet(CONNECT);
        conn.send_connack(false, 0);
        let first = conn.expect_packet(PUBLISH);
        // With a window of one, the second message waits for the first PUBACK.
        let early = conn.read_packet_timeout(Duration::from_millis(300));
        assert!(
            matches!(&early, Err(e) if e.kind() == std::io::ErrorKind::TimedOut),
            "a second PUBLISH went out before PUBACK: {early:?}"
        );
        let id = first.packet_id_after_topic();
        conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]);
        let second = conn.expect_packet(PUBLISH);
        let id = second.packet_id_after_topic();
        conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]);
        tx.send("done").unwrap();
    });
    assert_eq!(c.connect(port), SUCCESS);
    // Connected at the TCP level: both are accepted now and wait for CONNACK.
    assert_eq!(c.publish_qos1(c"a/1"), SUCCESS);
    assert_eq!(c.publish_qos1(c"a/2"), SUCCESS);
    c.drive_until(|| rx.try_recv().is_ok());
    script.join();
}

/// The packet identifier of a QoS 1/2 PUBLISH (it follows the topic).
trait PublishId {
    fn packet_id_after_topic(&self) -> u16;
}

impl PublishId for Packet {
    fn packet_id_after_topic(&self) -> u16 {
        let body = self.body();
        let at = 2 + usize::from(u16::from_be_bytes([body[0], body[1]]));
        u16::from_be_bytes([body[at], body[at + 1]])
    }
}

// ---------------------------------------------------------------------------------------------
// MOSQ_OPT_TCP_NODELAY

fn nodelay(fd: c_int) -> bool {
    let mut on: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: a socket fd and an out-buffer of the stated length.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&mut on as *mut c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "getsockopt TCP_NODELAY");
    on != 0
}

#[test]
fn tcp_nodelay_takes_any_int_as_a_flag() {
    let c = Client::new("opt-nodelay-values");
    let n = opt(MOSQ_OPT_TCP_NODELAY);
    for value in [0, 1, 2, -1, c_int::MAX] {
        c.check(&format!("nodelay {value}"), c.int(n, value), SUCCESS);
    }
}

#[test]
fn tcp_nodelay_reaches_the_socket() {
    let c = Client::new("opt-nodelay");
    let n = opt(MOSQ_OPT_TCP_NODELAY);
    c.check("nodelay 1", c.int(n, 1), SUCCESS);
    let fake = FakeBroker::bind();
    let port = fake.port();
    let (tx, rx) = mpsc::channel::<()>();
    let script = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        conn.expect_packet(CONNECT);
        let _ = rx.recv_timeout(DEFAULT_TIMEOUT);
    });
    assert_eq!(c.connect(port), SUCCESS);
    // SAFETY: valid handle.
    let fd = unsafe { mosquitto_socket(c.mosq) };
    assert!(fd >= 0, "no socket after connect");
    assert!(
        nodelay(fd),
        "TCP_NODELAY set before connect is not on the socket"
    );
    // Changing it on an open connection applies at once.
    c.check("nodelay 0", c.int(n, 0), SUCCESS);
    assert!(!nodelay(fd), "TCP_NODELAY 0 did not reach the open socket");
    c.check("nodelay 1", c.int(n, 1), SUCCESS);
    assert!(nodelay(fd), "TCP_NODELAY 1 did not reach the open socket");
    tx.send(()).unwrap();
    script.join();
}

// ---------------------------------------------------------------------------------------------
// TLS options (their effect on connections is tested in tests/interop_tls.rs).

#[test]
fn tls_options_take_valid_values_and_refuse_others() {
    let c = Client::new("opt-tls");
    for option in [
        MOSQ_OPT_SSL_CTX_WITH_DEFAULTS,
        MOSQ_OPT_TLS_OCSP_REQUIRED,
        MOSQ_OPT_TLS_USE_OS_CERTS,
    ] {
        for value in [1, 0] {
            c.check(
                &format!("int {option:?} {value}"),
                c.int(opt(option), value),
                SUCCESS,
            );
        }
    }
    let keyform = opt(MOSQ_OPT_TLS_KEYFORM);
    c.check("keyform pem", c.string(keyform, Some("pem")), SUCCESS);
    c.check("keyform engine", c.string(keyform, Some("engine")), SUCCESS);
    c.check("keyform der", c.string(keyform, Some("der")), INVAL);
    c.check("keyform pem again", c.string(keyform, Some("pem")), SUCCESS);
    let engine = opt(MOSQ_OPT_TLS_ENGINE);
    c.check(
        "engine unknown",
        c.string(engine, Some("no-such-engine")),
        INVAL,
    );
    // Debian's OpenSSL offers the "dynamic" engine loader.
    c.check("engine dynamic", c.string(engine, Some("dynamic")), SUCCESS);
    let sha1 = opt(MOSQ_OPT_TLS_ENGINE_KPASS_SHA1);
    c.check("kpass short", c.string(sha1, Some("abc")), INVAL);
    c.check(
        "kpass 40 hex",
        c.string(sha1, Some("0123456789abcdef0123456789abcdef01234567")),
        SUCCESS,
    );
    let alpn = opt(MOSQ_OPT_TLS_ALPN);
    c.check("alpn mqtt", c.string(alpn, Some("mqtt")), SUCCESS);
    c.check("alpn empty", c.string(alpn, Some("")), INVAL);
    c.check(
        "alpn 256 bytes",
        c.string(alpn, Some(&"x".repeat(256))),
        INVAL,
    );
    for option in [keyform, engine, sha1, alpn] {
        c.check(
            &format!("string {option} NULL"),
            c.string(option, None),
            INVAL,
        );
    }
    let ctx = openssl::ssl::SslContext::builder(openssl::ssl::SslMethod::tls_client())
        .unwrap()
        .build();
    let raw = {
        use foreign_types::ForeignType;
        ctx.as_ptr().cast::<c_void>()
    };
    let s = opt(MOSQ_OPT_SSL_CTX);
    c.check("void SSL_CTX", c.void(s, raw), SUCCESS);
    c.check("void SSL_CTX NULL", c.void(s, null_mut()), INVAL);
    c.check("opts_set SSL_CTX", c.opts_set(s, raw), SUCCESS);
    c.check("opts_set SSL_CTX NULL", c.opts_set(s, null_mut()), INVAL);
    let mut one: c_int = 1;
    let one_ptr = (&mut one as *mut c_int).cast::<c_void>();
    let d = opt(MOSQ_OPT_SSL_CTX_WITH_DEFAULTS);
    c.check(
        "opts_set SSL_CTX_WITH_DEFAULTS",
        c.opts_set(d, one_ptr),
        SUCCESS,
    );
    c.check(
        "opts_set SSL_CTX_WITH_DEFAULTS NULL",
        c.opts_set(d, null_mut()),
        INVAL,
    );
    // The handle holds its own reference: dropping ours first is fine.
    drop(ctx);
}

#[test]
fn bind_address_is_used_by_connects_without_their_own() {
    let c = Client::new("opt-bind");
    let b = opt(MOSQ_OPT_BIND_ADDRESS);
    c.check(
        "bind to an address no interface has",
        c.string(b, Some("192.0.2.1")),
        SUCCESS,
    );
    c.check("bind NULL clears it", c.string(b, None), SUCCESS);
    c.check("bind empty clears it", c.string(b, Some("")), SUCCESS);
    // 127.0.0.2 is a loopback address too: the broker must see the connection come from it.
    c.check("bind 127.0.0.2", c.string(b, Some("127.0.0.2")), SUCCESS);
    let fake = FakeBroker::bind();
    let port = fake.port();
    let (tx, rx) = mpsc::channel();
    let script = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        let peer = conn.stream().peer_addr().unwrap();
        let _ = conn.read_packet();
        tx.send(peer).unwrap();
    });
    assert_eq!(c.connect(port), SUCCESS);
    let mut peer = None;
    c.drive_until(|| {
        peer = rx.try_recv().ok();
        peer.is_some()
    });
    script.join();
    assert_eq!(peer.unwrap().ip().to_string(), "127.0.0.2");
}

// ---------------------------------------------------------------------------------------------
// mosquitto_reason_string

fn reason(code: c_int) -> (&'static str, *const c_char) {
    // SAFETY: any value may be passed; the result is a static NUL-terminated string.
    let ptr = unsafe { mosquitto_reason_string(code) };
    assert!(!ptr.is_null(), "reason string {code} is NULL");
    // SAFETY: non-NULL, static, NUL-terminated.
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().expect("UTF-8");
    (text, ptr)
}

/// Every value of `enum mqtt5_return_codes`.
const ALL_REASON_CODES: [mqtt5_return_codes; 43] = {
    use mqtt5_return_codes::*;
    [
        MQTT_RC_SUCCESS,
        MQTT_RC_GRANTED_QOS1,
        MQTT_RC_GRANTED_QOS2,
        MQTT_RC_DISCONNECT_WITH_WILL_MSG,
        MQTT_RC_NO_MATCHING_SUBSCRIBERS,
        MQTT_RC_NO_SUBSCRIPTION_EXISTED,
        MQTT_RC_CONTINUE_AUTHENTICATION,
        MQTT_RC_REAUTHENTICATE,
        MQTT_RC_UNSPECIFIED,
        MQTT_RC_MALFORMED_PACKET,
        MQTT_RC_PROTOCOL_ERROR,
        MQTT_RC_IMPLEMENTATION_SPECIFIC,
        MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION,
        MQTT_RC_CLIENTID_NOT_VALID,
        MQTT_RC_BAD_USERNAME_OR_PASSWORD,
        MQTT_RC_NOT_AUTHORIZED,
        MQTT_RC_SERVER_UNAVAILABLE,
        MQTT_RC_SERVER_BUSY,
        MQTT_RC_BANNED,
        MQTT_RC_SERVER_SHUTTING_DOWN,
        MQTT_RC_BAD_AUTHENTICATION_METHOD,
        MQTT_RC_KEEP_ALIVE_TIMEOUT,
        MQTT_RC_SESSION_TAKEN_OVER,
        MQTT_RC_TOPIC_FILTER_INVALID,
        MQTT_RC_TOPIC_NAME_INVALID,
        MQTT_RC_PACKET_ID_IN_USE,
        MQTT_RC_PACKET_ID_NOT_FOUND,
        MQTT_RC_RECEIVE_MAXIMUM_EXCEEDED,
        MQTT_RC_TOPIC_ALIAS_INVALID,
        MQTT_RC_PACKET_TOO_LARGE,
        MQTT_RC_MESSAGE_RATE_TOO_HIGH,
        MQTT_RC_QUOTA_EXCEEDED,
        MQTT_RC_ADMINISTRATIVE_ACTION,
        MQTT_RC_PAYLOAD_FORMAT_INVALID,
        MQTT_RC_RETAIN_NOT_SUPPORTED,
        MQTT_RC_QOS_NOT_SUPPORTED,
        MQTT_RC_USE_ANOTHER_SERVER,
        MQTT_RC_SERVER_MOVED,
        MQTT_RC_SHARED_SUBS_NOT_SUPPORTED,
        MQTT_RC_CONNECTION_RATE_EXCEEDED,
        MQTT_RC_MAXIMUM_CONNECT_TIME,
        MQTT_RC_SUBSCRIPTION_IDS_NOT_SUPPORTED,
        MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED,
    ]
};

#[test]
fn every_reason_code_has_its_own_text() {
    let mut texts = std::collections::HashSet::new();
    for code in ALL_REASON_CODES {
        let (text, _) = reason(code as c_int);
        assert_ne!(text, "Unknown reason", "{code:?}");
        assert!(texts.insert(text), "{code:?} shares its text {text:?}");
        // The same names as the protocol layer uses in its log lines.
        assert_eq!(text, ReasonCode(code as u8).description(), "{code:?}");
    }
}

#[test]
fn other_numbers_are_unknown_reasons() {
    let known: Vec<c_int> = ALL_REASON_CODES.iter().map(|c| *c as c_int).collect();
    let (_, unknown_ptr) = reason(3);
    for code in (-300..600).chain([c_int::MIN, c_int::MAX, 256 + 0x80]) {
        let (text, ptr) = reason(code);
        if known.contains(&code) {
            continue;
        }
        assert_eq!(text, "Unknown reason", "code {code}");
        assert_eq!(
            ptr, unknown_ptr,
            "code {code}: the text must be one static string"
        );
    }
}

#[test]
fn reason_strings_are_static() {
    for code in ALL_REASON_CODES {
        let (_, first) = reason(code as c_int);
        let (_, again) = reason(code as c_int);
        assert_eq!(first, again, "{code:?}");
    }
}
