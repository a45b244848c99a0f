//! buurtbel: a telephony gateway that phones the members of a Belgian neighbourhood
//! information network (BIN) when the police activate it.
//!
//! Layers, innermost first: the crate `buurtbel_proto` (SIP and media state machines, the retry
//! policy and quiet hours, without I/O; re-exported here as [`sip`], [`media`], [`policy`],
//! [`quiet`] and [`time`]), [`telephony`] (the tokio driver: sockets, clocks, trunk limits),
//! [`chain`] (the alert chain, keeping its state in [`store`], SQLite or PostgreSQL), and
//! [`cli`] with the `buurtbel` binary. Arrows run one way: cli → chain → telephony → proto, store below chain.
#![warn(missing_docs)]

pub mod api;
pub mod cap;
pub mod chain;
pub mod cli;
pub mod config;
pub mod members;
pub mod number;
pub mod sim;
pub mod sms;
pub mod speech;
pub mod store;
pub mod telephony;
pub mod webhooks;

pub use buurtbel_proto::{media, policy, quiet, sip, time};
