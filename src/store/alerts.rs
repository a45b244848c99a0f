//! Alerts: what is sent to which networks, per language a text to synthesise or a recorded
//! voice message, and the alert's state.
//!
//! # Idempotency
//! An alert created with an idempotency key that is already stored is not created again:
//! [`Store::create_alert`] returns the stored alert and `false`. The key is UNIQUE, and the
//! insert is `ON CONFLICT DO NOTHING`, so two concurrent requests with one key race safely:
//! the loser rolls back and reads the winner's alert. A repeated key must come with the same
//! request (kind, networks, messages, drill flag, followed-up activation; the expiry is
//! relative to the moment of sending, so it is not compared): a key reused for a different
//! alert is refused with [`StoreError::KeyTaken`], naming the alert the key made and what
//! differs, so a retry never silently stands for another message.
//!
//! # State changes are guarded
//! [`Store::set_alert_state`] changes the state only from the states the caller names, so a
//! `completed` from the dispatcher cannot overwrite a `cancelled` from an operator.

use super::error::AlertProblem;
use super::model::{AlertId, AlertKind, AlertState, LANGUAGES, NetworkId};
use super::rows::{get, new_id, parse, placeholders};
use super::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Its id.
    pub id: AlertId,
    /// Urgent, prevention or feedback.
    pub kind: AlertKind,
    /// For feedback: the activation it follows up.
    pub activation_of: Option<AlertId>,
    /// Who created it (a user or token name).
    pub created_by: String,
    /// Where it is.
    pub state: AlertState,
    /// When it was created.
    pub created_at: i64,
    /// When its state last changed.
    pub updated_at: i64,
    /// After this, no more calls (epoch ms).
    pub expires_at: Option<i64>,
    /// A drill: members are told it is an exercise.
    pub drill: bool,
    /// The key a client sent so a retried request does not alert twice.
    pub idempotency_key: Option<String>,
    /// The networks targeted, sorted.
    pub networks: Vec<NetworkId>,
}

/// An alert to create; it starts as [`AlertState::Draft`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// Urgent, prevention or feedback.
    pub kind: AlertKind,
    /// For feedback: the activation it follows up.
    pub activation_of: Option<AlertId>,
    /// Who creates it.
    pub created_by: String,
    /// The networks to alert, at least one.
    pub networks: Vec<NetworkId>,
    /// At least one message, one per language.
    pub messages: Vec<Message>,
    /// When calling stops.
    pub expires_at: Option<i64>,
    /// Whether this is a drill.
    pub drill: bool,
    /// A client's key for retries.
    pub idempotency_key: Option<String>,
}

/// The message in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `nl`, `fr`, `de` or `en`.
    pub language: String,
    /// What is played.
    pub body: MessageBody,
}

/// What is played: both kinds go through the same call program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageBody {
    /// Text the speech synthesiser reads.
    Text(String),
    /// A WAV file an officer or coordinator recorded.
    Recording(Vec<u8>),
}

pub(super) const COLUMNS: &str = "id, kind, activation_of, created_by, state, created_at, updated_at, \
                       expires_at, drill, idempotency_key";

impl Store {
    /// Creates an alert, or returns the stored one for a repeated idempotency key; the
    /// boolean is true when this call created it.
    pub async fn create_alert(
        &self,
        alert: NewAlert,
        now: i64,
    ) -> Result<(Alert, bool), StoreError> {
        check(&alert).map_err(StoreError::InvalidAlert)?;
        if let Some(stored) = self.alert_by_key(alert.idempotency_key.as_deref()).await? {
            return self.same_request(stored, &alert).await;
        }
        let mut tx = self.begin_write().await?;
        self.require_targets(&mut tx, &alert).await?;
        let id = AlertId(new_id());
        if !insert(&mut tx, &id, &alert, now).await? {
            tx.rollback().await?;
            let stored = self.alert_by_key(alert.idempotency_key.as_deref()).await?;
            return match stored {
                Some(stored) => self.same_request(stored, &alert).await,
                None => Err(StoreError::UnknownAlert(id)),
            };
        }
        insert_targets(&mut tx, &id, &alert).await?;
        self.commit(tx).await?;
        let stored = self.alert(&id).await?;
        stored
            .map(|a| (a, true))
            .ok_or(StoreError::UnknownAlert(id))
    }

    /// The alert, if it exists.
    pub async fn alert(&self, id: &AlertId) -> Result<Option<Alert>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM alerts WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.alert_from(&row).await?)),
            None => Ok(None),
        }
    }

    /// Replaces the messages of an alert that is still a draft or sending, and its expiry
    /// when `expires_at` is given, raising its revision so that calls started from now on
    /// speak the new messages. False when the alert is over (or does not exist).
    pub async fn replace_messages(
        &self,
        id: &AlertId,
        messages: &[Message],
        expires_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        check_messages(messages).map_err(StoreError::InvalidAlert)?;
        let mut tx = self.begin_write().await?;
        let raised = sqlx::query(
            "UPDATE alerts SET revision = revision + 1, expires_at = COALESCE($2, expires_at) \
             WHERE id = $1 AND state IN ($3, $4)",
        )
        .bind(id.as_str())
        .bind(expires_at)
        .bind(AlertState::Draft.as_str())
        .bind(AlertState::Sending.as_str())
        .execute(&mut *tx)
        .await?;
        if raised.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM alert_messages WHERE alert_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        insert_messages(&mut tx, id, messages).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// How many times the alert's messages were replaced (0: never), if it exists.
    pub async fn alert_revision(&self, id: &AlertId) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT revision FROM alerts WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The alert's messages, by language.
    pub async fn alert_messages(&self, id: &AlertId) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query(
            "SELECT language, text, wav FROM alert_messages WHERE alert_id = $1 \
             ORDER BY language",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_from).collect()
    }

    /// Moves the alert to `to` if it is in one of `from`; true when it moved.
    pub async fn set_alert_state(
        &self,
        id: &AlertId,
        from: &[AlertState],
        to: AlertState,
        now: i64,
    ) -> Result<bool, StoreError> {
        if from.is_empty() {
            return Ok(false);
        }
        let sql = format!(
            "UPDATE alerts SET state = $1, updated_at = $2 WHERE id = $3 AND state IN ({})",
            placeholders(4, from.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(now)
            .bind(id.as_str());
        for state in from {
            query = query.bind(state.as_str());
        }
        let moved = query.execute(&self.pool).await?.rows_affected() == 1;
        if moved {
            self.count_write();
            self.notify(super::Notice::Alerts).await?;
        }
        Ok(moved)
    }

    /// The ids of the alerts in this state: a cheap look for alerts another process sent or
    /// stopped.
    pub async fn alert_ids_in_state(&self, state: AlertState) -> Result<Vec<AlertId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM alerts WHERE state = $1")
            .bind(state.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(AlertId).collect())
    }

    /// Every alert in this state, oldest first (at start-up: `sending` ones resume).
    pub async fn alerts_in_state(&self, state: AlertState) -> Result<Vec<Alert>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM alerts WHERE state = $1 ORDER BY created_at, id");
        let rows = sqlx::query(&sql)
            .bind(state.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut alerts = Vec::with_capacity(rows.len());
        for row in &rows {
            alerts.push(self.alert_from(row).await?);
        }
        Ok(alerts)
    }

    async fn alert_by_key(&self, key: Option<&str>) -> Result<Option<Alert>, StoreError> {
        let Some(key) = key else {
            return Ok(None);
        };
        let sql = format!("SELECT {COLUMNS} FROM alerts WHERE idempotency_key = $1");
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.alert_from(&row).await?)),
            None => Ok(None),
        }
    }

    /// The stored alert for a repeated key, if the request is the one that made it.
    async fn same_request(
        &self,
        stored: Alert,
        request: &NewAlert,
    ) -> Result<(Alert, bool), StoreError> {
        let messages = self.alert_messages(&stored.id).await?;
        let differs = differences(&stored, &messages, request);
        if differs.is_empty() {
            return Ok((stored, false));
        }
        Err(StoreError::KeyTaken {
            key: stored.idempotency_key.clone().unwrap_or_default(),
            alert: stored.id,
            differs,
        })
    }

    async fn alert_from(&self, row: &AnyRow) -> Result<Alert, StoreError> {
        let id: String = get(row, "id")?;
        let networks: Vec<String> = sqlx::query_scalar(
            "SELECT network_id FROM alert_networks WHERE alert_id = $1 ORDER BY network_id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        alert_with_networks(row, networks.into_iter().map(NetworkId).collect())
    }

    /// Every targeted network and the followed-up activation must exist: a clear error here
    /// instead of a foreign-key violation from the insert.
    async fn require_targets(
        &self,
        tx: &mut Transaction<'static, Any>,
        alert: &NewAlert,
    ) -> Result<(), StoreError> {
        for network in &alert.networks {
            self.require_network(tx, network).await?;
        }
        let Some(activation) = &alert.activation_of else {
            return Ok(());
        };
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM alerts WHERE id = $1")
            .bind(activation.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        found
            .map(|_| ())
            .ok_or_else(|| StoreError::UnknownAlert(activation.clone()))
    }
}

fn check(alert: &NewAlert) -> Result<(), AlertProblem> {
    if alert.networks.is_empty() {
        return Err(AlertProblem::NoNetwork);
    }
    if alert.messages.is_empty() {
        return Err(AlertProblem::NoMessage);
    }
    if alert.activation_of.is_some() && alert.kind != AlertKind::Feedback {
        return Err(AlertProblem::ActivationOfNotFeedback);
    }
    check_messages(&alert.messages)
}

/// One message per language the chain speaks, none empty.
fn check_messages(messages: &[Message]) -> Result<(), AlertProblem> {
    if messages.is_empty() {
        return Err(AlertProblem::NoMessage);
    }
    for (i, message) in messages.iter().enumerate() {
        let language = &message.language;
        if !LANGUAGES.contains(&language.as_str()) {
            return Err(AlertProblem::BadLanguage(language.clone()));
        }
        if messages[..i].iter().any(|m| &m.language == language) {
            return Err(AlertProblem::RepeatedLanguage(language.clone()));
        }
        let empty = match &message.body {
            MessageBody::Text(text) => text.trim().is_empty(),
            MessageBody::Recording(wav) => wav.is_empty(),
        };
        if empty {
            return Err(AlertProblem::EmptyMessage(language.clone()));
        }
    }
    Ok(())
}

/// What a request changes from the stored alert its key made, named for the sender.
fn differences(stored: &Alert, messages: &[Message], request: &NewAlert) -> Vec<String> {
    let mut differs = Vec::new();
    if stored.kind != request.kind {
        differs.push("kind".to_owned());
    }
    let set = |list: &[NetworkId]| {
        let mut list = list.to_vec();
        list.sort();
        list.dedup();
        list
    };
    if set(&stored.networks) != set(&request.networks) {
        differs.push("networks".to_owned());
    }
    if stored.drill != request.drill {
        differs.push("drill".to_owned());
    }
    if stored.activation_of != request.activation_of {
        differs.push("activation of".to_owned());
    }
    for language in LANGUAGES {
        let body = |list: &[Message]| {
            list.iter()
                .find(|m| m.language == *language)
                .map(|m| m.body.clone())
        };
        if body(messages) != body(&request.messages) {
            differs.push(format!("message ({language})"));
        }
    }
    differs
}

/// False when another alert holds the idempotency key.
async fn insert(
    tx: &mut Transaction<'static, Any>,
    id: &AlertId,
    alert: &NewAlert,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO alerts (id, kind, activation_of, created_by, state, created_at, \
         updated_at, expires_at, drill, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(id.as_str())
    .bind(alert.kind.as_str())
    .bind(alert.activation_of.as_ref().map(AlertId::as_str))
    .bind(&alert.created_by)
    .bind(AlertState::Draft.as_str())
    .bind(now)
    .bind(alert.expires_at)
    .bind(i64::from(alert.drill))
    .bind(&alert.idempotency_key)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn insert_targets(
    tx: &mut Transaction<'static, Any>,
    id: &AlertId,
    alert: &NewAlert,
) -> Result<(), StoreError> {
    for network in &alert.networks {
        sqlx::query(
            "INSERT INTO alert_networks (alert_id, network_id) VALUES ($1, $2) \
             ON CONFLICT (alert_id, network_id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(network.as_str())
        .execute(&mut **tx)
        .await?;
    }
    insert_messages(tx, id, &alert.messages).await
}

/// Writes an alert's messages, one row per language.
async fn insert_messages(
    tx: &mut Transaction<'static, Any>,
    id: &AlertId,
    messages: &[Message],
) -> Result<(), StoreError> {
    for message in messages {
        let (text, wav) = match &message.body {
            MessageBody::Text(text) => (Some(text.as_str()), None),
            MessageBody::Recording(wav) => (None, Some(wav.as_slice())),
        };
        sqlx::query(
            "INSERT INTO alert_messages (alert_id, language, text, wav) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.as_str())
        .bind(&message.language)
        .bind(text)
        .bind(wav)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// An alert from a row of [`COLUMNS`], with its networks (sorted) read apart.
pub(super) fn alert_with_networks(
    row: &AnyRow,
    networks: Vec<NetworkId>,
) -> Result<Alert, StoreError> {
    let activation_of: Option<String> = get(row, "activation_of")?;
    Ok(Alert {
        id: AlertId(get(row, "id")?),
        kind: parse(row, "alerts", "kind")?,
        activation_of: activation_of.map(AlertId),
        created_by: get(row, "created_by")?,
        state: parse(row, "alerts", "state")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        expires_at: get(row, "expires_at")?,
        drill: get::<i64>(row, "drill")? != 0,
        idempotency_key: get(row, "idempotency_key")?,
        networks,
    })
}

fn message_from(row: &AnyRow) -> Result<Message, StoreError> {
    let text: Option<String> = get(row, "text")?;
    let wav: Option<Vec<u8>> = get(row, "wav")?;
    let body = match (text, wav) {
        (Some(text), None) => MessageBody::Text(text),
        (None, Some(wav)) => MessageBody::Recording(wav),
        (text, _) => {
            return Err(StoreError::BadValue {
                table: "alert_messages",
                column: if text.is_some() { "wav" } else { "text" },
                value: "text and wav both set or both empty".to_owned(),
            });
        }
    };
    Ok(Message {
        language: get(row, "language")?,
        body,
    })
}
