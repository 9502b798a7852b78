//! MQTT 5 enhanced authentication: the AUTH exchanges at CONNECT and for re-authentication.
//!
//! Owns where an exchange stands and the rules for AUTH in both directions:
//! - CONNECT carries an Authentication Method (and maybe Data), from `connect_properties` or from
//!   `SessionConfig::auth_method`/`auth_data`. Before CONNACK the broker may answer AUTH 0x18
//!   (continue); the application answers with [`Session::auth_continue`] (AUTH 0x18, same method),
//!   as many rounds as the method needs. CONNACK ends the exchange, accepted or refused.
//! - While connected, [`Session::reauthenticate`] sends AUTH 0x19; the broker answers AUTH 0x18
//!   (more rounds as above) and finally AUTH 0x00 (success) or DISCONNECT.
//! - Every AUTH from the broker is reported as [`Event::Auth`]. Protocol errors (DISCONNECT 0x82):
//!   AUTH when CONNECT carried no method, AUTH with another method (or none), AUTH 0x19 from the
//!   broker, AUTH 0x00 outside a re-authentication, AUTH 0x18 when no exchange is underway.
//!
//! The broker may take its time between rounds: each AUTH received before CONNACK restarts the
//! CONNACK timer. Never touches a socket or the clock.

use std::time::Instant;

use super::{Event, Session, State};
use crate::error::Error;
use crate::protocol::{
    Auth, Packet, Properties, PropertyContext, PropertyId, PropertyValue, ReasonCode,
};

/// AUTH reason code: success.
const SUCCESS: u8 = ReasonCode::SUCCESS.0;
/// AUTH reason code: continue authentication.
const CONTINUE: u8 = ReasonCode::CONTINUE_AUTHENTICATION.0;
/// AUTH reason code: re-authenticate.
const REAUTHENTICATE: u8 = ReasonCode::RE_AUTHENTICATE.0;

/// Where the enhanced authentication of one connection stands.
#[derive(Debug, Default)]
pub(super) struct AuthExchange {
    /// The Authentication Method of the current connection's CONNECT, if any.
    method: Option<String>,
    /// A re-authentication is underway (AUTH 0x19 sent, AUTH 0x00 not yet received).
    reauthenticating: bool,
    /// The broker's AUTH 0x18 awaits the application's answer.
    awaiting_answer: bool,
}

impl AuthExchange {
    /// A new connection whose CONNECT carries `method`.
    pub(super) fn reset(&mut self, method: Option<String>) {
        *self = AuthExchange {
            method,
            ..AuthExchange::default()
        };
    }

    /// The Authentication Method of the current connection.
    pub(super) fn method(&self) -> Option<&str> {
        self.method.as_deref()
    }

    /// Whether an exchange is underway: an AUTH 0x18 awaits our answer, or a re-authentication
    /// awaits its end.
    pub(super) fn in_progress(&self) -> bool {
        self.awaiting_answer || self.reauthenticating
    }

    /// The connection ended or CONNACK ended the exchange at CONNECT.
    pub(super) fn finish(&mut self) {
        self.reauthenticating = false;
        self.awaiting_answer = false;
    }
}

impl Session {
    /// AUTH arrived from the broker (MQTT 5 only: the codec rejects it before).
    pub(super) fn on_auth(&mut self, now: Instant, auth: Auth) -> Result<(), Error> {
        let Some(method) = self.v5.as_ref().and_then(|x| x.auth.method.clone()) else {
            log::warn!("culex: AUTH received but CONNECT carried no authentication method");
            return Err(Error::Protocol);
        };
        let Auth {
            reason_code,
            mut properties,
        } = auth;
        match properties.get_str(PropertyId::AuthenticationMethod) {
            Some(m) if m == method => {}
            other => {
                log::warn!(
                    "culex: AUTH with authentication method {other:?}, CONNECT had '{method}'"
                );
                return Err(Error::Protocol);
            }
        }
        let connecting = self.state == State::AwaitingConnAck;
        let auth = &mut self.v5_extras().auth;
        match reason_code {
            CONTINUE if connecting || auth.reauthenticating => {
                auth.awaiting_answer = true;
                if connecting {
                    self.restart_connack_timer(now);
                }
            }
            SUCCESS if auth.reauthenticating && !connecting => {
                auth.finish();
            }
            _ => {
                log::warn!(
                    "culex: unexpected AUTH (reason 0x{reason_code:02x}) while {:?}",
                    self.state
                );
                return Err(Error::Protocol);
            }
        }
        let data = properties
            .get_binary(PropertyId::AuthenticationData)
            .map(<[u8]>::to_vec);
        properties.0.retain(|p| {
            p.id != PropertyId::AuthenticationMethod && p.id != PropertyId::AuthenticationData
        });
        self.events.push_back(Event::Auth {
            reason_code,
            method,
            data,
            properties,
        });
        Ok(())
    }

    pub(super) fn auth_continue_impl(
        &mut self,
        data: Option<Vec<u8>>,
        properties: Properties,
    ) -> Result<(), Error> {
        self.check_auth_command(&properties)?;
        if !matches!(self.state, State::AwaitingConnAck | State::Connected) {
            return Err(Error::NoConn);
        }
        if !self.v5.as_ref().is_some_and(|x| x.auth.awaiting_answer) {
            log::debug!("culex: auth_continue without an AUTH from the broker to answer");
            return Err(Error::Protocol);
        }
        self.send_auth(CONTINUE, data, properties)?;
        self.v5_extras().auth.awaiting_answer = false;
        Ok(())
    }

    pub(super) fn reauthenticate_impl(
        &mut self,
        data: Option<Vec<u8>>,
        properties: Properties,
    ) -> Result<(), Error> {
        self.check_auth_command(&properties)?;
        if self.state != State::Connected {
            return Err(Error::NoConn);
        }
        if self.v5.as_ref().and_then(|x| x.auth.method()).is_none() {
            log::debug!("culex: re-authentication needs an authentication method in CONNECT");
            return Err(Error::Inval);
        }
        if self.auth_in_progress() {
            log::debug!("culex: re-authentication while an exchange is underway");
            return Err(Error::Inval);
        }
        self.send_auth(REAUTHENTICATE, data, properties)?;
        self.v5_extras().auth.reauthenticating = true;
        Ok(())
    }

    /// AUTH needs MQTT 5, and the application's properties must not bring method or data.
    fn check_auth_command(&self, properties: &Properties) -> Result<(), Error> {
        if !self.config.protocol.is_v5() {
            return Err(Error::NotSupported);
        }
        if properties.contains(PropertyId::AuthenticationMethod)
            || properties.contains(PropertyId::AuthenticationData)
            || properties.validate(PropertyContext::Auth).is_err()
        {
            return Err(Error::Inval);
        }
        Ok(())
    }

    /// Queue AUTH with the connection's method, `data` and `properties`.
    fn send_auth(
        &mut self,
        reason_code: u8,
        data: Option<Vec<u8>>,
        mut properties: Properties,
    ) -> Result<(), Error> {
        let method = self
            .v5
            .as_ref()
            .and_then(|x| x.auth.method.clone())
            .unwrap_or_default();
        let mut head = Properties::new();
        head.add(
            PropertyId::AuthenticationMethod,
            PropertyValue::Utf8String(method),
        );
        if let Some(data) = data {
            head.add(
                PropertyId::AuthenticationData,
                PropertyValue::BinaryData(data),
            );
        }
        head.0.append(&mut properties.0);
        let auth = Packet::Auth(Auth {
            reason_code,
            properties: head,
        });
        self.tx.packet(&auth, self.config.protocol)
    }

    /// The Authentication Method and Data CONNECT carries: those of `connect_properties`, or else
    /// `auth_method`/`auth_data` of the configuration, added to the returned properties.
    pub(super) fn connect_properties_with_auth(&self) -> (Properties, Option<String>) {
        let mut properties = self.config.connect_properties.clone();
        if !self.config.protocol.is_v5() {
            return (properties, None);
        }
        if let Some(method) = properties.get_str(PropertyId::AuthenticationMethod) {
            let method = method.to_owned();
            return (properties, Some(method));
        }
        let Some(method) = self.config.auth_method().map(str::to_owned) else {
            return (properties, None);
        };
        properties.add(
            PropertyId::AuthenticationMethod,
            PropertyValue::Utf8String(method.clone()),
        );
        if let Some(data) = self.config.auth_data() {
            if !properties.contains(PropertyId::AuthenticationData) {
                properties.add(
                    PropertyId::AuthenticationData,
                    PropertyValue::BinaryData(data.to_vec()),
                );
            }
        }
        (properties, Some(method))
    }
}
