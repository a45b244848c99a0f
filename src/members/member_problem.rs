//! What is wrong with a member handed to an import, whoever checks it (the file reader or
//! the store).

/// What is wrong with a member handed to an import.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MemberProblem {
    /// An empty name.
    #[error("no name")]
    NoName,
    /// An `external_id` that is empty, too long or holds control characters.
    #[error("the member id is not an id (empty, more than 64 characters or control characters)")]
    BadExternalId,
    /// The same member as an earlier one of the same import (the same `external_id`, or the
    /// same name and first number); the later would silently overwrite the earlier.
    #[error("the same member as member {0} (counting from 0)")]
    SameMember(usize),
    /// No contact point.
    #[error("no telephone number")]
    NoContactPoint,
    /// A number that is not E.164 (`+` and 8–15 digits).
    #[error("`{0}` is not an E.164 number")]
    BadNumber(String),
    /// The same number twice for one member.
    #[error("`{0}` is listed twice")]
    RepeatedNumber(String),
    /// A language the chain does not speak.
    #[error("unknown language `{0}`")]
    BadLanguage(String),
    /// A speech rate outside 0.5–2.0.
    #[error("speech rate {0} is outside 0.5–2.0")]
    BadSpeechRate(f64),
    /// A quiet-hours minute beyond 23:59.
    #[error("quiet hours {0}–{1} are not minutes of a day")]
    BadQuietHours(u16, u16),
}
