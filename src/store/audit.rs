//! The audit log: one row for every change made through the API and every export of
//! personal data, with who (the token's name and id), what, which network, when and from
//! which address. Rows are only ever added.

use super::model::NetworkId;
use super::rows::{get, new_id};
use super::{Store, StoreError};

/// One thing someone did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When (epoch ms).
    pub at: i64,
    /// Who: `token NAME (ID)`, or `cli`.
    pub actor: String,
    /// What, e.g. `alert.create`, `alert.cancel`, `members.export`.
    pub action: String,
    /// The network it concerned, if one.
    pub network: Option<NetworkId>,
    /// What it acted on: an alert's or a member's id.
    pub subject: Option<String>,
    /// The client's address.
    pub address: Option<String>,
}

impl Store {
    /// Adds an entry.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, network_id, subject, address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(entry.network.as_ref().map(NetworkId::as_str))
        .bind(&entry.subject)
        .bind(&entry.address)
        .execute(&self.pool)
        .await?;
        self.count_write();
        Ok(())
    }

    /// Entries before `before` (epoch ms, exclusive; all when `None`), newest first, at most
    /// `limit`.
    pub async fn audit_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, network_id, subject, address FROM audit_log \
             WHERE at < $1 ORDER BY at DESC, id LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: get(row, "at")?,
                    actor: get(row, "actor")?,
                    action: get(row, "action")?,
                    network: get::<Option<String>>(row, "network_id")?.map(NetworkId),
                    subject: get(row, "subject")?,
                    address: get(row, "address")?,
                })
            })
            .collect()
    }
}
