//! What every export needs at the boundary and nothing feature-specific: checking and converting
//! C arguments (`args`), memory handed to C (`alloc`), libmosquitto's error numbers
//! ([`errors`]) and the routing of log records to `on_log` ([`logging`]).

pub(crate) mod alloc;
pub(crate) mod args;
pub mod errors;
pub mod logging;
