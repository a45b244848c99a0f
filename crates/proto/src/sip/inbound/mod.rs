//! One incoming call, sans-IO: the gateway's side (UAS) of an INVITE from the trunk, when a
//! member phones the network's number back.

mod identity;

pub use identity::{CallerIdentity, caller_identity};
