//! What CAP (Common Alerting Protocol 1.2) messages need of the store: the areas each network
//! covers, matched against a message's geocodes, and the record of every message received.
//!
//! A message is recorded once per sender and identifier (UNIQUE): a repeated one finds its
//! record and changes nothing, and an Update or Cancel finds the alert of the message it
//! references through the same record.

use super::model::{AlertId, AreaScheme, MemberStatus, NetworkId};
use super::rows::{get, new_id, parse, placeholders};
use super::{Store, StoreError};
use sqlx::any::AnyRow;

/// A code a network covers: a NIS municipality code or a postal code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NetworkArea {
    /// Which kind of code.
    pub scheme: AreaScheme,
    /// The code, e.g. `11002` (NIS) or `2000` (postal).
    pub code: String,
}

/// A CAP message as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapRecord {
    /// The record's id.
    pub id: String,
    /// `<sender>`.
    pub sender: String,
    /// `<identifier>`.
    pub identifier: String,
    /// `<sent>` as written.
    pub sent: String,
    /// `<status>`.
    pub status: String,
    /// `<msgType>`.
    pub msg_type: String,
    /// `<references>` as written.
    pub references: String,
    /// SHA-256 of the document, hex: the same identifier with other content is refused.
    pub document_sha256: String,
    /// The alert it made or acted on.
    pub alert: Option<AlertId>,
    /// What it did: `created`, `held`, `updated`, `cancelled`, `recorded`, …
    pub effect: String,
    /// The token that posted it.
    pub received_by: String,
    /// When (epoch ms).
    pub received_at: i64,
}

const COLUMNS: &str = "id, sender, identifier, sent, status, msg_type, references_text, \
                       document_sha256, alert_id, effect, received_by, received_at";

impl Store {
    /// Replaces the codes a network covers.
    pub async fn set_network_areas(
        &self,
        network: &NetworkId,
        areas: &[NetworkArea],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM network_areas WHERE network_id = $1")
            .bind(network.as_str())
            .execute(&mut *tx)
            .await?;
        for area in areas {
            sqlx::query(
                "INSERT INTO network_areas (network_id, scheme, code) VALUES ($1, $2, $3) \
                 ON CONFLICT (network_id, scheme, code) DO NOTHING",
            )
            .bind(network.as_str())
            .bind(area.scheme.as_str())
            .bind(&area.code)
            .execute(&mut *tx)
            .await?;
        }
        self.commit(tx).await
    }

    /// The codes a network covers, sorted.
    pub async fn network_areas(&self, network: &NetworkId) -> Result<Vec<NetworkArea>, StoreError> {
        let rows = sqlx::query(
            "SELECT scheme, code FROM network_areas WHERE network_id = $1 ORDER BY scheme, code",
        )
        .bind(network.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(NetworkArea {
                    scheme: parse(row, "network_areas", "scheme")?,
                    code: get(row, "code")?,
                })
            })
            .collect()
    }

    /// Every network's codes, by network id then code.
    pub async fn all_network_areas(&self) -> Result<Vec<(NetworkId, NetworkArea)>, StoreError> {
        let rows = sqlx::query(
            "SELECT network_id, scheme, code FROM network_areas \
             ORDER BY network_id, scheme, code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let area = NetworkArea {
                    scheme: parse(row, "network_areas", "scheme")?,
                    code: get(row, "code")?,
                };
                Ok((NetworkId(get(row, "network_id")?), area))
            })
            .collect()
    }

    /// The networks covering the code, by id.
    pub async fn networks_covering(
        &self,
        area: &NetworkArea,
    ) -> Result<Vec<NetworkId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT network_id FROM network_areas WHERE scheme = $1 AND code = $2 \
             ORDER BY network_id",
        )
        .bind(area.scheme.as_str())
        .bind(&area.code)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(NetworkId).collect())
    }

    /// How many active members each network has (a network without any is left out).
    pub async fn active_members(
        &self,
        networks: &[NetworkId],
    ) -> Result<Vec<(NetworkId, i64)>, StoreError> {
        if networks.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT nm.network_id AS network_id, COUNT(*) AS members FROM network_members nm \
             JOIN members m ON m.id = nm.member_id \
             WHERE m.status = $1 AND nm.network_id IN ({}) GROUP BY nm.network_id",
            placeholders(2, networks.len())
        );
        let mut query = sqlx::query(&sql).bind(MemberStatus::Active.as_str());
        for network in networks {
            query = query.bind(network.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((NetworkId(get(row, "network_id")?), get(row, "members")?)))
            .collect()
    }

    /// Records a CAP message; false when one from its sender with its identifier is
    /// recorded already (the stored one stands).
    pub async fn record_cap_message(&self, record: &CapRecord) -> Result<bool, StoreError> {
        let id = if record.id.is_empty() {
            new_id()
        } else {
            record.id.clone()
        };
        let done = sqlx::query(
            "INSERT INTO cap_messages (id, sender, identifier, sent, status, msg_type, \
             references_text, document_sha256, alert_id, effect, received_by, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (sender, identifier) DO NOTHING",
        )
        .bind(&id)
        .bind(&record.sender)
        .bind(&record.identifier)
        .bind(&record.sent)
        .bind(&record.status)
        .bind(&record.msg_type)
        .bind(&record.references)
        .bind(&record.document_sha256)
        .bind(record.alert.as_ref().map(AlertId::as_str))
        .bind(&record.effect)
        .bind(&record.received_by)
        .bind(record.received_at)
        .execute(&self.pool)
        .await?;
        let inserted = done.rows_affected() == 1;
        if inserted {
            self.count_write();
        }
        Ok(inserted)
    }

    /// The CAP message a sender sent with this identifier, if recorded.
    pub async fn cap_message(
        &self,
        sender: &str,
        identifier: &str,
    ) -> Result<Option<CapRecord>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM cap_messages WHERE sender = $1 AND identifier = $2");
        let row = sqlx::query(&sql)
            .bind(sender)
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from).transpose()
    }

    /// The CAP messages that made or acted on an alert, oldest first.
    pub async fn alert_cap_messages(&self, alert: &AlertId) -> Result<Vec<CapRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM cap_messages WHERE alert_id = $1 ORDER BY received_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from).collect()
    }
}

fn record_from(row: &AnyRow) -> Result<CapRecord, StoreError> {
    let alert: Option<String> = get(row, "alert_id")?;
    Ok(CapRecord {
        id: get(row, "id")?,
        sender: get(row, "sender")?,
        identifier: get(row, "identifier")?,
        sent: get(row, "sent")?,
        status: get(row, "status")?,
        msg_type: get(row, "msg_type")?,
        references: get(row, "references_text")?,
        document_sha256: get(row, "document_sha256")?,
        alert: alert.map(AlertId),
        effect: get(row, "effect")?,
        received_by: get(row, "received_by")?,
        received_at: get(row, "received_at")?,
    })
}
