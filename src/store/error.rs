//! The store's one error type. Database and migration failures are wrapped as they come;
//! everything the store itself refuses has its own case, so a caller (the HTTP layer, the
//! dispatcher) can map each to an answer without reading SQL text.

use super::model::{AlertId, AttemptId, DeliveryState, MemberId, NetworkId};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL (shown without its password) is neither `sqlite:…` nor
    /// `postgres://…`.
    #[error("unsupported database URL `{0}`: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The PostgreSQL server refused the connection or did not answer.
    #[error("cannot reach PostgreSQL at {address}: {cause}")]
    Unreachable {
        /// `host:port`.
        address: String,
        /// Refused, silent, or what the system said.
        #[source]
        cause: ConnectFailure,
    },
    /// SQLite did not switch to write-ahead logging.
    #[error("SQLite stayed in journal mode `{0}`, not WAL")]
    JournalMode(String),
    /// The database refused or failed a statement, or the connection broke.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A row holds a value this build does not understand.
    #[error("column `{table}.{column}` holds `{value}`, which this build does not know")]
    BadValue {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// A language the chain does not speak (`nl`, `fr`, `de`, `en`).
    #[error("unknown language `{0}`")]
    UnknownLanguage(String),
    /// A network with this name exists.
    #[error("a network named `{0}` exists")]
    NetworkNameTaken(String),
    /// No such network.
    #[error("no network {0}")]
    UnknownNetwork(NetworkId),
    /// No such alert.
    #[error("no alert {0}")]
    UnknownAlert(AlertId),
    /// No such attempt.
    #[error("no attempt {0}")]
    UnknownAttempt(AttemptId),
    /// This instance's lease has expired: it may no longer write (another instance may
    /// have taken over its calls).
    #[error("the lease of instance `{0}` has expired; it no longer writes")]
    LeaseExpired(String),
    /// Another process holds a live lease: under this instance's name, or (SQLite, one
    /// gateway per file) under any name.
    #[error("{}", held(.0))]
    InstanceHeld(Box<super::instances::Instance>),
    /// An attempt that was already finished.
    #[error("attempt {0} is already finished")]
    AttemptFinished(AttemptId),
    /// One member of an import is invalid; nothing was imported.
    #[error("member {index} (counting from 0): {problem}; nothing imported")]
    InvalidMember {
        /// Its position in the list handed in.
        index: usize,
        /// What is wrong with it.
        problem: MemberProblem,
    },
    /// An alert that cannot be created as given.
    #[error("alert: {0}")]
    InvalidAlert(AlertProblem),
    /// An idempotency key sent again with a different alert.
    #[error(
        "the key `{key}` already made alert {alert}, which differs in {}; send the same \
         alert again, or this one with a new key",
        differs.join(", ")
    )]
    KeyTaken {
        /// The key.
        key: String,
        /// The alert it made.
        alert: AlertId,
        /// What differs: `kind`, `networks`, `drill`, `activation of`, `message (nl)`…
        differs: Vec<String>,
    },
    /// A member that does not exist.
    #[error("no member {0}")]
    UnknownMember(MemberId),
    /// A member not erased because alert `alert` is calling them or will try again.
    #[error("member {member} is being called for alert {alert}; erase them once it is over")]
    MemberBeingCalled {
        /// The member.
        member: MemberId,
        /// The alert still sending to them.
        alert: AlertId,
    },
    /// A delivery change the store refuses: `calling` only comes from `begin_attempt`, the
    /// acknowledged states only from `acknowledge`, `pending` only from
    /// `create_deliveries`, and a final state never has a next try.
    #[error("a delivery cannot be moved to `{to}`{} this way", with_try(*.scheduled))]
    InvalidTransition {
        /// The state asked for.
        to: DeliveryState,
        /// Whether a next try was given with it.
        scheduled: bool,
    },
    /// `begin_attempt` was asked to start from `calling` or a final state, which would call
    /// a member twice at once or after they acknowledged.
    #[error("an attempt never begins from `{0}`")]
    NoAttemptFrom(DeliveryState),
}

fn with_try(scheduled: bool) -> &'static str {
    if scheduled { " with a next try" } else { "" }
}

/// Why a database server could not be reached, in the words an operator searches for.
#[derive(Debug, thiserror::Error)]
pub enum ConnectFailure {
    /// Nothing listens at the address.
    #[error("connection refused")]
    Refused(#[source] std::io::Error),
    /// No answer in time.
    #[error("no answer within {} s", .0.as_secs())]
    Silent(std::time::Duration),
    /// What the system said.
    #[error("{0}")]
    Io(#[source] std::io::Error),
}

/// What is wrong with a member handed to an import: a member's own rule, so it lives with
/// the members.
pub use crate::members::MemberProblem;

/// What is wrong with an alert handed to `create_alert`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertProblem {
    /// No network targeted.
    #[error("targets no network")]
    NoNetwork,
    /// No message in any language.
    #[error("has no message")]
    NoMessage,
    /// Two messages in one language.
    #[error("has two messages in `{0}`")]
    RepeatedLanguage(String),
    /// A language the chain does not speak.
    #[error("unknown language `{0}`")]
    BadLanguage(String),
    /// An empty text or an empty recording.
    #[error("the `{0}` message is empty")]
    EmptyMessage(String),
    /// `activation_of` on an alert that is not feedback.
    #[error("only a feedback alert follows up an activation")]
    ActivationOfNotFeedback,
}

/// Names the process that holds the lease, and what to do.
fn held(holder: &super::instances::Instance) -> String {
    let left = (holder.lease_expires_at - holder.read_at).max(0);
    format!(
        "instance `{}` (pid {} on {}) is serving this database, its lease runs {:.1} s more; \
         stop it first, or give this one another `[instance] name` (PostgreSQL only: on \
         SQLite one gateway serves a file)",
        holder.id,
        holder.pid,
        holder.host,
        left as f64 / 1000.0
    )
}
