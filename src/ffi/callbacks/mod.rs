//! The C callbacks of a handle: their setters and the table they fill.

pub mod setters;

pub use setters::*;
