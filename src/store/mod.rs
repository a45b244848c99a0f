//! The alert chain's persistence: networks, members, alerts, deliveries, attempts and
//! acknowledgements, on SQLite (the embedded default, one file in WAL mode) or PostgreSQL,
//! through one [`sqlx::AnyPool`].
//!
//! # What it owns, what it does not
//! The store owns the schema (`migrations/sqlite`, `migrations/postgres`, run by
//! [`Store::open`]) and every statement. It never reads the clock: each write takes `now`
//! (epoch milliseconds) from the caller, so tests and the dispatcher decide what time it is.
//! It does not decide policy (when to retry, which number next, what counts as urgent enough
//! to break quiet hours); it records the dispatcher's decisions atomically.
//!
//! # Invariants the transactions keep
//! The dispatcher is crash-safe because every state change is committed before it is acted
//! on, and each change is one transaction:
//! - [`Store::begin_attempt`] moves a delivery to `calling` *and* inserts the attempt row,
//!   only if the delivery is still in a state the caller expected, has a try scheduled and
//!   its alert is still sending. After a `kill -9`, [`Store::in_flight`] lists exactly the
//!   calls that may have been ringing.
//! - [`Store::finish_attempt`] completes the attempt row and moves the delivery on only while
//!   it is still `calling`: an acknowledgement or a cancellation that arrived during the call
//!   is never overwritten.
//! - [`Store::acknowledge`] inserts at most one acknowledgement per (alert, member) and marks
//!   the delivery acknowledged in the same transaction; [`Store::create_deliveries`] honours
//!   an acknowledgement that arrived before the delivery row existed. So an acknowledgement
//!   is never lost, never doubled, and an acknowledged member is never called again.
//! - `next_try_at` NOT NULL means "a try is scheduled"; every move to a final state clears
//!   it, a stopped (cancelled, expired) alert keeps none, and [`Store::due_deliveries`] reads
//!   only those rows, through one index.
//!
//! # Counting writes
//! Every committed write transaction, and every lone write statement that changed a row, adds
//! one to [`Store::writes`]; a refused guarded change (rolled back, or matching no row) adds
//! nothing. A call costs exactly two, `begin_call` and `finish_call` (`begin_attempt` and
//! `finish_attempt` for one delivery), however many members sharing its number it serves.
//!
//! # One SQL text, two dialects
//! Statements use `$1`-style placeholders, which PostgreSQL requires and sqlx's SQLite driver
//! also binds (it reads `$N` as the N-th argument). Times are integers, ids text, booleans
//! `0`/`1` integers, so the same text runs on both; the few differences (how a write
//! transaction begins, a row lock only PostgreSQL needs) are the methods of [`Backend`], side
//! by side.

mod alerts;
mod approvals;
mod attempts;
mod audit;
mod callback;
mod cap;
mod connect;
mod deliveries;
mod error;
mod history;
mod identify;
mod import;
mod inbox;
mod instances;
mod ledger;
mod member_changes;
mod member_rows;
mod members;
mod model;
mod networks;
mod notices;
mod recordings;
mod report;
mod retention;
mod rows;
mod settle;
mod shared_lines;
mod texts;
mod tokens;
mod webhook_outbox;
mod webhook_queue;
mod webhooks;

pub use alerts::{Alert, Message, MessageBody, NewAlert};
pub use approvals::{Approval, Approved};
pub use attempts::{Attempt, AttemptResult, DeliveryStep, InFlight};
pub use audit::AuditEntry;
pub use callback::{CallbackAlert, CallbackClaim, CallbackEnd, CallbackMember, HUNG_UP};
pub use cap::{CapRecord, NetworkArea};
pub use connect::{CONNECT_TIMEOUT, redacted_url};
pub use deliveries::{Delivery, DeliveryLine, DeliveryTally, DueDelivery, Recipient};
pub use error::{AlertProblem, ConnectFailure, MemberProblem, StoreError};
pub use history::{AlertSummary, Confirmation, LastTry, MemberResult};
pub use import::{ImportSummary, NewMember};
pub use inbox::{InboxMessage, inbox_id};
pub use instances::{Instance, Lease, Registration};
pub use ledger::{CallClaim, LineClaim, TrunkLedger};
pub use member_changes::{ERASED_NAME, ERASED_NUMBER};
pub use member_rows::{MAX_PHONES, consent_at, consent_day, refused_row};
pub use members::{ContactPoint, Member};
pub use model::{
    AckHow, AlertId, AlertKind, AlertState, AreaScheme, AttemptChannel, AttemptId, Channel,
    ContactKind, DeliveryId, DeliveryState, Identification, InboxMeaning, LANGUAGES, MemberId,
    MemberStatus, NetworkId, NetworkKind, QuietHours, ReceiptState, Role, TokenId, UnknownText,
};
pub use networks::{Network, NewNetwork, missing_languages};
pub use notices::{Notice, Notices};
pub use recordings::StoredRecording;
pub use retention::{Purged, REMOVED_NUMBER, RetentionPeriods};
pub use settle::Acknowledgement;
pub use texts::{DueText, TextEnd, TextNetwork};
pub use tokens::{NewToken, SECRET_PREFIX, Token};
pub use webhook_outbox::{ConfirmationSeen, OutboxEvent};
pub use webhook_queue::{DueWebhookEvent, EventClaim, TryOutcome, WebhookEventRecord};
pub use webhooks::{
    EventState, NewWebhook, REMOVED_BEFORE_SENT, WEBHOOK_SECRET_PREFIX, Webhook, WebhookEvent,
    WebhookId, WebhookTally,
};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The database behind a [`Store`]; where the dialects differ, the texts are here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file in WAL mode (or `sqlite::memory:` for tests).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Which backend a database URL names.
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redacted_url(url)))
        }
    }

    /// Opens a write transaction. SQLite must take the write lock up front: a deferred
    /// transaction that reads and then writes fails at once with `SQLITE_BUSY` when another
    /// connection wrote meanwhile, instead of waiting out the busy timeout.
    fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// A statement `finish_attempt` runs before it reads the alert's state, `$1` the
    /// delivery id. On PostgreSQL (read committed) it share-locks the alert row, so a
    /// concurrent cancel either waits and then cancels the retry this attempt scheduled, or
    /// commits first and is seen, so no retry is left scheduled on a stopped alert. Many
    /// finishes share the lock at once. SQLite needs none: `BEGIN IMMEDIATE` already makes
    /// writers take turns.
    fn lock_alert_of_delivery(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                "SELECT id FROM alerts WHERE id = \
                 (SELECT alert_id FROM deliveries WHERE id = $1) FOR SHARE",
            ),
        }
    }

    /// The due scan of [`Store::due_deliveries`], `$1` now, `$2` the alert state, `$3` the
    /// limit. SQLite walks its partial index `(priority, next_try_at, id)` in order. PostgreSQL
    /// takes each sending alert's first due rows from `(alert_id, next_try_at, id)` and merges
    /// them: an alert's priority never changes, so the first `$3` overall are among them.
    fn due_scan(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "FROM deliveries d CROSS JOIN alerts a CROSS JOIN members m \
                 WHERE a.id = d.alert_id AND m.id = d.member_id \
                 AND d.next_try_at IS NOT NULL AND d.next_try_at <= $1 AND a.state = $2 \
                 ORDER BY d.priority, d.next_try_at, d.id LIMIT $3"
            }
            Backend::Postgres => {
                "FROM alerts a CROSS JOIN LATERAL (SELECT * FROM deliveries d \
                 WHERE d.alert_id = a.id AND d.next_try_at IS NOT NULL AND d.next_try_at <= $1 \
                 ORDER BY d.next_try_at, d.id LIMIT $3) d \
                 JOIN members m ON m.id = d.member_id \
                 WHERE a.state = $2 \
                 ORDER BY d.priority, d.next_try_at, d.id LIMIT $3"
            }
        }
    }

    /// The earliest scheduled try of any sending alert after a time, `$1` the state, `$2`
    /// the time.
    fn next_due(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "SELECT MIN(d.next_try_at) FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
                 WHERE d.next_try_at IS NOT NULL AND d.next_try_at > $2 AND a.state = $1"
            }
            Backend::Postgres => {
                "SELECT MIN((SELECT MIN(d.next_try_at) FROM deliveries d \
                 WHERE d.alert_id = a.id AND d.next_try_at IS NOT NULL AND d.next_try_at > $2)) \
                 FROM alerts a WHERE a.state = $1"
            }
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// The alert chain's database. Cheap to clone: clones share the pool and the write counter.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writes: Arc<AtomicU64>,
    /// The lease every write transaction checks first, once the instance has registered.
    lease: Option<Arc<Lease>>,
    /// On PostgreSQL, the URL a listening connection opens.
    postgres_url: Option<Arc<str>>,
    /// On a SQLite file, the file whose change tells a `serve` of news (see `notices`).
    notice_file: Option<Arc<notices::NoticeFile>>,
}

impl Store {
    /// Connects and brings the schema up to date.
    ///
    /// `sqlite:PATH` or `sqlite://PATH` opens the file, creating it if missing, and switches
    /// it to WAL (foreign keys on and a 5 s busy timeout are sqlx's defaults).
    /// `sqlite::memory:` is a private in-memory database on a single connection.
    /// `postgres://…` connects as given (a `?options=-c search_path=…` parameter works); a
    /// server that refuses or does not answer is [`StoreError::Unreachable`] within
    /// [`CONNECT_TIMEOUT`]. A new SQLite file is created readable by its owner only.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let pool = match backend {
            Backend::Sqlite => open_sqlite(url).await?,
            Backend::Postgres => connect::postgres_pool(url).await?,
        };
        backend.migrator().run(&pool).await?;
        let writes = Arc::new(AtomicU64::new(0));
        Ok(Store {
            pool,
            backend,
            writes,
            lease: None,
            postgres_url: (backend == Backend::Postgres).then(|| Arc::from(url)),
            notice_file: connect::sqlite_notice_file(url)
                .filter(|_| backend == Backend::Sqlite)
                .map(|path| Arc::new(notices::NoticeFile::new(path))),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Committed write transactions (and lone write statements that changed a row) since
    /// [`Store::open`] in this process, across clones.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// The pool, for reports and tests. Writes made through it are not counted.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; pending writes are already committed.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a write transaction; under a lease, refused unless the lease is live.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.pool.begin_with(self.backend.begin_write()).await?;
        if let Some(lease) = &self.lease {
            instances::check_lease(&mut tx, self.backend, lease).await?;
        }
        Ok(tx)
    }

    async fn commit(&self, transaction: Transaction<'static, Any>) -> Result<(), StoreError> {
        transaction.commit().await?;
        self.count_write();
        Ok(())
    }

    fn count_write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
}

/// An in-memory database lives as long as its connection, so it gets exactly one that never
/// idles out, and a task waits for it as long as the task before needs it: under a paused
/// (virtual-time) runtime a pool timeout would otherwise fire the moment every task waits on
/// the database. A file gets a few readers beside the one writer WAL allows.
async fn open_sqlite(url: &str) -> Result<AnyPool, StoreError> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let pool = if in_memory {
        AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(365 * 24 * 3600))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect(url)
            .await?
    } else {
        let url = with_create(url);
        if url.contains("mode=rwc") {
            connect::create_private_sqlite(&url);
        }
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await?;
        enable_wal(&pool).await?;
        pool
    };
    Ok(pool)
}

/// sqlx opens an existing SQLite file only, unless the URL says `mode=rwc`.
fn with_create(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// WAL is a property of the file, so setting it once is enough for every later connection.
async fn enable_wal(pool: &AnyPool) -> Result<(), StoreError> {
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
        .fetch_one(pool)
        .await?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(StoreError::JournalMode(mode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_files_are_created() {
        assert_eq!(
            Backend::of_url("sqlite:buurtbel.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::of_url("mysql://h/db").is_err());
        assert_eq!(with_create("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        assert_eq!(
            with_create("sqlite:a.db?cache=shared"),
            "sqlite:a.db?cache=shared&mode=rwc"
        );
        assert_eq!(with_create("sqlite:a.db?mode=ro"), "sqlite:a.db?mode=ro");
    }

    #[tokio::test]
    async fn a_sqlite_file_is_created_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("chain.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .expect("open");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .expect("journal mode");
        let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(store.pool())
            .await
            .expect("foreign keys");
        assert_eq!((mode.as_str(), keys), ("wal", 1));
        assert!(path.exists());
    }
}
