/*
 * mqtt_protocol.h: MQTT protocol constants (packet types, MQTT 5 reason codes and properties),
 * with the names and values of libmosquitto 2.0's header of the same name.
 *
 * GENERATED FILE, DO NOT EDIT. It is produced by cbindgen 0.29.0 from src/ffi/mqtt_protocol.rs
 * (see cbindgen-mqtt_protocol.toml). Regenerate with:  scripts/gen-headers.sh
 */

#ifndef MQTT_PROTOCOL_H
#define MQTT_PROTOCOL_H

/** Protocol name sent in CONNECT by MQTT 3.1 clients. */
#define PROTOCOL_NAME_v31 "MQIsdp"
/** Protocol name sent in CONNECT by MQTT 3.1.1 and 5.0 clients. */
#define PROTOCOL_NAME "MQTT"


#endif  /* MQTT_PROTOCOL_H */
