//! Primitive wire types: two-byte integers, UTF-8 strings, binary data.
