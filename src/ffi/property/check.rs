//! Questions about properties that need no list of their own making: which properties a packet
//! may carry (`mosquitto_property_check_command`, `mosquitto_property_check_all`), and the names of
//! properties and packet types (`mosquitto_property_identifier_to_string`,
//! `mosquitto_string_to_property_info`, `mosquitto_string_to_command`).
//!
//! The allowed-where table and the value rules are the protocol layer's
//! ([`PropertyId::is_allowed_in`], [`Properties::validate`]), so these answers agree with what
//! the library itself accepts when a list is passed to `mosquitto_publish_v5` and friends. The
//! names are those of the MQTT 5 specification, lower case with `-` between words; every string
//! handed out is static and must not be freed.

// Safety: every export follows the contract stated in `ffi/mod.rs`; list arguments must in
// addition be NULL or lists built by `ffi/property/`.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use super::{mosquitto_property, to_properties};
use crate::ffi::boundary::errors::*;
use crate::ffi::mqtt_protocol::mqtt5_property_type::*;
use crate::ffi::mqtt_protocol::*;
use crate::protocol::{Property, PropertyContext, PropertyId, PropertyType};

/// The packet (or will) a `CMD_*` value stands for, when it is one that carries properties.
/// PINGREQ and PINGRESP carry none, so they have no context.
fn command_context(command: c_int) -> Option<PropertyContext> {
    use PropertyContext::*;
    if command == CMD_WILL {
        return Some(Will);
    }
    let command = u32::try_from(command).ok()?;
    Some(match command {
        CMD_CONNECT => Connect,
        CMD_CONNACK => ConnAck,
        CMD_PUBLISH => Publish,
        CMD_PUBACK => PubAck,
        CMD_PUBREC => PubRec,
        CMD_PUBREL => PubRel,
        CMD_PUBCOMP => PubComp,
        CMD_SUBSCRIBE => Subscribe,
        CMD_SUBACK => SubAck,
        CMD_UNSUBSCRIBE => Unsubscribe,
        CMD_UNSUBACK => UnsubAck,
        CMD_DISCONNECT => Disconnect,
        CMD_AUTH => Auth,
        _ => return None,
    })
}

/// The identifier an `int` names, if MQTT 5 defines it.
fn property_id(identifier: c_int) -> Option<PropertyId> {
    u8::try_from(identifier).ok().and_then(PropertyId::from_u8)
}

/// The `mqtt5_property_type` number of a data type.
fn type_number(data_type: PropertyType) -> c_int {
    let number = match data_type {
        PropertyType::Byte => MQTT_PROP_TYPE_BYTE,
        PropertyType::TwoByteInteger => MQTT_PROP_TYPE_INT16,
        PropertyType::FourByteInteger => MQTT_PROP_TYPE_INT32,
        PropertyType::VariableByteInteger => MQTT_PROP_TYPE_VARINT,
        PropertyType::BinaryData => MQTT_PROP_TYPE_BINARY,
        PropertyType::Utf8String => MQTT_PROP_TYPE_STRING,
        PropertyType::Utf8StringPair => MQTT_PROP_TYPE_STRING_PAIR,
    };
    number as c_int
}

/// The command names `mosquitto_string_to_command` knows: the packets a client may be asked to
/// attach properties to, plus CONNACK and the will, as in libmosquitto.
const COMMAND_NAMES: &[(&str, c_int)] = &[
    ("connect", CMD_CONNECT as c_int),
    ("connack", CMD_CONNACK as c_int),
    ("publish", CMD_PUBLISH as c_int),
    ("puback", CMD_PUBACK as c_int),
    ("pubrec", CMD_PUBREC as c_int),
    ("pubrel", CMD_PUBREL as c_int),
    ("pubcomp", CMD_PUBCOMP as c_int),
    ("subscribe", CMD_SUBSCRIBE as c_int),
    ("unsubscribe", CMD_UNSUBSCRIBE as c_int),
    ("disconnect", CMD_DISCONNECT as c_int),
    ("auth", CMD_AUTH as c_int),
    ("will", CMD_WILL),
];

/// Whether property `identifier` may appear in packets of type `command` (a `CMD_*` value;
/// `CMD_WILL` stands for the will properties of CONNECT), following the table of MQTT 5.0
/// section 2.2.2.2. PINGREQ and PINGRESP carry no properties, and unknown identifiers or commands
/// are never allowed.
///
/// Returns `MOSQ_ERR_SUCCESS` when it may, `MOSQ_ERR_PROTOCOL` when it may not.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_check_command(
    command: c_int,
    identifier: c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        match (command_context(command), property_id(identifier)) {
            (Some(context), Some(id)) if id.is_allowed_in(context) => MOSQ_ERR_SUCCESS as c_int,
            _ => MOSQ_ERR_PROTOCOL as c_int,
        }
    })
}

/// Check a whole list for packets of type `command` (a `CMD_*` value, or `CMD_WILL`), as the
/// library does itself before sending: every property must be allowed in that packet
/// (see `mosquitto_property_check_command`) and have a value MQTT 5 permits (e.g. Receive
/// Maximum, Topic Alias, Maximum Packet Size and Subscription Identifier not 0; yes/no bytes such
/// as Maximum QoS or Payload Format Indicator only 0 or 1), and a property that may appear only
/// once must not repeat (User Property may always repeat, Subscription Identifier in PUBLISH).
/// Properties are checked in list order and the first problem decides the result. A NULL (empty)
/// list is always fine.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_PROTOCOL` for a property not allowed in `command` or
/// with a forbidden value; `MOSQ_ERR_DUPLICATE_PROPERTY` for a repeated single-occurrence
/// property.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_check_all(
    command: c_int,
    properties: *const mosquitto_property,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract: NULL or a list built by the property API.
        let properties = unsafe { to_properties(properties) };
        if properties.is_empty() {
            return MOSQ_ERR_SUCCESS as c_int;
        }
        let Some(context) = command_context(command) else {
            log::debug!("culex: command {command:#x} carries no properties");
            return MOSQ_ERR_PROTOCOL as c_int;
        };
        match list_verdict(&properties.0, context) {
            Ok(()) => MOSQ_ERR_SUCCESS as c_int,
            Err((code, why)) => {
                log::debug!("culex: {why}");
                code
            }
        }
    })
}

/// libmosquitto's verdict on a property list for a packet of kind `context`, in list order: each
/// property must be allowed there with a permitted value (else `MOSQ_ERR_PROTOCOL`), and a
/// single-occurrence property repeated further down is reported at its first occurrence
/// (`MOSQ_ERR_DUPLICATE_PROPERTY`). Shared by `mosquitto_property_check_all` and the commands
/// that take properties, so both always agree.
pub(crate) fn list_verdict(
    properties: &[Property],
    context: PropertyContext,
) -> Result<(), (c_int, String)> {
    for (i, property) in properties.iter().enumerate() {
        if let Err(e) = property.validate(context) {
            let why = format!("property {:?} in {context:?}: {e}", property.id);
            return Err((MOSQ_ERR_PROTOCOL as c_int, why));
        }
        if !property.id.may_repeat_in(context)
            && properties[i + 1..]
                .iter()
                .any(|later| later.id == property.id)
        {
            let why = format!("property {:?} repeats in {context:?}", property.id);
            return Err((MOSQ_ERR_DUPLICATE_PROPERTY as c_int, why));
        }
    }
    Ok(())
}

/// The name MQTT 5 gives property `identifier`, lower case with `-` between words (e.g.
/// `"payload-format-indicator"`), or NULL when `identifier` is not a property. The string is
/// static: do not free it.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_property_identifier_to_string(
    identifier: c_int,
) -> *const c_char {
    ffi_guard!(std::ptr::null(), {
        property_id(identifier).map_or(std::ptr::null(), |id| id.name_c().as_ptr())
    })
}

/// Look up a property by its name as `mosquitto_property_identifier_to_string` spells it (case
/// does not matter): on success `*identifier` receives its `MQTT_PROP_*` value and `*type` its
/// `MQTT_PROP_TYPE_*` data type. On failure neither is changed.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` when `propname` names no property or an argument
/// is NULL.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_string_to_property_info(
    propname: *const c_char,
    identifier: *mut c_int,
    r#type: *mut c_int,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(propname);
        check_null!(identifier);
        check_null!(r#type);
        // SAFETY: checked not NULL above; a C string by the export's contract.
        let wanted = unsafe { CStr::from_ptr(propname) }.to_bytes();
        let found = PropertyId::ALL
            .into_iter()
            .find(|id| id.name().as_bytes().eq_ignore_ascii_case(wanted));
        match found {
            Some(id) => {
                // SAFETY: both checked not NULL above; writable by the export's contract.
                unsafe {
                    identifier.write(c_int::from(id.as_u8()));
                    r#type.write(type_number(id.data_type()));
                }
                MOSQ_ERR_SUCCESS as c_int
            }
            None => {
                log::warn!(
                    "culex: mosquitto_string_to_property_info: {:?} is not a property name",
                    String::from_utf8_lossy(wanted)
                );
                MOSQ_ERR_INVAL as c_int
            }
        }
    })
}

/// Look up a packet type by name (case does not matter): `"connect"`, `"connack"`, `"publish"`,
/// `"puback"`, `"pubrec"`, `"pubrel"`, `"pubcomp"`, `"subscribe"`, `"unsubscribe"`,
/// `"disconnect"`, `"auth"` or `"will"` (the will properties of CONNECT). On success `*cmd`
/// receives the `CMD_*` value (`CMD_WILL` for `"will"`), ready for
/// `mosquitto_property_check_command`; on failure it is not changed.
///
/// Returns `MOSQ_ERR_SUCCESS`; `MOSQ_ERR_INVAL` for any other name or a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn mosquitto_string_to_command(str: *const c_char, cmd: *mut c_int) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        check_null!(str);
        check_null!(cmd);
        // SAFETY: checked not NULL above; a C string by the export's contract.
        let wanted = unsafe { CStr::from_ptr(str) }.to_bytes();
        match COMMAND_NAMES
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(wanted))
        {
            Some((_, value)) => {
                // SAFETY: checked not NULL above; writable by the export's contract.
                unsafe { cmd.write(*value) };
                MOSQ_ERR_SUCCESS as c_int
            }
            None => {
                log::warn!(
                    "culex: mosquitto_string_to_command: {:?} is not a command name",
                    String::from_utf8_lossy(wanted)
                );
                MOSQ_ERR_INVAL as c_int
            }
        }
    })
}
