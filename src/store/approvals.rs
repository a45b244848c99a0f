//! A second person's approval of urgent alerts. A network may ask for it
//! (`networks.urgent_approval`); an urgent alert to such a network is stored as a draft with
//! the token that asked for it, and only another token's approval starts it. The approval and
//! the move to `sending` are one transaction, guarded on the alert still being a draft and
//! not yet approved, so two approvals racing start it once.

use super::model::{AlertId, AlertState, NetworkId, TokenId};
use super::notices::{Notice, notify_on_commit};
use super::rows::get;
use super::{Backend, Store, StoreError};

/// Who asked for an alert and who approved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The token that sent the alert.
    pub requested_by: TokenId,
    /// When.
    pub requested_at: i64,
    /// The token that approved it, once one has.
    pub approved_by: Option<TokenId>,
    /// When.
    pub approved_at: Option<i64>,
}

/// What an approval did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approved {
    /// The alert is sending now.
    Started,
    /// The token is the one that asked: a second person must approve.
    SamePerson,
    /// Nothing to approve: not held for approval, already approved, or no longer a draft.
    NotWaiting,
}

impl Store {
    /// Whether any of `networks` asks for a second person's approval of urgent alerts.
    pub async fn needs_approval(&self, networks: &[NetworkId]) -> Result<bool, StoreError> {
        for network in networks {
            let asks: Option<i64> =
                sqlx::query_scalar("SELECT urgent_approval FROM networks WHERE id = $1")
                    .bind(network.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
            if asks == Some(1) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Makes a network ask for (or stop asking for) approval of its urgent alerts; false
    /// when there is no such network.
    pub async fn set_urgent_approval(
        &self,
        network: &NetworkId,
        asks: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE networks SET urgent_approval = $2 WHERE id = $1")
            .bind(network.as_str())
            .bind(i64::from(asks))
            .execute(&self.pool)
            .await?;
        if done.rows_affected() > 0 {
            self.count_write();
        }
        Ok(done.rows_affected() > 0)
    }

    /// Holds a draft alert for approval, asked for by `token`; a second call for the same
    /// alert changes nothing.
    pub async fn hold_for_approval(
        &self,
        alert: &AlertId,
        token: &TokenId,
        now: i64,
    ) -> Result<(), StoreError> {
        let held = sqlx::query(
            "INSERT INTO alert_approvals (alert_id, requested_by, requested_at) \
             VALUES ($1, $2, $3) ON CONFLICT (alert_id) DO NOTHING",
        )
        .bind(alert.as_str())
        .bind(token.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        if held.rows_affected() > 0 {
            self.count_write();
        }
        Ok(())
    }

    /// The alert's approval, if it was held for one.
    pub async fn approval(&self, alert: &AlertId) -> Result<Option<Approval>, StoreError> {
        let row = sqlx::query(
            "SELECT requested_by, requested_at, approved_by, approved_at \
             FROM alert_approvals WHERE alert_id = $1",
        )
        .bind(alert.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Approval {
                requested_by: TokenId(get(&row, "requested_by")?),
                requested_at: get(&row, "requested_at")?,
                approved_by: get::<Option<String>>(&row, "approved_by")?.map(TokenId),
                approved_at: get(&row, "approved_at")?,
            })
        })
        .transpose()
    }

    /// `token` approves the alert: it starts sending, unless `token` asked for it or it is
    /// not waiting.
    pub async fn approve(
        &self,
        alert: &AlertId,
        token: &TokenId,
        now: i64,
    ) -> Result<Approved, StoreError> {
        let Some(approval) = self.approval(alert).await? else {
            return Ok(Approved::NotWaiting);
        };
        if approval.requested_by == *token {
            return Ok(Approved::SamePerson);
        }
        let mut tx = self.begin_write().await?;
        let approved = sqlx::query(
            "UPDATE alert_approvals SET approved_by = $2, approved_at = $3 \
             WHERE alert_id = $1 AND approved_by IS NULL AND requested_by <> $2",
        )
        .bind(alert.as_str())
        .bind(token.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let started = sqlx::query(
            "UPDATE alerts SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4",
        )
        .bind(alert.as_str())
        .bind(AlertState::Sending.as_str())
        .bind(now)
        .bind(AlertState::Draft.as_str())
        .execute(&mut *tx)
        .await?;
        if approved.rows_affected() == 0 || started.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Approved::NotWaiting);
        }
        notify_on_commit(&mut tx, self.backend, Notice::Alerts).await?;
        self.commit(tx).await?;
        if self.backend != Backend::Postgres {
            // The notice file tells a `serve` of this SQLite file.
            self.notify(Notice::Alerts).await?;
        }
        Ok(Approved::Started)
    }
}
