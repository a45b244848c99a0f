//! The words the store speaks: ids and the enumerations kept as text in the database.
//!
//! Each enumeration has exactly one list of texts, here; the migrations deliberately carry no
//! `CHECK (… IN …)` copy of it (a new value must not need a SQLite table rebuild). The price
//! is that a row may hold text this build does not know (written by a newer build, or by hand),
//! so reading goes through [`FromStr`] and an unknown text becomes
//! [`StoreError::BadValue`](super::StoreError::BadValue) naming the column, never a panic.

use std::fmt;
use std::str::FromStr;

/// Text that names no value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {kind}")]
pub struct UnknownText {
    /// The enumeration, e.g. `DeliveryState`.
    pub kind: &'static str,
    /// The text that was offered.
    pub text: String,
}

/// Declares an enumeration stored as text, with `as_str`, `FromStr`, `Display` and `ALL`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownText;

            fn from_str(text: &str) -> Result<$name, UnknownText> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownText { kind: stringify!($name), text: text.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declares a text id newtype.
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl $name {
            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }
    };
}

text_id!(
    /// A network (BIN).
    NetworkId
);
text_id!(
    /// A member.
    MemberId
);
text_id!(
    /// An alert.
    AlertId
);
text_id!(
    /// One delivery: an alert to one member.
    DeliveryId
);
text_id!(
    /// One call or SMS.
    AttemptId
);
text_id!(
    /// An API token (not its secret).
    TokenId
);
text_id!(
    /// A webhook.
    WebhookId
);

text_enum!(
    /// What a webhook receives; the order is the order events of one alert are written.
    WebhookEvent {
        /// A member confirmed.
        DeliveryAcknowledged = "delivery.acknowledged",
        /// An alert ended by itself: every member settled (`completed`) or its expiry passed
        /// (`expired`).
        AlertCompleted = "alert.completed",
        /// An alert was cancelled.
        AlertCancelled = "alert.cancelled",
    }
);

text_enum!(
    /// Where one event of a webhook is.
    EventState {
        /// To be sent (again).
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Given up: no 2xx within `[webhooks] give_up_after`, or the webhook was removed.
        Failed = "failed",
    }
);

text_enum!(
    /// What an API token may do; see `src/api/access.rs` for the whole matrix.
    Role {
        /// Everything, including tokens and the audit log.
        Admin = "admin",
        /// Urgent alerts and cancelling them, for the networks of its zone.
        Police = "police",
        /// Members and non-urgent alerts of its own networks.
        Coordinator = "coordinator",
        /// Reads only.
        Viewer = "viewer",
    }
);

text_enum!(
    /// Which codes name the areas a network covers (matched against CAP geocodes).
    AreaScheme {
        /// A Belgian NIS (INS) municipality code, five digits, e.g. `11002`.
        Nis = "nis",
        /// A Belgian postal code, four digits, e.g. `2000`.
        Postal = "postal",
    }
);

text_enum!(
    /// What kind of neighbourhood a network covers.
    NetworkKind {
        /// Households.
        Residential = "residential",
        /// Shops and firms (a BIN-Z).
        Business = "business",
        /// Farms and villages.
        Rural = "rural",
    }
);

text_enum!(
    /// Whether a member is called.
    MemberStatus {
        /// Called.
        Active = "active",
        /// Temporarily not called (holiday, request).
        Suspended = "suspended",
        /// Left the network; kept for the record.
        Left = "left",
    }
);

text_enum!(
    /// How a member prefers to be reached.
    Channel {
        /// Telephone calls only.
        Voice = "voice",
        /// Text messages only.
        Sms = "sms",
        /// Calls first, a text message when the calls fail.
        VoiceThenSms = "voice_then_sms",
    }
);

text_enum!(
    /// What a contact point is.
    ContactKind {
        /// A fixed line.
        Landline = "landline",
        /// A mobile telephone (can also receive SMS).
        Mobile = "mobile",
    }
);

text_enum!(
    /// Why an alert is sent.
    AlertKind {
        /// The police activate the network: call everyone now, quiet hours do not apply.
        Urgent = "urgent",
        /// Advice; respects quiet hours.
        Prevention = "prevention",
        /// The follow-up of an activation.
        Feedback = "feedback",
    }
);

text_enum!(
    /// Where an alert is in its life.
    AlertState {
        /// Written, not sending.
        Draft = "draft",
        /// Deliveries are being made.
        Sending = "sending",
        /// Every delivery settled.
        Completed = "completed",
        /// Stopped by a person.
        Cancelled = "cancelled",
        /// Stopped because its expiry passed.
        Expired = "expired",
    }
);

text_enum!(
    /// Where one delivery is. `Pending`, and an outcome with a next try scheduled, are open;
    /// `Calling` is in flight; the states of [`DeliveryState::is_final`] never change again
    /// except to record a late acknowledgement.
    DeliveryState {
        /// Waiting for its first try.
        Pending = "pending",
        /// A call or SMS is in flight.
        Calling = "calling",
        /// The member acknowledged (DTMF, callback or API).
        Acknowledged = "acknowledged",
        /// Answered, heard the message, did not acknowledge.
        AnsweredNoAck = "answered_no_ack",
        /// An answering machine took the message.
        Voicemail = "voicemail",
        /// Rang out.
        NoAnswer = "no_answer",
        /// Busy.
        Busy = "busy",
        /// Switched off or out of reach.
        Unavailable = "unavailable",
        /// The call failed (network, trunk, bad number).
        Failed = "failed",
        /// An SMS went out; a reply may follow.
        SmsSent = "sms_sent",
        /// The member replied to the SMS.
        SmsAcknowledged = "sms_acknowledged",
        /// Every try was used.
        GivenUp = "given_up",
        /// The alert was cancelled before this delivery settled.
        Cancelled = "cancelled",
        /// The alert expired before this delivery settled.
        Expired = "expired",
    }
);

impl DeliveryState {
    /// States that are always final: nothing is scheduled after them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeliveryState::Acknowledged
                | DeliveryState::SmsAcknowledged
                | DeliveryState::GivenUp
                | DeliveryState::Cancelled
                | DeliveryState::Expired
        )
    }

    /// The two states that only [`Store::acknowledge`](super::Store::acknowledge) may set.
    pub fn is_acknowledged(self) -> bool {
        matches!(
            self,
            DeliveryState::Acknowledged | DeliveryState::SmsAcknowledged
        )
    }
}

text_enum!(
    /// How a member acknowledged.
    AckHow {
        /// Pressed a key during the call.
        Dtmf = "dtmf",
        /// Replied to the SMS.
        SmsReply = "sms_reply",
        /// Called the callback number.
        Callback = "callback",
        /// Through the HTTP API (an app, a coordinator).
        Api = "api",
    }
);

impl AckHow {
    /// The delivery state an acknowledgement of this kind leaves behind.
    pub fn delivery_state(self) -> DeliveryState {
        match self {
            AckHow::SmsReply => DeliveryState::SmsAcknowledged,
            AckHow::Dtmf | AckHow::Callback | AckHow::Api => DeliveryState::Acknowledged,
        }
    }
}

text_enum!(
    /// What an attempt was.
    AttemptChannel {
        /// A telephone call.
        Voice = "voice",
        /// A text message.
        Sms = "sms",
        /// A message played to a member who phoned the call-back line: not a try, so it
        /// leaves the delivery's state, tries and next try as they were.
        Callback = "callback",
    }
);

text_enum!(
    /// How the call-back line knew the caller's number.
    Identification {
        /// The trunk vouched for it (`P-Asserted-Identity`).
        Asserted = "asserted",
        /// Only the `From` header said it, which anyone can write.
        From = "from",
    }
);

text_enum!(
    /// What a receipt says of a message.
    ReceiptState {
        /// On the handset.
        Delivered = "delivered",
        /// Its validity ran out before the handset took it.
        Expired = "expired",
        /// It cannot reach the handset (unknown number, barred).
        Undeliverable = "undeliverable",
        /// The network refused it.
        Rejected = "rejected",
        /// Deleted before delivery.
        Deleted = "deleted",
        /// Still on its way (an intermediate receipt).
        Enroute = "enroute",
        /// Accepted on the member's behalf.
        Accepted = "accepted",
        /// The network does not know.
        Unknown = "unknown",
    }
);

impl ReceiptState {
    /// Whether the message will not arrive.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            ReceiptState::Expired
                | ReceiptState::Undeliverable
                | ReceiptState::Rejected
                | ReceiptState::Deleted
        )
    }
}

text_enum!(
    /// What a member's text meant.
    InboxMeaning {
        /// A confirmation (`1`, `OK`, `JA`, `OUI`, `YES`) of the alert it names.
        Confirm = "confirm",
        /// A confirmation with no text to confirm: no open alert reached them by SMS.
        Unmatched = "unmatched",
        /// No more non-urgent texts (`STOP`, `STOPP`, `ARRET`).
        Stop = "stop",
        /// Anything else, for the coordinators to read.
        Other = "other",
    }
);

/// The languages a member or message may have.
pub const LANGUAGES: [&str; 4] = ["nl", "fr", "de", "en"];

/// Quiet hours as minutes of the day; `start > end` spans midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// First quiet minute, 0–1439.
    pub start: u16,
    /// First minute that is no longer quiet, 0–1439.
    pub end: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_reads_back() {
        for state in DeliveryState::ALL {
            assert_eq!(state.as_str().parse::<DeliveryState>(), Ok(*state));
        }
        for how in AckHow::ALL {
            assert_eq!(how.as_str().parse::<AckHow>(), Ok(*how));
        }
        let error = "ringing".parse::<DeliveryState>().unwrap_err();
        assert_eq!(error.to_string(), "`ringing` is not a DeliveryState");
    }
}
