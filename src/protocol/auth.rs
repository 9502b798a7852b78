//! AUTH: MQTT 5 enhanced authentication exchange.

use super::Properties;

/// An AUTH packet (MQTT 5 only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// 0x00 success, 0x18 continue authentication, 0x19 re-authenticate.
    pub reason_code: u8,
    pub properties: Properties,
}
