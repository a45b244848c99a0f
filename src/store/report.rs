//! One alert read for its report and its live stream: every attempt of its deliveries in one
//! statement, and the deliveries changed since a moment (through
//! `deliveries_alert_changed`), so a reader never asks once per member.

use super::attempts::{self, Attempt};
use super::deliveries::{self, DeliveryLine};
use super::model::{AlertId, AlertState, DeliveryState};
use super::rows::get;
use super::{Store, StoreError};

impl Store {
    /// Every attempt of the alert's deliveries, by delivery and then in order.
    pub async fn alert_attempts(&self, alert: &AlertId) -> Result<Vec<Attempt>, StoreError> {
        let sql = format!(
            "SELECT {} FROM attempts t JOIN deliveries d ON d.id = t.delivery_id \
             WHERE d.alert_id = $1 ORDER BY t.delivery_id, t.seq",
            attempts::COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(attempts::attempt_from).collect()
    }

    /// The alert's deliveries last changed at or after `since` (epoch ms), oldest change
    /// first, with member names.
    pub async fn deliveries_changed(
        &self,
        alert: &AlertId,
        since: i64,
    ) -> Result<Vec<DeliveryLine>, StoreError> {
        let sql = format!(
            "SELECT {}, m.name FROM deliveries d JOIN members m ON m.id = d.member_id \
             WHERE d.alert_id = $1 AND d.updated_at >= $2 ORDER BY d.updated_at, d.id",
            deliveries::COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryLine {
                    delivery: deliveries::delivery_from(row)?,
                    member_name: get(row, "name")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Deliveries of sending alerts still open: a call in progress or a try scheduled.
    pub async fn pending_deliveries(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries d JOIN alerts a ON a.id = d.alert_id \
             WHERE a.state = $1 AND (d.next_try_at IS NOT NULL OR d.state = $2)",
        )
        .bind(AlertState::Sending.as_str())
        .bind(DeliveryState::Calling.as_str())
        .fetch_one(&self.pool)
        .await?)
    }
}

impl Store {
    /// One round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: i64 = sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }
}
