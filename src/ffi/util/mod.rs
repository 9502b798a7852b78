//! Exports that need no client handle, and the one-shot helpers built on the client API.

pub mod library;
pub mod message;
pub mod strings;
pub mod subscribe_simple;
pub mod subscribe_structs;
pub mod topic;

pub use library::*;
pub use message::*;
pub use strings::*;
pub use subscribe_simple::*;
pub use subscribe_structs::*;
pub use topic::*;
