//! Who a text message is from.

/// A message's sender, as the provider's rules allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderId {
    /// An international number that receives replies, E.164 (`+3233000000`).
    Number(String),
    /// A short code that receives replies (3 to 8 digits).
    ShortCode(String),
    /// An alphanumeric ID of at most 11 characters (`BIN-Kessel`): nobody can reply to it.
    Alphanumeric(String),
}

impl SenderId {
    /// The sender as written.
    pub fn as_str(&self) -> &str {
        match self {
            SenderId::Number(text) | SenderId::ShortCode(text) | SenderId::Alphanumeric(text) => {
                text
            }
        }
    }

    /// Whether a member can reply to it.
    pub fn can_receive_replies(&self) -> bool {
        !matches!(self, SenderId::Alphanumeric(_))
    }
}
