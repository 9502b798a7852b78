//! `culex.h`: Culex's own extensions of the libmosquitto 2.0 API, all named `culex_*`.

pub mod auth;
pub mod tls;

pub use auth::*;
pub use tls::*;
