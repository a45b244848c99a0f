//! The alert chain: an alert becomes one delivery per member, and each delivery is called,
//! retried by the retry policy ([`crate::policy`]), and ends acknowledged or recorded as unreachable. The
//! [`dispatcher`] talks to the telephone through [`caller::Caller`] and to the database
//! through [`crate::store`]; every change is committed before it is acted on and then
//! published on [`events`].

pub mod callback;
pub mod caller;
pub mod clock;
pub mod dialer_caller;
pub mod dispatcher;
pub mod events;
pub mod lease;
pub mod program_source;
pub mod programs;
pub mod retention;
pub mod service;
