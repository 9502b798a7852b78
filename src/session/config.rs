//! What the session is configured with: everything it needs to build CONNECT and to run a
//! connection ([`SessionConfig`]), the rarely set credentials kept out of line, and the defaults
//! (libmosquitto's). Plain data: no behaviour beyond the credential accessors.

use std::time::Duration;

use crate::protocol::{Properties, ProtocolVersion, Will};

/// How long to wait for CONNACK when keepalive is off (with keepalive on, the keepalive interval
/// is the CONNACK timeout). Change it with [`Session::set_connack_timeout`].
pub const DEFAULT_CONNACK_TIMEOUT: Duration = Duration::from_secs(30);

/// The Receive Maximum an MQTT 5 CONNECT announces by default (libmosquitto's).
pub const DEFAULT_RECEIVE_MAXIMUM: u16 = 20;

/// Everything the session needs to build CONNECT and run a connection.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub protocol: ProtocolVersion,
    /// Client identifier; empty asks the broker to assign one (3.1.1 requires clean session then).
    pub client_id: String,
    /// Clean session (3.1.x) / clean start (5).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 disables keepalive.
    pub keep_alive: u16,
    /// Boxed: most clients have none, and the session should stay small while idle.
    pub will: Option<Box<Will>>,
    /// User name, password and the MQTT 5 authentication method and data: boxed, since most
    /// clients set none of them (see [`SessionConfig::credentials_mut`] and the getters).
    pub credentials: Option<Box<Credentials>>,
    /// CONNECT properties (MQTT 5).
    pub connect_properties: Properties,
    /// MQTT 5: the Receive Maximum every CONNECT announces unless `connect_properties` holds
    /// one (libmosquitto's rule; its default is 20, the most incoming QoS 1 and 2 messages
    /// unacknowledged at once).
    pub receive_maximum: u16,
    /// Most outgoing QoS 1 and 2 PUBLISH in flight at once; 0 means no limit (libmosquitto: 20).
    pub max_inflight: u16,
    /// Largest inbound packet accepted, in bytes (whole packet). Larger ones end the connection
    /// (MQTT 5: with DISCONNECT 0x95). A Maximum Packet Size in `connect_properties` lowers it.
    pub max_incoming_packet_size: u32,
    /// MQTT 5: give outgoing PUBLISH topic aliases automatically, up to the broker's Topic Alias
    /// Maximum (off by default, as libmosquitto, which never sends aliases on its own).
    pub auto_topic_alias: bool,
    /// Behave on the wire as paho-mqtt's Python client where it differs from libmosquitto
    /// (off by default): an MQTT 5 CONNECT carries only the properties given (libmosquitto adds
    /// `receive_maximum`; the broker then assumes 65535), a protocol error closes the connection
    /// without a DISCONNECT first, a keepalive of 1 to 4 seconds is accepted, and a WebSocket
    /// server's subprotocol is not checked, and any bytes received (not only complete packets)
    /// answer an outstanding PINGREQ.
    pub paho_wire: bool,
}

/// The rarely set parts of [`SessionConfig`], kept out of line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<Vec<u8>>,
    /// MQTT 5 enhanced authentication: the Authentication Method put in CONNECT (unless
    /// `connect_properties` already holds one).
    pub auth_method: Option<String>,
    /// Authentication Data sent with `auth_method` in CONNECT.
    pub auth_data: Option<Vec<u8>>,
}

impl SessionConfig {
    /// The credentials, allocated on first use.
    pub fn credentials_mut(&mut self) -> &mut Credentials {
        self.credentials.get_or_insert_with(Box::default)
    }

    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref()?.username.as_deref()
    }

    pub fn password(&self) -> Option<&[u8]> {
        self.credentials.as_ref()?.password.as_deref()
    }

    pub fn auth_method(&self) -> Option<&str> {
        self.credentials.as_ref()?.auth_method.as_deref()
    }

    pub fn auth_data(&self) -> Option<&[u8]> {
        self.credentials.as_ref()?.auth_data.as_deref()
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            protocol: ProtocolVersion::V311,
            client_id: String::new(),
            clean_start: true,
            keep_alive: 60,
            will: None,
            credentials: None,
            connect_properties: Properties::default(),
            receive_maximum: DEFAULT_RECEIVE_MAXIMUM,
            max_inflight: 20,
            max_incoming_packet_size: crate::protocol::MAX_REMAINING_LENGTH + 5,
            auto_topic_alias: false,
            paho_wire: false,
        }
    }
}
