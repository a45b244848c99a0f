//! Deliveries: one per (alert, member), created in batches while the first calls go out.
//!
//! The dispatcher pages through [`Store::targeted_members`] (active members of any targeted
//! network, each once, by id) and hands each page to [`Store::create_deliveries`], which
//! inserts it in one transaction (one multi-row statement per 1000 rows) with `ON CONFLICT
//! DO NOTHING`: after a crash the same pages can be created again harmlessly. Each new
//! delivery is due at once (`next_try_at = now`), so the first calls go out while later
//! pages are still being written.
//!
//! [`Store::due_deliveries`] is the dispatcher's work queue: open deliveries whose
//! `next_try_at` has come, of alerts still `sending`, urgent alerts first, then by
//! `next_try_at` and id. The `priority` column (0 urgent, 1 other) is copied from the alert
//! kind, which never changes, so on SQLite one partial index `(priority, next_try_at, id)
//! WHERE next_try_at IS NOT NULL` serves the scan in order and it stops at the limit, however
//! many thousand deliveries an alert has. On PostgreSQL a partial index keeps finished
//! alerts' entries until VACUUM and misleads the planner once statistics see nothing due, so
//! the scan takes each sending alert's first rows from `(alert_id, next_try_at, id)`.

use super::members::{ContactPoint, group_contact_points, quiet_hours_from};
use super::model::{
    AckHow, AlertId, AlertKind, AlertState, Channel, DeliveryId, DeliveryState, MemberId,
    MemberStatus, QuietHours,
};
use super::rows::{get, narrow, new_id, parse, placeholders};
use super::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, HashMap};

/// An alert's deliveries counted by state at one moment: those settled (no call in flight,
/// no try scheduled: the state is final) apart from those still open, which the same words
/// can describe (`busy` with a retry to come is open; `busy` with no tries left is settled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryTally {
    /// Settled deliveries by their final state.
    pub settled: BTreeMap<DeliveryState, i64>,
    /// Open deliveries by the state they are in now.
    pub open: BTreeMap<DeliveryState, i64>,
}

impl DeliveryTally {
    /// How many are settled.
    pub fn settled_count(&self) -> i64 {
        self.settled.values().sum()
    }

    /// How many are open.
    pub fn open_count(&self) -> i64 {
        self.open.values().sum()
    }
}

/// One delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The alert.
    pub alert_id: AlertId,
    /// The member.
    pub member_id: MemberId,
    /// Where it is.
    pub state: DeliveryState,
    /// Tries begun so far.
    pub attempts: i64,
    /// Which contact point is next (index into the member's list).
    pub contact_index: i64,
    /// Rounds completed.
    pub rounds: i64,
    /// When the next try is due; `None` when none is scheduled.
    pub next_try_at: Option<i64>,
    /// The SIP status of the last call, if any.
    pub last_sip_status: Option<u16>,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// A delivery that is due, with what the dispatcher needs to make the call.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// The alert's kind (urgent ignores quiet hours).
    pub alert_kind: AlertKind,
    /// The alert's expiry.
    pub alert_expires_at: Option<i64>,
    /// Whether the alert is a drill.
    pub drill: bool,
    /// Who is called.
    pub recipient: Recipient,
    /// The number its next try dials is another member's too (a household landline), so one
    /// call may serve several deliveries ([`Store::deliveries_through`]).
    pub shared: bool,
}

impl DueDelivery {
    /// The contact point the next try dials: the one at `contact_index`, or the first when the
    /// member has fewer numbers now.
    pub fn next_contact(&self) -> Option<&ContactPoint> {
        let points = &self.recipient.contact_points;
        usize::try_from(self.delivery.contact_index)
            .ok()
            .and_then(|i| points.get(i))
            .or(points.first())
    }
}

/// The member's side of a due delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// Their name.
    pub name: String,
    /// Their language.
    pub language: String,
    /// Their channel preference.
    pub channel: Channel,
    /// Speech rate.
    pub speech_rate: f64,
    /// Their own quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// Their numbers in order.
    pub contact_points: Vec<ContactPoint>,
}

/// A line of an alert's final table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLine {
    /// The delivery.
    pub delivery: Delivery,
    /// The member's name.
    pub member_name: String,
}

/// Rows per statement: 1000 rows of 8 values stay far below both databases' limits
/// on bound parameters (32766 for SQLite, 65535 for PostgreSQL).
const CHUNK: usize = 1000;

pub(super) const COLUMNS: &str = "d.id, d.alert_id, d.member_id, d.state, d.attempts, d.contact_index, \
                       d.rounds, d.next_try_at, d.last_sip_status, d.created_at, d.updated_at";

impl Store {
    /// Active members of any network the alert targets, each once, by id, after `after`.
    ///
    /// One range scan per network along its primary key `(network_id, member_id)`, each
    /// stopping at `limit`, merged here: the first `limit` of the union are among them.
    /// A single `SELECT DISTINCT` over the join sorts every targeted member on each page.
    pub async fn targeted_members(
        &self,
        alert: &AlertId,
        after: Option<&MemberId>,
        limit: u32,
    ) -> Result<Vec<MemberId>, StoreError> {
        let networks: Vec<String> =
            sqlx::query_scalar("SELECT network_id FROM alert_networks WHERE alert_id = $1")
                .bind(alert.as_str())
                .fetch_all(&self.pool)
                .await?;
        let mut ids = std::collections::BTreeSet::new();
        for network in &networks {
            let page: Vec<String> = sqlx::query_scalar(
                "SELECT nm.member_id FROM network_members nm \
                 JOIN members m ON m.id = nm.member_id \
                 WHERE nm.network_id = $1 AND nm.member_id > $2 AND m.status = $3 \
                 ORDER BY nm.member_id LIMIT $4",
            )
            .bind(network)
            .bind(after.map_or("", MemberId::as_str))
            .bind(MemberStatus::Active.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            ids.extend(page);
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(ids.into_iter().take(limit).map(MemberId).collect())
    }

    /// Creates a pending delivery, due `now`, for each member that has none for this alert;
    /// returns how many were new. One transaction: the rows, and `acknowledged` for members
    /// whose acknowledgement came in before their delivery existed.
    pub async fn create_deliveries(
        &self,
        alert: &AlertId,
        members: &[MemberId],
        now: i64,
    ) -> Result<u64, StoreError> {
        if members.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let priority = i64::from(alert_kind(&mut tx, alert).await? != AlertKind::Urgent);
        let mut inserted = 0;
        for chunk in members.chunks(CHUNK) {
            let sql = insert_sql(chunk.len());
            let mut query = sqlx::query(&sql)
                .bind(alert.as_str())
                .bind(priority)
                .bind(DeliveryState::Pending.as_str())
                .bind(now);
            for member in chunk {
                query = query.bind(new_id()).bind(member.as_str());
            }
            inserted += query.execute(&mut *tx).await?.rows_affected();
        }
        text_instead(&mut tx, alert).await?;
        honour_early_acknowledgements(&mut tx, alert, now).await?;
        self.commit(tx).await?;
        Ok(inserted)
    }

    /// Due deliveries of `sending` alerts: urgent first, then by due time and id.
    pub async fn due_deliveries(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let sql = due_sql(self.backend());
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(AlertState::Sending.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut due = self.due_from_rows(&rows).await?;
        self.mark_shared(&mut due).await?;
        Ok(due)
    }

    /// One delivery, if it exists.
    pub async fn delivery(&self, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM deliveries d WHERE d.id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(delivery_from).transpose()
    }

    /// The alert's deliveries with member names, by name: the final table.
    pub async fn deliveries(&self, alert: &AlertId) -> Result<Vec<DeliveryLine>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, m.name FROM deliveries d JOIN members m ON m.id = d.member_id \
             WHERE d.alert_id = $1 ORDER BY m.name, d.id"
        );
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryLine {
                    delivery: delivery_from(row)?,
                    member_name: get(row, "name")?,
                })
            })
            .collect()
    }

    /// How many of the alert's deliveries are in each state.
    pub async fn delivery_counts(
        &self,
        alert: &AlertId,
    ) -> Result<BTreeMap<DeliveryState, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE alert_id = $1 GROUP BY state",
        )
        .bind(alert.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((parse(row, "deliveries", "state")?, get(row, "n")?)))
            .collect()
    }

    /// The alert's deliveries by state, those settled apart from those still open, read in
    /// one statement so the two add up at one moment.
    pub async fn delivery_tally(&self, alert: &AlertId) -> Result<DeliveryTally, StoreError> {
        let rows = sqlx::query(
            "SELECT state, \
                    CASE WHEN next_try_at IS NULL AND sms_due_at IS NULL AND state <> $2 \
                    THEN 1 ELSE 0 END AS settled, \
                    COUNT(*) AS n \
             FROM deliveries WHERE alert_id = $1 GROUP BY state, settled",
        )
        .bind(alert.as_str())
        .bind(DeliveryState::Calling.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut tally = DeliveryTally::default();
        for row in &rows {
            let state = parse(row, "deliveries", "state")?;
            let settled: i64 = get(row, "settled")?;
            let side = if settled == 1 {
                &mut tally.settled
            } else {
                &mut tally.open
            };
            *side.entry(state).or_default() += get::<i64>(row, "n")?;
        }
        Ok(tally)
    }

    /// Deliveries of the alert still in flight or with a try scheduled; the alert is
    /// complete when this is zero and every targeted member has a delivery.
    pub async fn open_deliveries(&self, alert: &AlertId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE alert_id = $1 \
             AND (next_try_at IS NOT NULL OR sms_due_at IS NOT NULL OR state = $2)",
        )
        .bind(alert.as_str())
        .bind(DeliveryState::Calling.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// The earliest scheduled try of any `sending` alert, due or not: how long the
    /// dispatcher may sleep.
    pub async fn next_due(&self) -> Result<Option<i64>, StoreError> {
        self.next_due_after(i64::MIN).await
    }

    /// The earliest try of any `sending` alert scheduled after `after`: when the dispatcher,
    /// which has every try due by then in hand, must look again.
    pub async fn next_due_after(&self, after: i64) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(self.backend().next_due())
            .bind(AlertState::Sending.as_str())
            .bind(after)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Moves a scheduled try to `at` (a non-urgent message waiting out quiet hours); true
    /// when the delivery still had a try scheduled.
    pub async fn postpone(
        &self,
        delivery: &DeliveryId,
        at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.reschedule(delivery, None, Some(at), now).await
    }

    /// Ends a delivery that has a try scheduled without an attempt, in `state` (a member
    /// with no number left to call is `given_up`); true when it moved.
    pub async fn settle_unattempted(
        &self,
        delivery: &DeliveryId,
        state: DeliveryState,
        now: i64,
    ) -> Result<bool, StoreError> {
        if matches!(state, DeliveryState::Pending | DeliveryState::Calling)
            || state.is_acknowledged()
        {
            return Err(StoreError::InvalidTransition {
                to: state,
                scheduled: false,
            });
        }
        self.reschedule(delivery, Some(state), None, now).await
    }

    async fn reschedule(
        &self,
        delivery: &DeliveryId,
        state: Option<DeliveryState>,
        at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query(
            "UPDATE deliveries SET state = COALESCE($1, state), next_try_at = $2, \
             updated_at = $3 WHERE id = $4 AND next_try_at IS NOT NULL AND state <> $5",
        )
        .bind(state.map(DeliveryState::as_str))
        .bind(at)
        .bind(now)
        .bind(delivery.as_str())
        .bind(DeliveryState::Calling.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if moved {
            self.count_write();
        }
        Ok(moved)
    }

    /// Due deliveries from rows of [`due_columns`], each with its member's contact points, not
    /// yet marked as shared.
    pub(super) async fn due_from_rows(
        &self,
        rows: &[AnyRow],
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let members: Vec<String> = rows
            .iter()
            .map(|row| get(row, "member_id"))
            .collect::<Result<_, _>>()?;
        let mut numbers = self.contact_points_of(&members).await?;
        rows.iter().map(|row| due_from(row, &mut numbers)).collect()
    }

    /// Contact points of these members, in order, read in chunks that respect the limits on
    /// bound parameters.
    pub(super) async fn contact_points_of(
        &self,
        members: &[String],
    ) -> Result<HashMap<String, Vec<ContactPoint>>, StoreError> {
        let mut rows = Vec::new();
        for chunk in members.chunks(CHUNK) {
            let sql = format!(
                "SELECT member_id, kind, number FROM contact_points WHERE member_id IN ({}) \
                 ORDER BY member_id, position",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for member in chunk {
                query = query.bind(member.as_str());
            }
            rows.extend(query.fetch_all(&self.pool).await?);
        }
        group_contact_points(&rows)
    }
}

/// The SELECT list of a due delivery: the delivery, its alert's kind, expiry and drill flag,
/// and the member's side.
pub(super) fn due_columns() -> String {
    format!(
        "{COLUMNS}, a.kind, a.expires_at, a.drill, m.name, m.language, m.channel, \
         m.speech_rate, m.quiet_start, m.quiet_end"
    )
}

/// `$1` now, `$2` the `sending` state, `$3` the limit. `CROSS JOIN` with the join conditions
/// in WHERE means the same as `JOIN … ON` to PostgreSQL, which plans it freely, but makes
/// SQLite's planner keep `deliveries` as the outer loop: otherwise, lacking statistics, it
/// starts from the few `sending` alerts and sorts all their deliveries on every poll.
fn due_sql(backend: Backend) -> String {
    format!("SELECT {} {}", due_columns(), backend.due_scan())
}

/// `$1` alert, `$2` priority, `$3` state, `$4` now, then (id, member) pairs from `$5`.
fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| format!("({}, $1, $2, $3, $4, $4, $4)", placeholders(5 + 2 * i, 2)))
        .collect();
    format!(
        "INSERT INTO deliveries (id, member_id, alert_id, priority, state, next_try_at, \
         created_at, updated_at) VALUES {} ON CONFLICT (alert_id, member_id) DO NOTHING",
        values.join(", ")
    )
}

async fn alert_kind(
    tx: &mut Transaction<'static, Any>,
    alert: &AlertId,
) -> Result<AlertKind, StoreError> {
    let row = sqlx::query("SELECT kind FROM alerts WHERE id = $1")
        .bind(alert.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    let row = row.ok_or_else(|| StoreError::UnknownAlert(alert.clone()))?;
    parse(&row, "alerts", "kind")
}

/// Members who chose `sms` get a text instead of calls: their new deliveries have a text due
/// when their call would have been, and no call scheduled. Writing the same page again changes nothing.
async fn text_instead(
    tx: &mut Transaction<'static, Any>,
    alert: &AlertId,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET next_try_at = NULL, sms_due_at = next_try_at \
         WHERE alert_id = $1 AND state = $2 AND attempts = 0 AND next_try_at IS NOT NULL \
         AND sms_due_at IS NULL \
         AND member_id IN (SELECT id FROM members WHERE channel = $3)",
    )
    .bind(alert.as_str())
    .bind(DeliveryState::Pending.as_str())
    .bind(Channel::Sms.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn honour_early_acknowledgements(
    tx: &mut Transaction<'static, Any>,
    alert: &AlertId,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET state = CASE (SELECT how FROM acknowledgements k \
         WHERE k.alert_id = deliveries.alert_id AND k.member_id = deliveries.member_id) \
         WHEN $1 THEN $2 ELSE $3 END, next_try_at = NULL, sms_due_at = NULL, updated_at = $4 \
         WHERE EXISTS (SELECT 1 FROM acknowledgements WHERE alert_id = $5) \
         AND alert_id = $5 AND state = $6 AND member_id IN \
         (SELECT member_id FROM acknowledgements WHERE alert_id = $5)",
    )
    .bind(AckHow::SmsReply.as_str())
    .bind(DeliveryState::SmsAcknowledged.as_str())
    .bind(DeliveryState::Acknowledged.as_str())
    .bind(now)
    .bind(alert.as_str())
    .bind(DeliveryState::Pending.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The delivery as `tx` sees it.
pub(super) async fn delivery_in(
    tx: &mut Transaction<'static, Any>,
    id: &str,
) -> Result<Delivery, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM deliveries d WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    delivery_from(&row)
}

pub(super) fn delivery_from(row: &AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: DeliveryId(get(row, "id")?),
        alert_id: AlertId(get(row, "alert_id")?),
        member_id: MemberId(get(row, "member_id")?),
        state: parse(row, "deliveries", "state")?,
        attempts: get(row, "attempts")?,
        contact_index: get(row, "contact_index")?,
        rounds: get(row, "rounds")?,
        next_try_at: get(row, "next_try_at")?,
        last_sip_status: narrow(row, "deliveries", "last_sip_status")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// A due delivery from a row of [`due_columns`], not yet marked as shared.
fn due_from(
    row: &AnyRow,
    numbers: &mut HashMap<String, Vec<ContactPoint>>,
) -> Result<DueDelivery, StoreError> {
    let delivery = delivery_from(row)?;
    let recipient = Recipient {
        contact_points: numbers
            .get(delivery.member_id.as_str())
            .cloned()
            .unwrap_or_default(),
        name: get(row, "name")?,
        language: get(row, "language")?,
        channel: parse(row, "members", "channel")?,
        speech_rate: get(row, "speech_rate")?,
        quiet_hours: quiet_hours_from(row)?,
    };
    Ok(DueDelivery {
        alert_kind: parse(row, "alerts", "kind")?,
        alert_expires_at: get(row, "expires_at")?,
        drill: get::<i64>(row, "drill")? != 0,
        delivery,
        recipient,
        shared: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The due scan must read the partial index in order, not sort the whole table.
    #[tokio::test]
    async fn due_scan_reads_the_due_index() {
        let store = Store::open("sqlite::memory:")
            .await
            .expect("in-memory store");
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", due_sql(Backend::Sqlite)))
            .bind(0i64)
            .bind("sending")
            .bind(10i64)
            .fetch_all(store.pool())
            .await
            .expect("plan");
        let plan: Vec<String> = rows
            .iter()
            .map(|r| get(r, "detail").expect("detail"))
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("USING INDEX deliveries_due"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
