//! The chain's text messages: a member's SMS when they chose SMS, or when their calls reached
//! a voicemail or ran out (`voice_then_sms`), and what members reply.
//!
//! Texts have a schedule of their own beside the calls' (see `store::texts`), and their own
//! loop (`Dispatcher::run_texts`), so a slow SMS provider never holds up a call. Each due
//! text is checked (quiet hours and the network's daily ceiling for non-urgent alerts, a
//! member's STOP, a mobile number), worded in the member's language (`compose`), claimed
//! with its attempt in one transaction, and sent; what the provider answers is recorded, and
//! a temporary failure is tried again a few times. Replies and receipts come in through
//! [`Dispatcher::receive`] ([`inbox`]).

mod compose;
mod inbox;
mod send;

use crate::sms::{SenderId, SmsSender};
use std::sync::Arc;
use std::time::Duration;

/// How texts are sent.
#[derive(Debug, Clone)]
pub struct TextSettings {
    /// Who texts are from where a network has no sender of its own.
    pub sender: Option<SenderId>,
    /// Parts a text may take before it is shortened.
    pub max_parts: usize,
    /// Non-urgent texts per network per day at most.
    pub daily_limit: u32,
    /// How long a text being sent is held before another gateway may take it up.
    pub hold: Duration,
    /// The wait before a text that failed for now is tried again; it doubles each time.
    pub retry: Duration,
    /// Texts begun per delivery at most.
    pub max_tries: i64,
    /// How far back a reply `1` finds the text it confirms.
    pub reply_window: Duration,
    /// Texts sent at once.
    pub concurrency: usize,
}

impl Default for TextSettings {
    fn default() -> TextSettings {
        TextSettings {
            sender: None,
            max_parts: 4,
            daily_limit: 1000,
            hold: Duration::from_secs(600),
            retry: Duration::from_secs(30),
            max_tries: 3,
            reply_window: Duration::from_secs(24 * 3600),
            concurrency: 16,
        }
    }
}

/// The provider and how to use it.
#[derive(Clone)]
pub struct Texting {
    /// Where texts go.
    pub sender: Arc<dyn SmsSender>,
    /// How.
    pub settings: TextSettings,
}

impl std::fmt::Debug for Texting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texting")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
