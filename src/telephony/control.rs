//! What the caller of a line says to a call in progress, and what it hears back.

/// A request to end a call early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stop {
    /// Carry on.
    #[default]
    No,
    /// Only if it is still ringing (CANCEL); a member already listening hears the end.
    IfRinging,
    /// At once, ringing or not.
    Now,
}

/// News from a call in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallProgress {
    /// Someone (or something) picked up.
    Answered,
    /// The member confirmed: the call program accepted their `1` after they heard the
    /// message through. Sent once per call.
    Confirmed,
}
