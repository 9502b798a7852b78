//! The client: creating and freeing a handle, connecting, the commands, options and the loops.

pub mod commands;
pub mod connect;
pub mod loops;
pub mod options;
pub mod proxy_srv;
pub mod v5;

pub use commands::*;
pub use connect::*;
pub use loops::*;
pub use options::*;
pub use proxy_srv::*;
pub use v5::*;
