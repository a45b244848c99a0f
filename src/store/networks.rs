//! Networks (BIN): name, kind, police zone, default language, the languages its members need,
//! the caller ID members see, and the network's own ring timeout and retry policy when they
//! differ from `[chain]`.
//!
//! The languages a network needs are kept as codes separated by commas; an alert to the
//! network must carry a text in each ([`missing_languages`]).
//!
//! The retry policy override is kept as the JSON text the caller wrote; the store does not
//! interpret it (policy belongs to `buurtbel_proto::policy`).

use super::model::{AlertId, LANGUAGES, NetworkId, NetworkKind};
use super::rows::{get, new_id, parse};
use super::{Store, StoreError};
use sqlx::any::AnyRow;

/// A network as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Its id.
    pub id: NetworkId,
    /// Unique name, e.g. `BIN Teststraat`.
    pub name: String,
    /// What it covers.
    pub kind: NetworkKind,
    /// The police zone that activates it.
    pub police_zone: String,
    /// Default language (`nl`, `fr`, `de`, `en`).
    pub language: String,
    /// The languages its members need, each alert carrying a text in every one; empty when
    /// the network asks for none.
    pub languages: Vec<String>,
    /// Its urgent alerts wait for a second person's approval (see `store/approvals.rs`).
    pub urgent_approval: bool,
    /// The number members see when called, E.164.
    pub caller_id: String,
    /// Ring timeout for this network, when it overrides the default.
    pub ring_timeout_ms: Option<i64>,
    /// Retry policy for this network as JSON, when it overrides the default.
    pub retry_policy: Option<String>,
    /// Who its texts are from, when not `[sms] sender`.
    pub sms_sender: Option<String>,
    /// When it was created (epoch ms).
    pub created_at: i64,
}

/// A network to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNetwork {
    /// Unique name.
    pub name: String,
    /// What it covers.
    pub kind: NetworkKind,
    /// The police zone.
    pub police_zone: String,
    /// Default language.
    pub language: String,
    /// Caller ID, E.164.
    pub caller_id: String,
    /// Ring timeout override.
    pub ring_timeout_ms: Option<i64>,
    /// Retry policy override as JSON.
    pub retry_policy: Option<String>,
}

const COLUMNS: &str = "id, name, kind, police_zone, language, languages, caller_id, \
                       ring_timeout_ms, retry_policy, urgent_approval, sms_sender, created_at";

impl Store {
    /// Creates a network; a taken name is [`StoreError::NetworkNameTaken`].
    pub async fn create_network(
        &self,
        network: NewNetwork,
        now: i64,
    ) -> Result<Network, StoreError> {
        self.create_network_speaking(network, Vec::new(), now).await
    }

    /// Creates a network whose members need `languages` (each alert to it carries a text in
    /// every one); an unknown or repeated language is [`StoreError::UnknownLanguage`].
    pub async fn create_network_speaking(
        &self,
        network: NewNetwork,
        languages: Vec<String>,
        now: i64,
    ) -> Result<Network, StoreError> {
        check_languages(&network.language, &languages)?;
        let id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO networks (id, name, kind, police_zone, language, languages, caller_id, \
             ring_timeout_ms, retry_policy, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&id)
        .bind(&network.name)
        .bind(network.kind.as_str())
        .bind(&network.police_zone)
        .bind(&network.language)
        .bind(languages.join(","))
        .bind(&network.caller_id)
        .bind(network.ring_timeout_ms)
        .bind(&network.retry_policy)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NetworkNameTaken(network.name));
        }
        self.count_write();
        Ok(stored(network, languages, NetworkId(id), now))
    }

    /// The network with this name, if any.
    pub async fn network_by_name(&self, name: &str) -> Result<Option<Network>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM networks WHERE name = $1");
        let row = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(network_from).transpose()
    }

    /// The network with this id, if any.
    pub async fn network(&self, id: &NetworkId) -> Result<Option<Network>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM networks WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(network_from).transpose()
    }

    /// Every network, by name.
    pub async fn networks(&self) -> Result<Vec<Network>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM networks ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(network_from).collect()
    }

    /// The networks an alert targets, by name (their caller IDs and overrides apply).
    pub async fn alert_networks(&self, alert: &AlertId) -> Result<Vec<Network>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM networks WHERE id IN \
             (SELECT network_id FROM alert_networks WHERE alert_id = $1) ORDER BY name"
        );
        let rows = sqlx::query(&sql)
            .bind(alert.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(network_from).collect()
    }
}

/// The languages `networks` need that `given` lacks, each once, in the order of
/// [`LANGUAGES`].
pub fn missing_languages(networks: &[Network], given: &[&str]) -> Vec<String> {
    LANGUAGES
        .iter()
        .filter(|code| !given.contains(code))
        .filter(|code| {
            networks
                .iter()
                .any(|n| n.languages.iter().any(|l| l == *code))
        })
        .map(|code| (*code).to_owned())
        .collect()
}

/// Every language known and none twice.
fn check_languages(language: &str, languages: &[String]) -> Result<(), StoreError> {
    if !LANGUAGES.contains(&language) {
        return Err(StoreError::UnknownLanguage(language.to_owned()));
    }
    for (i, code) in languages.iter().enumerate() {
        if !LANGUAGES.contains(&code.as_str()) || languages[..i].contains(code) {
            return Err(StoreError::UnknownLanguage(code.clone()));
        }
    }
    Ok(())
}

fn stored(network: NewNetwork, languages: Vec<String>, id: NetworkId, now: i64) -> Network {
    Network {
        id,
        name: network.name,
        kind: network.kind,
        police_zone: network.police_zone,
        language: network.language,
        languages,
        urgent_approval: false,
        caller_id: network.caller_id,
        ring_timeout_ms: network.ring_timeout_ms,
        retry_policy: network.retry_policy,
        sms_sender: None,
        created_at: now,
    }
}

fn network_from(row: &AnyRow) -> Result<Network, StoreError> {
    Ok(Network {
        id: NetworkId(get(row, "id")?),
        name: get(row, "name")?,
        kind: parse(row, "networks", "kind")?,
        police_zone: get(row, "police_zone")?,
        language: get(row, "language")?,
        languages: get::<String>(row, "languages")?
            .split(',')
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect(),
        urgent_approval: get::<i64>(row, "urgent_approval")? == 1,
        caller_id: get(row, "caller_id")?,
        ring_timeout_ms: get(row, "ring_timeout_ms")?,
        retry_policy: get(row, "retry_policy")?,
        sms_sender: get(row, "sms_sender")?,
        created_at: get(row, "created_at")?,
    })
}
