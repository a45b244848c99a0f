//! buurtbel's protocol logic without I/O: the SIP signalling and media state machines, the
//! retry policy and quiet hours, and the crate's own notion of time.
//!
//! Nothing in this crate touches a socket, spawns a task or reads a clock: inputs arrive
//! through `handle_*` methods with the current time as an argument, outputs are drained with
//! `poll_*` methods, and the application's tokio driver does the I/O. The current time is a
//! [`time::Instant`], which has no `now()`. The crate depends on neither tokio nor sqlx, so the
//! compiler keeps that boundary; `clippy.toml` forbids the standard library's clock reads.
#![warn(missing_docs)]

pub mod media;
pub mod outcome;
pub mod policy;
pub mod quiet;
pub mod sip;
pub mod time;
