//! Alerts read back afterwards: which were sent, how far each got, and how it went for each
//! member (`buurtbel alert list` and `alert show`).
//!
//! Reads only. However many alerts or members, each read is a fixed number of statements,
//! never one per alert or per member: the alerts, their networks and their delivery counts are
//! three statements over the same selection, and the members of one alert are one statement
//! whose joins are all index lookups (acknowledgement by `(alert_id, member_id)`, last attempt
//! by `(delivery_id, seq)`, first number by `(member_id, position)`).
//!
//! The last attempt of a delivery is the one whose `seq` is the delivery's `attempts` plus its
//! `callbacks`: each is counted by the one statement that begins an attempt
//! ([`super::attempts::claim`], or a message played on the call-back line), and a resumed
//! crash finishes the interrupted attempt instead of adding one. So a member who phoned the
//! line after their last call shows what the line's message came to.

use super::alerts::{Alert, COLUMNS, alert_with_networks};
use super::model::{AckHow, AlertId, AttemptChannel, DeliveryState, MemberId, NetworkId};
use super::rows::{get, narrow, parse};
use super::{Store, StoreError};
use sqlx::Any;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use std::collections::{BTreeMap, HashMap};

/// Each member with a delivery of the alert `$1`: their delivery, acknowledgement, last
/// attempt and first number, by name.
const MEMBER_RESULTS: &str = "SELECT d.member_id, m.name, d.state, d.attempts, \
     k.how, k.acknowledged_at, \
     t.number AS dialled, t.channel, t.started_at, t.ended_at, t.outcome, t.sip_status, \
     c.number AS first_number \
     FROM deliveries d \
     JOIN members m ON m.id = d.member_id \
     LEFT JOIN acknowledgements k ON k.alert_id = d.alert_id AND k.member_id = d.member_id \
     LEFT JOIN attempts t ON t.delivery_id = d.id AND t.seq = d.attempts + d.callbacks \
     LEFT JOIN contact_points c ON c.member_id = d.member_id AND c.position = 0 \
     WHERE d.alert_id = $1 \
     ORDER BY m.name, d.member_id";

/// An alert with its networks' names and its deliveries counted by state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSummary {
    /// The alert.
    pub alert: Alert,
    /// The targeted networks' names, sorted.
    pub network_names: Vec<String>,
    /// Deliveries by state; a state no delivery is in is absent.
    pub deliveries: BTreeMap<DeliveryState, i64>,
}

impl AlertSummary {
    /// Members the alert reached so far: one delivery each.
    pub fn members(&self) -> i64 {
        self.deliveries.values().sum()
    }

    /// Members who confirmed, by any means.
    pub fn confirmed(&self) -> i64 {
        self.deliveries
            .iter()
            .filter(|(state, _)| state.is_acknowledged())
            .map(|(_, n)| n)
            .sum()
    }
}

/// How an alert went for one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberResult {
    /// The member.
    pub member_id: MemberId,
    /// Their name.
    pub name: String,
    /// Where their delivery ended (or is).
    pub state: DeliveryState,
    /// Calls and SMS begun for them (not the messages they heard on the call-back line).
    pub tries: i64,
    /// The number the last try dialled (or the call-back came from), else the member's first
    /// number; `None` when the member has no number.
    pub number: Option<String>,
    /// Their confirmation, if they gave one.
    pub confirmation: Option<Confirmation>,
    /// Their last try, or their call-back if they phoned the line after it; `None` when
    /// there was neither.
    pub last_try: Option<LastTry>,
}

/// A member's confirmation of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmation {
    /// How they confirmed.
    pub how: AckHow,
    /// When (epoch ms).
    pub at: i64,
}

/// The last call, SMS or call-back of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastTry {
    /// A call, an SMS, or a message played on the call-back line.
    pub channel: AttemptChannel,
    /// When it began (epoch ms).
    pub started_at: i64,
    /// When it ended; `None` while in flight.
    pub ended_at: Option<i64>,
    /// How it ended, in the dispatcher's words (`no_answer`, `busy`, `interrupted`…).
    pub outcome: Option<String>,
    /// The SIP final status, for a call that got one.
    pub sip_status: Option<u16>,
}

impl Store {
    /// Alerts created at or after `since` (epoch ms), only those targeting `network` if given,
    /// newest first.
    pub async fn recent_alerts(
        &self,
        since: i64,
        network: Option<&NetworkId>,
    ) -> Result<Vec<AlertSummary>, StoreError> {
        let selection = match network {
            Some(network) => Selection::SinceIn(since, network.clone()),
            None => Selection::Since(since),
        };
        self.summaries(&selection).await
    }

    /// One alert's summary, if the alert exists.
    pub async fn alert_summary(&self, id: &AlertId) -> Result<Option<AlertSummary>, StoreError> {
        let mut found = self.summaries(&Selection::One(id.clone())).await?;
        Ok(found.pop())
    }

    /// Every member the alert has a delivery for, by name, with their last try and their
    /// confirmation: one statement.
    pub async fn member_results(&self, alert: &AlertId) -> Result<Vec<MemberResult>, StoreError> {
        let rows = sqlx::query(MEMBER_RESULTS)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(member_result_from).collect()
    }

    /// The selected alerts, newest first, with networks and counts: three statements.
    async fn summaries(&self, selection: &Selection) -> Result<Vec<AlertSummary>, StoreError> {
        let alerts = self.select(selection, &alerts_sql(selection)).await?;
        let networks = self.select(selection, &networks_sql(selection)).await?;
        let counts = self.select(selection, &counts_sql(selection)).await?;
        assemble(&alerts, &networks, &counts)
    }

    async fn select(&self, selection: &Selection, sql: &str) -> Result<Vec<AnyRow>, StoreError> {
        let query = selection.bind(sqlx::query(sql));
        Ok(query.fetch_all(&self.pool).await?)
    }
}

fn alerts_sql(selection: &Selection) -> String {
    format!(
        "SELECT {COLUMNS} FROM alerts a WHERE {} ORDER BY a.created_at DESC, a.id DESC",
        selection.condition()
    )
}

/// The selected alerts' networks. Here and in [`counts_sql`], `CROSS JOIN` with the join
/// condition in WHERE is an inner join to PostgreSQL, but keeps SQLite, which has no
/// statistics, walking the few selected alerts first instead of every delivery ever made.
fn networks_sql(selection: &Selection) -> String {
    format!(
        "SELECT an.alert_id, n.id AS network_id, n.name \
         FROM alerts a CROSS JOIN alert_networks an JOIN networks n ON n.id = an.network_id \
         WHERE an.alert_id = a.id AND {} ORDER BY n.name, n.id",
        selection.condition()
    )
}

fn counts_sql(selection: &Selection) -> String {
    format!(
        "SELECT d.alert_id, d.state, COUNT(*) AS n FROM alerts a CROSS JOIN deliveries d \
         WHERE d.alert_id = a.id AND {} GROUP BY d.alert_id, d.state",
        selection.condition()
    )
}

/// Which alerts a summary read covers; the same condition serves its three statements.
enum Selection {
    /// Created at or after this time.
    Since(i64),
    /// Created at or after this time and targeting this network.
    SinceIn(i64, NetworkId),
    /// This alert.
    One(AlertId),
}

impl Selection {
    /// A condition on `alerts a`, `$1` (and `$2`) bound by [`Selection::bind`].
    fn condition(&self) -> &'static str {
        match self {
            Selection::Since(_) => "a.created_at >= $1",
            Selection::SinceIn(..) => {
                "a.created_at >= $1 AND EXISTS (SELECT 1 FROM alert_networks s \
                 WHERE s.alert_id = a.id AND s.network_id = $2)"
            }
            Selection::One(_) => "a.id = $1",
        }
    }

    fn bind<'q>(
        &self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        match self {
            Selection::Since(since) => query.bind(*since),
            Selection::SinceIn(since, network) => query.bind(*since).bind(network.0.clone()),
            Selection::One(id) => query.bind(id.0.clone()),
        }
    }
}

/// Alerts in the order read, each with its networks and counts.
fn assemble(
    alerts: &[AnyRow],
    networks: &[AnyRow],
    counts: &[AnyRow],
) -> Result<Vec<AlertSummary>, StoreError> {
    let mut targets: HashMap<String, (Vec<NetworkId>, Vec<String>)> = HashMap::new();
    for row in networks {
        let entry = targets.entry(get(row, "alert_id")?).or_default();
        entry.0.push(NetworkId(get(row, "network_id")?));
        entry.1.push(get(row, "name")?);
    }
    let mut by_state: HashMap<String, BTreeMap<DeliveryState, i64>> = HashMap::new();
    for row in counts {
        let state = parse(row, "deliveries", "state")?;
        let entry = by_state.entry(get(row, "alert_id")?).or_default();
        entry.insert(state, get(row, "n")?);
    }
    alerts
        .iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            let (mut ids, network_names) = targets.remove(&id).unwrap_or_default();
            ids.sort();
            Ok(AlertSummary {
                alert: alert_with_networks(row, ids)?,
                network_names,
                deliveries: by_state.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

fn member_result_from(row: &AnyRow) -> Result<MemberResult, StoreError> {
    let how: Option<String> = get(row, "how")?;
    let confirmation = match how {
        Some(how) => Some(Confirmation {
            how: how.parse().map_err(|_| StoreError::BadValue {
                table: "acknowledgements",
                column: "how",
                value: how,
            })?,
            at: get(row, "acknowledged_at")?,
        }),
        None => None,
    };
    let started_at: Option<i64> = get(row, "started_at")?;
    let last_try = match started_at {
        Some(started_at) => Some(LastTry {
            channel: parse(row, "attempts", "channel")?,
            started_at,
            ended_at: get(row, "ended_at")?,
            outcome: get(row, "outcome")?,
            sip_status: narrow(row, "attempts", "sip_status")?,
        }),
        None => None,
    };
    let dialled: Option<String> = get(row, "dialled")?;
    Ok(MemberResult {
        member_id: MemberId(get(row, "member_id")?),
        name: get(row, "name")?,
        state: parse(row, "deliveries", "state")?,
        tries: get(row, "attempts")?,
        number: dialled.or(get(row, "first_number")?),
        confirmation,
        last_try,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement reads deliveries, attempts and the rest through an index, never a scan
    /// of a table that grows with every alert sent.
    #[tokio::test]
    async fn reads_go_through_indexes() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let network = Selection::SinceIn(0, NetworkId::from("n"));
        let one = Selection::One(AlertId::from("a"));
        let mut statements = Vec::new();
        for selection in [&network, &one] {
            for sql in [networks_sql(selection), counts_sql(selection)] {
                statements.push((sql, selection));
            }
        }
        for (sql, selection) in &statements {
            let plan = plan(&store, sql, |q| selection.bind(q)).await;
            assert!(
                !plan.contains("SCAN d") && !plan.contains("SCAN an"),
                "{sql}\n{plan}"
            );
        }
        let members = plan(&store, MEMBER_RESULTS, |q| q.bind("a")).await;
        assert!(!members.contains("SCAN"), "{members}");
    }

    async fn plan(
        store: &Store,
        sql: &str,
        bind: impl for<'q> FnOnce(Query<'q, Any, AnyArguments<'q>>) -> Query<'q, Any, AnyArguments<'q>>,
    ) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows = bind(sqlx::query(&explain))
            .fetch_all(store.pool())
            .await
            .expect("plan");
        let details: Vec<String> = rows
            .iter()
            .map(|r| get(r, "detail").expect("detail"))
            .collect();
        details.join("\n")
    }
}
