//! `mosquitto_property`: the MQTT 5 property list type of the C API.
//!
//! Only the opaque type lives here for now, so that signatures taking properties are exact;
//! building and reading property lists arrives with the MQTT 5 API. Functions given a non-NULL
//! list on a connection that is not MQTT 5 answer `MOSQ_ERR_NOT_SUPPORTED`, as libmosquitto does.

#![allow(non_camel_case_types)]

/// An MQTT 5 property list (opaque to C).
pub struct mqtt5__property {
    _private: [u8; 0],
}

/// The C name of an MQTT 5 property list.
pub type mosquitto_property = mqtt5__property;
