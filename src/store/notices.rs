//! News between instances on PostgreSQL: `NOTIFY` when an alert starts or stops sending and
//! when a call leaves the line, `LISTEN` in every `serve`. An idle instance then waits for
//! news instead of asking the database every few milliseconds; a slow poll covers what a
//! lost connection missed. SQLite has no such channel (one gateway per file, and the
//! commands that share the file are looked for by a cheap poll).
//!
//! The channel is named after the schema (`buurtbel.<schema>`), so instances of separate
//! deployments in one database do not wake each other.

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

    /// Tells every listening instance, now (outside a transaction); nothing on SQLite.
    pub(super) async fn notify(&self, notice: Notice) -> Result<(), StoreError> {
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
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
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
