//! CAP 1.2's value lists: each element whose text is one of a fixed set of words, spelt as
//! the standard spells them (case matters: `CBRNE`, `AllClear`).

/// A CAP value list: its words and what a problem calls it.
pub(super) trait Vocabulary: Sized + Copy + 'static {
    /// Every value, in the standard's order.
    const ALL: &'static [Self];
    /// What one value is, for a problem: "a CAP urgency".
    const WHAT: &'static str;
    /// The word as CAP writes it.
    fn as_str(self) -> &'static str;
}

/// The value `text` names exactly, or a reason listing the words allowed.
pub(super) fn word<T: Vocabulary>(text: &str) -> Result<T, String> {
    if let Some(value) = T::ALL.iter().copied().find(|v| v.as_str() == text) {
        return Ok(value);
    }
    let allowed: Vec<&str> = T::ALL.iter().map(|v| v.as_str()).collect();
    Err(format!(
        "`{text}` is not {} ({})",
        T::WHAT,
        allowed.join(", ")
    ))
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the standard's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word as CAP writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl Vocabulary for $name {
            const ALL: &'static [$name] = $name::ALL;
            const WHAT: &'static str = $what;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }
    };
}

vocabulary!(
    /// `<status>`: how the message is to be handled.
    Status, "a CAP status" {
        /// Actionable by all targeted recipients.
        Actual = "Actual",
        /// An exercise: actionable only by the designated participants.
        Exercise = "Exercise",
        /// For messages that support the alert network itself.
        System = "System",
        /// Technical testing only; all recipients ignore it.
        Test = "Test",
        /// A preliminary template or draft, not actionable.
        Draft = "Draft",
    }
);

vocabulary!(
    /// `<msgType>`: what the message does.
    MsgType, "a CAP message type" {
        /// Initial information requiring attention.
        Alert = "Alert",
        /// Updates and supersedes the earlier messages in `<references>`.
        Update = "Update",
        /// Cancels the earlier messages in `<references>`.
        Cancel = "Cancel",
        /// Acknowledges receipt of the messages in `<references>`.
        Ack = "Ack",
        /// Rejects the messages in `<references>`; the reason in `<note>`.
        Error = "Error",
    }
);

vocabulary!(
    /// `<scope>`: who may see the message.
    Scope, "a CAP scope" {
        /// Anyone.
        Public = "Public",
        /// Users with a known operational need, named in `<restriction>`.
        Restricted = "Restricted",
        /// The recipients in `<addresses>`.
        Private = "Private",
    }
);

vocabulary!(
    /// `<category>`: the kind of event.
    Category, "a CAP category" {
        /// Geophysical, including landslides.
        Geo = "Geo",
        /// Meteorological, including floods.
        Met = "Met",
        /// General emergency and public safety.
        Safety = "Safety",
        /// Law enforcement, military, homeland and local or private security.
        Security = "Security",
        /// Rescue and recovery.
        Rescue = "Rescue",
        /// Fire suppression and rescue.
        Fire = "Fire",
        /// Medical and public health.
        Health = "Health",
        /// Pollution and other environmental events.
        Env = "Env",
        /// Public and private transportation.
        Transport = "Transport",
        /// Utility, telecommunication and other non-transport infrastructure.
        Infra = "Infra",
        /// Chemical, biological, radiological, nuclear or high-yield explosive threat.
        Cbrne = "CBRNE",
        /// Other events.
        Other = "Other",
    }
);

vocabulary!(
    /// `<responseType>`: the action recommended.
    ResponseType, "a CAP response type" {
        /// Take shelter in place.
        Shelter = "Shelter",
        /// Relocate.
        Evacuate = "Evacuate",
        /// Make preparations.
        Prepare = "Prepare",
        /// Execute a pre-planned activity.
        Execute = "Execute",
        /// Avoid the subject event.
        Avoid = "Avoid",
        /// Attend to information sources.
        Monitor = "Monitor",
        /// Evaluate the information in this message (not for public warnings).
        Assess = "Assess",
        /// The subject event no longer poses a threat.
        AllClear = "AllClear",
        /// No action recommended.
        None = "None",
    }
);

vocabulary!(
    /// `<urgency>`: how soon to act.
    Urgency, "a CAP urgency" {
        /// Responsive action should be taken immediately.
        Immediate = "Immediate",
        /// Within the next hour.
        Expected = "Expected",
        /// In the near future.
        Future = "Future",
        /// No longer required.
        Past = "Past",
        /// Not known.
        Unknown = "Unknown",
    }
);

vocabulary!(
    /// `<severity>`: how bad.
    Severity, "a CAP severity" {
        /// Extraordinary threat to life or property.
        Extreme = "Extreme",
        /// Significant threat to life or property.
        Severe = "Severe",
        /// Possible threat to life or property.
        Moderate = "Moderate",
        /// Minimal to no known threat to life or property.
        Minor = "Minor",
        /// Not known.
        Unknown = "Unknown",
    }
);

vocabulary!(
    /// `<certainty>`: how sure.
    Certainty, "a CAP certainty" {
        /// Determined to have occurred or to be ongoing.
        Observed = "Observed",
        /// Likely (p > ~50%).
        Likely = "Likely",
        /// Possible but not likely (p <= ~50%).
        Possible = "Possible",
        /// Not expected to occur (p ~ 0).
        Unlikely = "Unlikely",
        /// Not known.
        Unknown = "Unknown",
    }
);
