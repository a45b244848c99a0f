//! The alert chain: an alert becomes one delivery per member, and each delivery is called,
//! retried by the [`policy`], and ends acknowledged or recorded as unreachable.

pub mod policy;
pub mod quiet;
