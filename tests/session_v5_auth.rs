//! Session in MQTT 5: enhanced authentication (AUTH 0x18 rounds at CONNECT, re-authentication
//! with AUTH 0x19 ending in AUTH 0x00) and its protocol errors.

mod common_session;

use std::time::Duration;

use common_session::*;
use culex::protocol::{
    Auth, ConnAck, Packet, Properties, Property, PropertyId, PropertyValue, ProtocolVersion, QoS,
};
use culex::session::{Credentials, Event, SessionConfig, State};
use culex::Error;

const CONTINUE: u8 = 0x18;
const REAUTHENTICATE: u8 = 0x19;

fn v5_auth(method: Option<&str>) -> SessionConfig {
    SessionConfig {
        protocol: ProtocolVersion::V5,
        credentials: Some(Box::new(Credentials {
            auth_method: method.map(str::to_owned),
            auth_data: Some(b"client-first".to_vec()),
            ..Credentials::default()
        })),
        ..config(20)
    }
}

/// AUTH as the broker sends it.
fn auth(reason_code: u8, method: Option<&str>, data: Option<&[u8]>) -> Packet {
    let mut properties = Properties::new();
    if let Some(m) = method {
        properties.add(
            PropertyId::AuthenticationMethod,
            PropertyValue::Utf8String(m.into()),
        );
    }
    if let Some(d) = data {
        properties.add(
            PropertyId::AuthenticationData,
            PropertyValue::BinaryData(d.to_vec()),
        );
    }
    Packet::Auth(Auth {
        reason_code,
        properties,
    })
}

fn auth_event(reason_code: u8, data: Option<&[u8]>, properties: Properties) -> Event {
    Event::Auth {
        reason_code,
        method: "SCRAM".into(),
        data: data.map(<[u8]>::to_vec),
        properties,
    }
}

/// Open and send CONNECT; returns it.
fn opened(config: SessionConfig) -> (Harness, Packet) {
    let mut h = Harness::new(config);
    h.session.open();
    h.session.transport_ready(h.now);
    let mut sent = h.sent();
    assert_eq!(sent.len(), 1);
    (h, sent.remove(0))
}

fn connack_ok() -> Packet {
    let mut properties = Properties::new();
    properties.add(
        PropertyId::AuthenticationMethod,
        PropertyValue::Utf8String("SCRAM".into()),
    );
    Packet::ConnAck(ConnAck {
        session_present: false,
        reason_code: 0,
        properties,
    })
}

fn connected_with_method() -> Harness {
    let (mut h, _) = opened(v5_auth(Some("SCRAM")));
    h.feed(connack_ok()).unwrap();
    assert!(matches!(
        h.events()[..],
        [Event::ConnAck { reason_code: 0, .. }]
    ));
    h
}

fn disconnect_reasons(h: &mut Harness) -> Vec<u8> {
    h.sent()
        .into_iter()
        .filter_map(|p| match p {
            Packet::Disconnect(d) => Some(d.reason_code),
            _ => None,
        })
        .collect()
}

#[test]
fn two_round_exchange_at_connect() {
    let (mut h, connect) = opened(v5_auth(Some("SCRAM")));
    let Packet::Connect(c) = connect else {
        panic!("{connect:?}")
    };
    assert_eq!(
        c.properties.get_str(PropertyId::AuthenticationMethod),
        Some("SCRAM")
    );
    assert_eq!(
        c.properties.get_binary(PropertyId::AuthenticationData),
        Some(&b"client-first"[..])
    );
    assert!(!h.session.auth_in_progress());

    // Round 1, late in the CONNACK window (keepalive 60).
    h.advance(Duration::from_secs(50));
    let mut extra = Properties::new();
    extra.push(Property::user("k", "v"));
    let Packet::Auth(mut first) = auth(CONTINUE, Some("SCRAM"), Some(b"server-first")) else {
        unreachable!()
    };
    first.properties.0.extend(extra.0.iter().cloned());
    h.feed(Packet::Auth(first)).unwrap();
    assert_eq!(
        h.events(),
        [auth_event(CONTINUE, Some(b"server-first"), extra)]
    );
    assert!(h.session.auth_in_progress());
    assert_eq!(h.sent(), vec![], "nothing until the application answers");
    h.session
        .auth_continue(Some(b"client-final".to_vec()), Properties::new())
        .unwrap();
    assert_eq!(
        h.sent(),
        [auth(CONTINUE, Some("SCRAM"), Some(b"client-final"))]
    );
    // Only one answer per AUTH from the broker.
    assert_eq!(
        h.session.auth_continue(None, Properties::new()),
        Err(Error::Protocol)
    );

    // Each round restarts the CONNACK timer: 100 s after CONNECT is still in time.
    h.advance(Duration::from_secs(50));
    assert_eq!(h.session.handle_timeout(h.now), Ok(()));
    h.feed(auth(CONTINUE, Some("SCRAM"), None)).unwrap();
    assert_eq!(h.events(), [auth_event(CONTINUE, None, Properties::new())]);
    h.session.auth_continue(None, Properties::new()).unwrap();
    assert_eq!(h.sent(), [auth(CONTINUE, Some("SCRAM"), None)]);

    // Packets issued meanwhile wait for CONNACK, which ends the exchange.
    pubq(&mut h, "t", QoS::AtMostOnce).unwrap();
    h.feed(connack_ok()).unwrap();
    assert!(matches!(
        h.events()[..],
        [Event::ConnAck { reason_code: 0, .. }]
    ));
    assert_eq!(h.session.state(), State::Connected);
    assert!(!h.session.auth_in_progress());
    assert_eq!(summary(&h.sent()), ["PUBLISH m0 q0 d0 t"]);
    assert_eq!(
        h.session.auth_continue(None, Properties::new()),
        Err(Error::Protocol)
    );
}

#[test]
fn connect_times_out_without_auth_rounds() {
    let (mut h, _) = opened(v5_auth(Some("SCRAM")));
    h.advance(Duration::from_secs(50));
    h.feed(auth(CONTINUE, Some("SCRAM"), None)).unwrap();
    h.advance(Duration::from_secs(60));
    assert_eq!(h.session.handle_timeout(h.now), Err(Error::Keepalive));
}

#[test]
fn refusal_after_auth_ends_the_exchange() {
    let (mut h, _) = opened(v5_auth(Some("SCRAM")));
    h.feed(auth(CONTINUE, Some("SCRAM"), None)).unwrap();
    assert_eq!(h.feed(connack(0x8C, false)), Err(Error::ConnRefused(0x8C)));
    assert!(!h.session.auth_in_progress());
    let events = h.events();
    assert!(matches!(
        events[..],
        [
            Event::Auth { .. },
            Event::ConnAck {
                reason_code: 0x8C,
                ..
            }
        ]
    ));
}

#[test]
fn reauthentication() {
    let mut h = connected_with_method();
    h.session
        .reauthenticate(Some(b"again".to_vec()), Properties::new())
        .unwrap();
    assert!(h.session.auth_in_progress());
    assert_eq!(
        h.sent(),
        [auth(REAUTHENTICATE, Some("SCRAM"), Some(b"again"))]
    );
    assert_eq!(
        h.session.reauthenticate(None, Properties::new()),
        Err(Error::Inval),
        "one exchange at a time"
    );
    // Other traffic goes on meanwhile.
    pub1(&mut h, "t");
    h.feed(auth(CONTINUE, Some("SCRAM"), Some(b"challenge")))
        .unwrap();
    assert_eq!(
        h.events(),
        [auth_event(CONTINUE, Some(b"challenge"), Properties::new())]
    );
    h.session
        .auth_continue(Some(b"response".to_vec()), Properties::new())
        .unwrap();
    assert_eq!(
        summary(&h.sent()),
        [
            "PUBLISH m1 q1 d0 t".to_owned(),
            format!("{:?}", auth(CONTINUE, Some("SCRAM"), Some(b"response")))
        ]
    );
    h.feed(auth(0x00, Some("SCRAM"), None)).unwrap();
    assert_eq!(h.events(), [auth_event(0x00, None, Properties::new())]);
    assert!(!h.session.auth_in_progress());
    assert_eq!(h.session.state(), State::Connected);
    // And again.
    h.session.reauthenticate(None, Properties::new()).unwrap();
    assert_eq!(h.sent(), [auth(REAUTHENTICATE, Some("SCRAM"), None)]);
}

#[test]
fn method_from_connect_properties_wins() {
    let mut connect_properties = Properties::new();
    connect_properties.add(
        PropertyId::AuthenticationMethod,
        PropertyValue::Utf8String("SCRAM".into()),
    );
    let (mut h, connect) = opened(SessionConfig {
        connect_properties,
        ..v5_auth(Some("OTHER"))
    });
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert_eq!(
        c.properties
            .get_all(PropertyId::AuthenticationMethod)
            .count(),
        1
    );
    assert_eq!(
        c.properties.get_str(PropertyId::AuthenticationMethod),
        Some("SCRAM")
    );
    assert!(!c.properties.contains(PropertyId::AuthenticationData));
    h.feed(auth(CONTINUE, Some("SCRAM"), None)).unwrap();
}

#[test]
fn auth_protocol_errors_end_the_connection_with_0x82() {
    type Case = (Option<&'static str>, bool, Packet);
    let cases: Vec<Case> = vec![
        // No method in CONNECT.
        (None, false, auth(CONTINUE, Some("SCRAM"), None)),
        (None, true, auth(CONTINUE, Some("SCRAM"), None)),
        // Another method, or none.
        (Some("SCRAM"), false, auth(CONTINUE, Some("PLAIN"), None)),
        (Some("SCRAM"), false, auth(CONTINUE, None, None)),
        (Some("SCRAM"), true, auth(CONTINUE, Some("PLAIN"), None)),
        // Success before CONNACK, and re-authenticate from the broker.
        (Some("SCRAM"), false, auth(0x00, Some("SCRAM"), None)),
        (
            Some("SCRAM"),
            false,
            auth(REAUTHENTICATE, Some("SCRAM"), None),
        ),
        // Continue or success while connected without a re-authentication.
        (Some("SCRAM"), true, auth(CONTINUE, Some("SCRAM"), None)),
        (Some("SCRAM"), true, auth(0x00, Some("SCRAM"), None)),
    ];
    for (method, connected, packet) in cases {
        let (mut h, _) = opened(v5_auth(method));
        if connected {
            h.feed(connack(0, false)).unwrap();
            h.events();
        }
        assert_eq!(h.feed(packet.clone()), Err(Error::Protocol), "{packet:?}");
        assert_eq!(h.session.state(), State::Offline);
        assert_eq!(disconnect_reasons(&mut h), [0x82], "{packet:?}");
        assert!(
            !h.events().iter().any(|e| matches!(e, Event::Auth { .. })),
            "{packet:?}"
        );
    }
}

#[test]
fn connack_with_another_method_is_a_protocol_error() {
    let (mut h, _) = opened(v5_auth(Some("PLAIN")));
    assert_eq!(h.feed(connack_ok()), Err(Error::Protocol));
    assert_eq!(disconnect_reasons(&mut h), [0x82]);
}

#[test]
fn auth_commands_refused_when_they_cannot_apply() {
    // No method in CONNECT.
    let (mut h, _) = opened(v5_auth(None));
    h.feed(connack(0, false)).unwrap();
    assert_eq!(
        h.session.reauthenticate(None, Properties::new()),
        Err(Error::Inval)
    );
    // Not connected.
    let mut h = Harness::new(v5_auth(Some("SCRAM")));
    assert_eq!(
        h.session.reauthenticate(None, Properties::new()),
        Err(Error::NoConn)
    );
    assert_eq!(
        h.session.auth_continue(None, Properties::new()),
        Err(Error::NoConn)
    );
    // Method or data among the properties, or properties AUTH cannot carry.
    let mut h = connected_with_method();
    for (id, value) in [
        (
            PropertyId::AuthenticationMethod,
            PropertyValue::Utf8String("X".into()),
        ),
        (
            PropertyId::AuthenticationData,
            PropertyValue::BinaryData(vec![1]),
        ),
        (PropertyId::MaximumQos, PropertyValue::Byte(1)),
    ] {
        let properties: Properties = [Property::new(id, value)].into_iter().collect();
        assert_eq!(
            h.session.reauthenticate(None, properties),
            Err(Error::Inval)
        );
    }
    assert_eq!(h.sent(), vec![]);
    // Before MQTT 5.
    let mut h = Harness::connected();
    assert_eq!(
        h.session.reauthenticate(None, Properties::new()),
        Err(Error::NotSupported)
    );
    assert_eq!(
        h.session.auth_continue(None, Properties::new()),
        Err(Error::NotSupported)
    );
}

#[test]
fn auth_method_is_not_sent_before_mqtt_5() {
    let (_, connect) = opened(SessionConfig {
        protocol: ProtocolVersion::V311,
        ..v5_auth(Some("SCRAM"))
    });
    let Packet::Connect(c) = connect else {
        panic!()
    };
    assert!(c.properties.is_empty());
}

#[test]
fn reauthentication_resets_with_the_connection() {
    let mut h = connected_with_method();
    h.session.reauthenticate(None, Properties::new()).unwrap();
    h.sent();
    h.session.connection_lost();
    assert!(!h.session.auth_in_progress());
    h.session.open();
    h.session.transport_ready(h.now);
    h.sent();
    h.feed(connack_ok()).unwrap();
    h.events();
    // A late AUTH 0x00 from the old exchange is not expected on the new connection.
    assert_eq!(
        h.feed(auth(0x00, Some("SCRAM"), None)),
        Err(Error::Protocol)
    );
}
