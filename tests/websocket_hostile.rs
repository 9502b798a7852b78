//! MQTT over WebSockets against a scripted WebSocket server written here, for what a real broker
//! will not do on demand: the exact request the client sends (path, header fields, key, masked
//! frames), MQTT packets split across frames and several in one frame, pings, and every hostile
//! answer: a bad `Sec-WebSocket-Accept`, a wrong or missing subprotocol, a refusal status, a
//! frame length of 2^63, reserved bits, a masked or text frame, a close in the middle of an MQTT
//! packet. Each hostile case must end the connection cleanly (no CONNACK taken, or
//! `on_disconnect` with the error), with a log line giving the reason, and the server gets a
//! close frame with the matching status code where one is due.

// These tests drive the C API, where every call is unsafe by nature and its contract is the
// test's own; the crate's unsafe_op_in_unsafe_fn / undocumented_unsafe_blocks rules are for src/.
#![allow(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod common;

use std::ffi::CString;
use std::time::Instant;

use common::client::{Client, Ev, MOSQ_ERR_CONN_LOST, MOSQ_ERR_PROTOCOL};
use common::fake_broker::{
    packet, parse_fixed_header, publish_v311, FakeBroker, FakeConnection, CONNECT, SUBSCRIBE,
};
use common::{unique, PROMPT};
use culex::ffi::culex::{culex_transport_set, culex_ws_set_options};

const WS: i32 = 1;

/// A frame from the server: `first` byte (FIN, RSV, opcode), the payload, unmasked.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![first];
    let len = payload.len();
    if len < 126 {
        f.push(len as u8);
    } else if len <= 0xffff {
        f.push(126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

fn binary(payload: &[u8]) -> Vec<u8> {
    frame(0x82, payload)
}

/// A frame from the client, unmasked: (first byte, payload).
fn read_client_frame(conn: &mut FakeConnection) -> (u8, Vec<u8>) {
    let head = conn.read_bytes(2);
    assert_ne!(head[1] & 0x80, 0, "a client frame must be masked");
    let len = match head[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes(conn.read_bytes(2).try_into().unwrap())),
        127 => u64::from_be_bytes(conn.read_bytes(8).try_into().unwrap()),
        n => u64::from(n),
    };
    let key = conn.read_bytes(4);
    let mut payload = conn.read_bytes(len as usize);
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= key[i % 4];
    }
    (head[0], payload)
}

/// The client's MQTT bytes from its binary frames until one whole packet is in.
fn read_mqtt_packet(conn: &mut FakeConnection, carry: &mut Vec<u8>) -> Vec<u8> {
    loop {
        if let Some((header, remaining)) = parse_fixed_header(carry).unwrap() {
            if carry.len() >= header + remaining {
                let rest = carry.split_off(header + remaining);
                return std::mem::replace(carry, rest);
            }
        }
        let (first, payload) = read_client_frame(conn);
        assert_eq!(first, 0x82, "MQTT travels in binary frames, FIN set");
        carry.extend_from_slice(&payload);
    }
}

/// The request head, byte by byte.
fn read_request(conn: &mut FakeConnection) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.extend(conn.read_bytes(1));
    }
    String::from_utf8(head).unwrap()
}

fn field<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    request.split("\r\n").skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn accept_for(key: &str) -> String {
    let digest =
        openssl::sha::sha1(format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes());
    openssl::base64::encode_block(&digest)
}

/// The usual good answer to `request`, with `protocol_line` ("" for none).
fn upgrade_answer(request: &str, accept: Option<&str>, protocol_line: &str) -> String {
    let key = field(request, "Sec-WebSocket-Key").expect("a key");
    let accept = accept.map_or_else(|| accept_for(key), str::to_owned);
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n{protocol_line}\r\n"
    )
}

const MQTT: &str = "Sec-WebSocket-Protocol: mqtt\r\n";

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A client on WebSockets with on_log recorded.
fn ws_client(tag: &str) -> Client {
    let client = Client::new(Some(&unique(tag)), true);
    client.enable_log(true);
    assert_eq!(unsafe { culex_transport_set(client.mosq, WS) }, 0);
    client
}

fn logs(c: &Client) -> Vec<String> {
    c.events()
        .snapshot()
        .into_iter()
        .filter_map(|e| match e {
            Ev::Log(_, line) => Some(line),
            _ => None,
        })
        .collect()
}

fn logged(c: &Client, needle: &str) -> bool {
    c.events().wait_until(PROMPT, |evs| {
        evs.iter()
            .any(|e| matches!(e, Ev::Log(_, l) if l.contains(needle)))
    })
}

/// `mosquitto_loop` until it returns an error (the first one), within the deadline.
fn loop_until_error(c: &Client) -> Option<i32> {
    let deadline = Instant::now() + PROMPT;
    while Instant::now() < deadline {
        let rc = c.loop_once(50);
        if rc != 0 {
            return Some(rc);
        }
    }
    None
}

/// A handshake the server answers with `answer(request)`: the client's loop must refuse it with
/// MOSQ_ERR_PROTOCOL, log `reason`, and never send MQTT.
fn refused_handshake(answer: impl FnOnce(&str) -> String + Send + 'static, reason: &str) {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let script = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        let request = read_request(&mut conn);
        conn.write(answer(&request).as_bytes());
        // No MQTT byte may follow: the client closes.
        conn.expect_closed();
    });
    let client = ws_client("ws-refused");
    // The answer may already be there when connect's own try at the upgrade reads: refused by
    // the connect call then, else by the loop.
    let refused = match client.connect(port, 30) {
        0 => loop_until_error(&client),
        rc => Some(rc),
    };
    assert_eq!(refused, Some(MOSQ_ERR_PROTOCOL), "{reason}");
    assert!(logged(&client, reason), "{reason}: {:?}", logs(&client));
    assert!(!client
        .events()
        .snapshot()
        .iter()
        .any(|e| matches!(e, Ev::Connect(_))));
    script.join();
}

#[test]
fn a_bad_accept_key_is_refused() {
    refused_handshake(
        |r| upgrade_answer(r, Some("dGhpcyBpcyBub3QgaXQ="), MQTT),
        "does not answer our key",
    );
}

#[test]
fn a_wrong_or_missing_subprotocol_is_refused() {
    refused_handshake(
        |r| upgrade_answer(r, None, "Sec-WebSocket-Protocol: mqttv3.1\r\n"),
        "selected the subprotocol \"mqttv3.1\"",
    );
    refused_handshake(|r| upgrade_answer(r, None, ""), "selected no subprotocol");
}

#[test]
fn a_refusal_status_and_an_oversize_head_are_refused() {
    refused_handshake(
        |_| "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into(),
        "answered 404 Not Found instead of 101",
    );
    refused_handshake(
        |_| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nX: {}\r\n\r\n",
                "a".repeat(9000)
            )
        },
        "head over 8192 bytes",
    );
}

/// Accept the upgrade (after checking the request), take CONNECT and answer CONNACK split over
/// two frames; returns the connection and what is left of the client's MQTT bytes.
fn upgraded(conn: &mut FakeConnection, path: &str) -> Vec<u8> {
    let request = read_request(conn);
    assert!(
        request.starts_with(&format!("GET {path} HTTP/1.1\r\n")),
        "{request}"
    );
    assert_eq!(field(&request, "Upgrade"), Some("websocket"));
    assert_eq!(field(&request, "Sec-WebSocket-Version"), Some("13"));
    assert_eq!(field(&request, "Sec-WebSocket-Protocol"), Some("mqtt"));
    conn.write(upgrade_answer(&request, None, MQTT).as_bytes());
    let mut carry = Vec::new();
    let connect = read_mqtt_packet(conn, &mut carry);
    assert_eq!(connect[0] >> 4, CONNECT);
    // CONNACK in two frames.
    let mut frames = binary(&[0x20]);
    frames.extend(binary(&[0x02, 0x00, 0x00]));
    conn.write(&frames);
    carry
}

/// A client connected through the scripted server running `script` after the upgrade; returns
/// the client (driven by its own thread) once CONNACK arrived.
fn connected_client(
    script: impl FnOnce(&mut FakeConnection, Vec<u8>) + Send + 'static,
) -> (Client, common::fake_broker::FakeBrokerThread<()>) {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let thread = fake.spawn(move |fake| {
        let mut conn = fake.accept();
        let carry = upgraded(&mut conn, "/mqtt");
        script(&mut conn, carry);
    });
    let client = ws_client("ws-script");
    assert_eq!(client.loop_start(), 0);
    assert_eq!(client.connect_async(port, 30), 0);
    assert_eq!(client.wait_connect(PROMPT), Some(0), "{:?}", logs(&client));
    (client, thread)
}

#[test]
fn packets_split_across_frames_several_in_one_frame_pings_answered() {
    let (client, script) = connected_client(|conn, mut carry| {
        let subscribe = read_mqtt_packet(conn, &mut carry);
        assert_eq!(subscribe[0] >> 4, SUBSCRIBE);
        let id = [subscribe[2], subscribe[3]];
        // SUBACK split in the middle, a ping between its halves, then two PUBLISH in one frame
        // and one PUBLISH spread over three frames of a fragmented message.
        let suback = packet(0x90, &[id[0], id[1], 0]);
        let mut bytes = binary(&suback[..2]);
        bytes.extend(frame(0x89, b"are you there"));
        bytes.extend(binary(&suback[2..]));
        let mut two = publish_v311("ws/a", 0, false, 0, b"one");
        two.extend(publish_v311("ws/a", 0, false, 0, b"two"));
        bytes.extend(binary(&two));
        let big = publish_v311("ws/a", 0, false, 0, &[7u8; 70_000]);
        bytes.extend(frame(0x02, &big[..10]));
        bytes.extend(frame(0x00, &big[10..40_000]));
        bytes.extend(frame(0x80, &big[40_000..]));
        conn.write(&bytes);
        let (first, payload) = read_client_frame(conn);
        assert_eq!(
            (first, payload.as_slice()),
            (0x8A, &b"are you there"[..]),
            "a pong"
        );
    });
    let mid = client.subscribe("ws/#", 0).unwrap();
    assert_eq!(client.wait_suback(mid, PROMPT), Some(vec![0]));
    assert!(
        client
            .events()
            .wait_until(PROMPT, |evs| { common::client::messages(evs).len() == 3 }),
        "{:?}",
        client.messages()
    );
    let got: Vec<Vec<u8>> = client.messages().into_iter().map(|m| m.payload).collect();
    assert_eq!(got[..2], [b"one".to_vec(), b"two".to_vec()]);
    assert_eq!(got[2], vec![7u8; 70_000]);
    script.join();
    assert_eq!(client.loop_stop(true), 0);
}

/// After CONNACK the server sends `bytes`; the client must end the connection with
/// `on_disconnect(rc)`, log `reason`, and (when `close_code` is given) send a close frame with
/// that status.
fn hostile_frame(bytes: Vec<u8>, rc: i32, reason: &str, close_code: Option<u16>) {
    let (client, script) = connected_client(move |conn, _| {
        conn.write(&bytes);
        if let Some(code) = close_code {
            let (first, payload) = read_client_frame(conn);
            assert_eq!(first, 0x88, "a close frame");
            assert_eq!(payload[..2], code.to_be_bytes(), "close status");
        }
        conn.expect_closed();
    });
    assert_eq!(
        client.wait_disconnect(PROMPT),
        Some(rc),
        "{reason}: {:?}",
        logs(&client)
    );
    assert!(logged(&client, reason), "{reason}: {:?}", logs(&client));
    script.join();
    assert_eq!(client.loop_stop(true), 0);
}

#[test]
fn a_frame_length_of_2_to_the_63_ends_the_connection() {
    let mut bytes = vec![0x82, 127];
    bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
    hostile_frame(
        bytes,
        MOSQ_ERR_PROTOCOL,
        "a frame length of 2^63",
        Some(1002),
    );
}

#[test]
fn an_oversize_frame_length_ends_the_connection() {
    let mut bytes = vec![0x82, 127];
    bytes.extend_from_slice(&(1u64 << 40).to_be_bytes());
    hostile_frame(
        bytes,
        MOSQ_ERR_PROTOCOL,
        "a frame of 1099511627776 bytes",
        Some(1009),
    );
}

#[test]
fn reserved_bits_end_the_connection() {
    hostile_frame(
        frame(0xC2, b"x"),
        MOSQ_ERR_PROTOCOL,
        "reserved bits",
        Some(1002),
    );
}

#[test]
fn masked_and_text_frames_end_the_connection() {
    hostile_frame(
        vec![0x82, 0x81, 1, 2, 3, 4, 0x31],
        MOSQ_ERR_PROTOCOL,
        "a masked frame",
        Some(1002),
    );
    hostile_frame(
        frame(0x81, b"{}"),
        MOSQ_ERR_PROTOCOL,
        "a text frame",
        Some(1003),
    );
}

#[test]
fn a_close_in_the_middle_of_a_packet_ends_the_connection() {
    let publish = publish_v311("ws/half", 1, false, 9, b"never finished");
    let mut bytes = binary(&publish[..8]);
    let mut close = 1001u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"going away");
    bytes.extend(frame(0x88, &close));
    // The client answers the close with the same status.
    hostile_frame(
        bytes,
        MOSQ_ERR_CONN_LOST,
        "status 1001: going away",
        Some(1001),
    );
}

#[test]
fn the_path_and_extra_header_fields_are_sent() {
    let fake = FakeBroker::bind();
    let port = fake.port();
    let script = fake.spawn(|fake| {
        let mut conn = fake.accept();
        let request = read_request(&mut conn);
        assert!(
            request.starts_with("GET /ws/mqtt?tenant=7 HTTP/1.1\r\n"),
            "{request}"
        );
        assert_eq!(field(&request, "Host"), Some("mqtt.example"));
        assert_eq!(field(&request, "Authorization"), Some("Bearer 3q2+7w=="));
        assert_eq!(field(&request, "X-Empty"), Some(""));
        conn.write(upgrade_answer(&request, None, MQTT).as_bytes());
        let mut carry = Vec::new();
        assert_eq!(read_mqtt_packet(&mut conn, &mut carry)[0] >> 4, CONNECT);
        conn.write(&binary(&[0x20, 0x02, 0x00, 0x00]));
        // The client's DISCONNECT, then its close frame (normal closure).
        assert_eq!(read_mqtt_packet(&mut conn, &mut carry), [0xE0, 0x00]);
        let (first, payload) = read_client_frame(&mut conn);
        assert_eq!((first, payload), (0x88, 1000u16.to_be_bytes().to_vec()));
    });
    let client = ws_client("ws-options");
    let headers = [
        c("Authorization: Bearer 3q2+7w=="),
        c("Host: mqtt.example"),
        c("X-Empty:"),
    ];
    let mut ptrs: Vec<*const std::os::raw::c_char> = headers.iter().map(|h| h.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let path = c("/ws/mqtt?tenant=7");
    assert_eq!(
        unsafe { culex_ws_set_options(client.mosq, path.as_ptr(), ptrs.as_ptr()) },
        0
    );
    assert_eq!(client.loop_start(), 0);
    assert_eq!(client.connect_async(port, 30), 0);
    assert_eq!(client.wait_connect(PROMPT), Some(0), "{:?}", logs(&client));
    assert_eq!(client.disconnect(), 0);
    assert_eq!(client.wait_disconnect(PROMPT), Some(0));
    script.join();
    assert_eq!(client.loop_stop(false), 0);
}
