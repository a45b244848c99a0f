//! buurtbel: a telephony gateway that phones the members of a Belgian neighbourhood
//! information network (BIN) when the police activate it.
//!
//! Layers, outermost last: [`sip`] (signalling state machines, no I/O), [`telephony`] (the
//! tokio driver: sockets, clocks, trunk limits), [`config`] and the `buurtbel` binary. The
//! alert chain keeps its state in [`store`] (SQLite or PostgreSQL).
#![warn(missing_docs)]

pub mod chain;
pub mod cli;
pub mod config;
pub mod media;
pub mod members;
pub mod number;
pub mod sim;
pub mod sip;
pub mod speech;
pub mod store;
pub mod telephony;
