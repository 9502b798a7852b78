//! The UTF-8 rules of the MQTT specification (no U+0000, no surrogates, no control characters).
