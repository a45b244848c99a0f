//! News between processes. On PostgreSQL: `NOTIFY` when an alert starts or stops sending and
//! when a call leaves the line, `LISTEN` in every `serve`. An idle instance then waits for
//! news instead of asking the database every few milliseconds; a slow poll covers what a
//! lost connection missed. The channel is named after the schema (`buurtbel.<schema>`), so
//! instances of separate deployments in one database do not wake each other.
//!
//! SQLite has no such channel. Beside a database file `buurtbel.db`, a process that sends or
//! stops an alert writes `buurtbel.db.notice` (eight random bytes, owner-only); the one
//! `serve` on the file looks at that file's modification time and size every 20 ms, a
//! `stat` and no query, and sweeps the alerts when it changed. An in-memory database has no
//! other process to hear from.

use super::{Backend, Store, StoreError};
use sqlx::postgres::PgListener;
use sqlx::{Any, Transaction};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// An alert started or stopped sending (sent, cancelled, expired, completed).
    Alerts,
    /// A call left the line: a number, a member or a channel may be free.
    Line,
}

impl Notice {
    fn as_str(self) -> &'static str {
        match self {
            Notice::Alerts => "alerts",
            Notice::Line => "line",
        }
    }

    fn parse(payload: &str) -> Option<Notice> {
        match payload {
            "alerts" => Some(Notice::Alerts),
            "line" => Some(Notice::Line),
            _ => None,
        }
    }
}

/// A listening connection; see [`Store::listen`].
pub struct Notices {
    listener: PgListener,
}

impl Notices {
    /// The next notice. `Err` when the connection broke; the next call connects again (what
    /// was sent meanwhile is lost, which the caller's slow poll covers).
    pub async fn next(&mut self) -> Result<Option<Notice>, StoreError> {
        let notification = self.listener.recv().await?;
        Ok(Notice::parse(notification.payload()))
    }
}

impl Store {
    /// Starts listening for notices; `None` on SQLite.
    pub async fn listen(&self) -> Result<Option<Notices>, StoreError> {
        let Some(url) = self.postgres_url.as_deref() else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(url).await?;
        listener.listen(&self.channel().await?).await?;
        Ok(Some(Notices { listener }))
    }

    /// Whether a SQLite file's notice has changed since the last look (a sweep is due);
    /// `None` where there is no notice file (PostgreSQL, or SQLite in memory).
    pub fn alerts_noticed(&self) -> Option<bool> {
        self.notice_file.as_deref().map(NoticeFile::changed)
    }

    /// Tells every listening instance, now (outside a transaction). On a SQLite file, writes
    /// the notice file for an alert's news.
    pub(super) async fn notify(&self, notice: Notice) -> Result<(), StoreError> {
        if let Some(file) = &self.notice_file {
            if notice == Notice::Alerts {
                file.touch();
            }
            return Ok(());
        }
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        sqlx::query(NOTIFY)
            .bind(notice.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The channel's name: `buurtbel.` and the schema the store works in.
    async fn channel(&self) -> Result<String, StoreError> {
        let schema: String = sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
            .fetch_one(&self.pool)
            .await?;
        Ok(format!("buurtbel.{schema}"))
    }
}

/// Tells every listening instance when the transaction commits; nothing on SQLite.
pub(super) async fn notify_on_commit(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    notice: Notice,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query(NOTIFY)
            .bind(notice.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

const NOTIFY: &str = "SELECT pg_notify('buurtbel.' || current_schema(), $1)";

/// The notice file beside a SQLite database, and what the last look saw of it.
#[derive(Debug)]
pub(super) struct NoticeFile {
    path: std::path::PathBuf,
    /// What the last look saw: the file's modification time and size, or no file; `None`
    /// before the first look.
    seen: std::sync::Mutex<Option<Option<(std::time::SystemTime, u64)>>>,
}

impl NoticeFile {
    pub(super) fn new(path: std::path::PathBuf) -> NoticeFile {
        NoticeFile {
            path,
            seen: std::sync::Mutex::new(None),
        }
    }

    /// Writes new content, so its modification time moves. A failure is logged: the `serve`
    /// still sees the alert at its next slow sweep.
    fn touch(&self) {
        let content: [u8; 8] = rand::random();
        if let Err(e) = super::connect::write_private(&self.path, &content) {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot write the notice file");
        }
    }

    /// True when the file changed since the last look (not on the first look).
    fn changed(&self) -> bool {
        let now = std::fs::metadata(&self.path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let changed = seen.is_some_and(|before| before != now);
        *seen = Some(now);
        changed
    }
}
