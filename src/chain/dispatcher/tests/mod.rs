//! The dispatcher in virtual time: a paused tokio runtime, an in-memory SQLite store and
//! scripted phones, so an hour of retries runs in a moment and every rule is checked on what
//! was actually called and stored. Names and numbers are fictional.

mod callback;
mod harness;
mod households;
mod retries;
mod stops;
mod texts;

use harness::*;
