//! SIP signalling without I/O: messages, transactions, dialogs, digest authentication, the
//! outbound call state machine and the incoming one.
//!
//! Nothing here touches a socket, a task or a clock: inputs arrive through `handle_*` methods
//! with the current time as an argument, and outputs are drained with `poll_*` methods.
//! Nothing here knows about alerts, members or tokio.

pub mod call;
pub mod dialog;
pub mod digest;
pub mod header;
pub mod inbound;
pub mod message;
pub mod method;
pub mod register;
pub mod sdp;
pub mod transaction;
pub mod uri;

pub use header::{CSeq, HeaderError, NameAddr, Params, Via};
pub use message::{Headers, Message, ParseError, Request, Response, parse_datagram, parse_stream};
pub use method::Method;
pub use uri::{SipUri, TelUri, Uri, UriError};
