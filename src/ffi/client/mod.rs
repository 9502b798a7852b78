//! The client: creating and freeing a handle, connecting, the commands, options and the loops.

pub mod lifecycle;

pub mod connect;

pub mod commands;
pub mod will;

pub mod options;
pub mod settings;

pub mod loops;

pub use commands::*;
pub use connect::*;
pub use lifecycle::*;
pub use loops::*;
pub use options::*;
pub use settings::*;
pub use will::*;
