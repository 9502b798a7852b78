//! What every export needs at the boundary and nothing feature-specific: checking and converting
//! C arguments ([`args`]), libmosquitto's error numbers ([`errors`]) and the routing of log
//! records to `on_log` ([`logging`]).

pub(crate) mod args;
pub mod errors;
pub mod logging;
