//! Numbers several members share, such as a household landline. The dispatcher calls such a
//! number once per alert for every member reached through it, never once per member and never
//! twice at once; these reads tell it which due deliveries dial a shared number, and which
//! deliveries of an alert one call to a number serves.
//!
//! Both reads start from `contact_points_number (number, position)`: a shared number has a
//! handful of rows, and each leads to at most one delivery per alert through the deliveries'
//! unique `(alert_id, member_id)`.

use super::deliveries::{DueDelivery, due_columns};
use super::model::{AlertId, AlertState, MemberId, MemberStatus};
use super::rows::placeholders;
use super::{Store, StoreError};
use std::collections::HashSet;

/// Numbers per statement, far below both databases' limits on bound parameters.
const CHUNK: usize = 1000;

impl Store {
    /// The deliveries of a sending alert with a try scheduled, due or not, whose next number
    /// is `number`, first due first: the members one call to that number reaches.
    pub async fn deliveries_through(
        &self,
        alert: &AlertId,
        number: &str,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let sql = format!(
            "SELECT {} FROM contact_points cp \
             JOIN deliveries d ON d.member_id = cp.member_id AND d.contact_index = cp.position \
             JOIN alerts a ON a.id = d.alert_id JOIN members m ON m.id = d.member_id \
             WHERE cp.number = $1 AND d.alert_id = $2 AND d.next_try_at IS NOT NULL \
             AND a.state = $3 ORDER BY d.next_try_at, d.id",
            due_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(number)
            .bind(alert.as_str())
            .bind(AlertState::Sending.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut through = self.due_from_rows(&rows).await?;
        for delivery in &mut through {
            delivery.shared = true;
        }
        Ok(through)
    }

    /// The members the alert targets (active, in one of its networks) who share a number
    /// with one of `members` and are not among them: written with them, a household's
    /// deliveries exist together, so its first call serves all of them, whichever page of the
    /// alert's members each falls in.
    pub async fn housemates(
        &self,
        alert: &AlertId,
        members: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError> {
        let given: HashSet<&str> = members.iter().map(MemberId::as_str).collect();
        let mut found = std::collections::BTreeSet::new();
        for chunk in members.chunks(CHUNK) {
            let sql = format!(
                "SELECT DISTINCT other.member_id FROM contact_points mine \
                 JOIN contact_points other ON other.number = mine.number \
                 AND other.member_id <> mine.member_id \
                 JOIN members m ON m.id = other.member_id AND m.status = $2 \
                 WHERE mine.member_id IN ({}) AND EXISTS (SELECT 1 FROM network_members nm \
                 JOIN alert_networks an ON an.network_id = nm.network_id \
                 WHERE nm.member_id = other.member_id AND an.alert_id = $1)",
                placeholders(3, chunk.len())
            );
            let mut query = sqlx::query_scalar(&sql)
                .bind(alert.as_str())
                .bind(MemberStatus::Active.as_str());
            for member in chunk {
                query = query.bind(member.as_str());
            }
            let ids: Vec<String> = query.fetch_all(&self.pool).await?;
            found.extend(ids.into_iter().filter(|id| !given.contains(id.as_str())));
        }
        Ok(found.into_iter().map(MemberId).collect())
    }

    /// Sets [`DueDelivery::shared`] on each delivery whose next number another member has.
    pub(super) async fn mark_shared(&self, due: &mut [DueDelivery]) -> Result<(), StoreError> {
        let numbers: Vec<String> = due
            .iter()
            .filter_map(|d| d.next_contact().map(|p| p.number.clone()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut shared = HashSet::new();
        for chunk in numbers.chunks(CHUNK) {
            let sql = format!(
                "SELECT number FROM contact_points WHERE number IN ({}) \
                 GROUP BY number HAVING COUNT(*) > 1",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_scalar(&sql);
            for number in chunk {
                query = query.bind(number.as_str());
            }
            let found: Vec<String> = query.fetch_all(&self.pool).await?;
            shared.extend(found);
        }
        for delivery in due {
            delivery.shared = delivery
                .next_contact()
                .is_some_and(|p| shared.contains(&p.number));
        }
        Ok(())
    }
}
