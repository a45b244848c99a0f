//! The producer: finds what happened (alerts that ended, members who confirmed) and writes an
//! event for each webhook that receives it. Every gateway runs it; the store writes each event
//! once however many write it ([`Store::enqueue_webhook_events`]).
//!
//! # What it looks at
//! Each pass reads the alerts that ended since its cursor *first*, then the confirmations
//! since its cursor, and for each ended alert all of its confirmations: an alert's
//! confirmations are written before its end, in one transaction, so a receiver hears of every
//! member who confirmed before it hears the alert is over, even a confirmation whose
//! transaction committed late. A confirmation after the end (an SMS reply) comes after it.
//!
//! # The cursor
//! Kept in memory: at start a day back, so a restart within a day misses nothing; after each
//! pass the pass's start minus [`OVERLAP`], since transactions of two gateways may commit out
//! of their clocks' order. Its own clock, not the rows' times, so what this gateway wrote is
//! always seen by its own producer whatever the other gateways' clocks say. Looking twice
//! writes nothing twice.
//!
//! A webhook receives only what happened after it was added, and a confirmation only through
//! the networks the member belongs to: one network's receiver never learns of another's
//! members.

use super::payload::{self, CapOrigin};
use crate::chain::events::{ChainEvent, Events};
use crate::store::{
    AlertId, AlertSummary, ConfirmationSeen, NetworkId, OutboxEvent, Store, StoreError, Webhook,
    WebhookEvent,
};
use crate::telephony::clock;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};

/// How often the producer looks when nothing wakes it.
pub const EVERY: Duration = Duration::from_secs(5);

/// How far back each pass looks again.
pub const OVERLAP: Duration = Duration::from_secs(5);

/// How far back the first pass looks.
pub const FIRST_LOOK: Duration = Duration::from_secs(24 * 3600);

/// The producer over a store.
#[derive(Debug)]
pub struct Outbox {
    store: Store,
    since: i64,
}

impl Outbox {
    /// A producer whose first pass, at about `now` (epoch ms), looks a day back.
    pub fn new(store: Store, now: i64) -> Outbox {
        Outbox {
            store,
            since: now.saturating_sub(millis(FIRST_LOOK)),
        }
    }

    /// One pass at `now` (epoch ms): writes what happened since the cursor; how many events
    /// were new. The cursor moves only when the pass succeeded.
    pub async fn pass(&mut self, now: i64) -> Result<u64, StoreError> {
        let webhooks = self.store.webhooks(None).await?;
        let written = if webhooks.is_empty() {
            0
        } else {
            self.write_since(&webhooks, now).await?
        };
        self.since = now.saturating_sub(millis(OVERLAP));
        Ok(written)
    }

    /// Passes every [`EVERY`], or soon after the chain says someone confirmed or an alert
    /// ended, until `stop` turns true; then one last pass. Each pass that wrote wakes the
    /// courier through `written`.
    pub async fn run(
        mut self,
        events: Option<Events>,
        written: Arc<Notify>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut news = events.map(|e| e.subscribe());
        loop {
            self.pass_logged(&written).await;
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(EVERY) => {}
                () = news_of_interest(news.as_mut()) => {
                    // Let a burst of confirmations land, then look once.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Some(news) = news.as_mut() {
                        while news.try_recv().is_ok() {}
                    }
                }
                changed = stop.changed() => if changed.is_err() { return },
            }
        }
    }

    async fn pass_logged(&mut self, written: &Notify) {
        match self.pass(clock::epoch_ms()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::debug!(events = n, "webhook events written");
                written.notify_one();
            }
            Err(error) => tracing::warn!(%error, "looking for webhook events failed; again soon"),
        }
    }

    async fn write_since(&self, webhooks: &[Webhook], now: i64) -> Result<u64, StoreError> {
        let store = &self.store;
        let ended = store.alerts_ended_since(self.since).await?;
        let mut confirmations = store.confirmations_since(self.since).await?;
        let mut summaries = Vec::with_capacity(ended.len());
        for alert in &ended {
            confirmations.extend(store.confirmations_of(alert).await?);
            summaries.extend(store.alert_summary(alert).await?);
        }
        let names: HashMap<NetworkId, String> = store
            .networks()
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect();
        let mut origins = HashMap::new();
        let alerts = confirmations.iter().map(|c| &c.alert_id);
        for alert in alerts.chain(summaries.iter().map(|s| &s.alert.id)) {
            if origins.contains_key(alert) {
                continue;
            }
            let records = store.alert_cap_messages(alert).await?;
            if let Some(made) = records.into_iter().find(|r| r.msg_type == "Alert") {
                let origin = CapOrigin {
                    sender: made.sender,
                    identifier: made.identifier,
                };
                origins.insert(alert.clone(), origin);
            }
        }
        let lines = events_by_alert(webhooks, &confirmations, &summaries, &names, &origins);
        let mut written = 0;
        for events in lines.values() {
            written += store.enqueue_webhook_events(events, now).await?;
        }
        Ok(written)
    }
}

/// Each alert's events in the order they are written: confirmations (by delivery, then
/// webhook), then the alert's end (by webhook). Every writer uses this one order, so two
/// gateways writing the same events never wait on each other in a circle.
pub fn events_by_alert(
    webhooks: &[Webhook],
    confirmations: &[ConfirmationSeen],
    ended: &[AlertSummary],
    names: &HashMap<NetworkId, String>,
    origins: &HashMap<AlertId, CapOrigin>,
) -> BTreeMap<AlertId, Vec<OutboxEvent>> {
    let mut lines: BTreeMap<AlertId, Vec<OutboxEvent>> = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut confirmations: Vec<&ConfirmationSeen> = confirmations.iter().collect();
    confirmations
        .sort_by(|a, b| (&a.delivery_id, &a.network_id).cmp(&(&b.delivery_id, &b.network_id)));
    for confirmation in confirmations {
        let network = names
            .get(&confirmation.network_id)
            .map_or("", String::as_str);
        for webhook in receivers(webhooks, WebhookEvent::DeliveryAcknowledged) {
            let fits = webhook.network_id == confirmation.network_id
                && webhook.created_at <= confirmation.acknowledged_at;
            let key = (webhook.id.clone(), confirmation.delivery_id.0.clone());
            if fits && seen.insert(key) {
                let uid = new_uid();
                let body = payload::acknowledged(
                    &uid,
                    confirmation,
                    network,
                    origins.get(&confirmation.alert_id),
                );
                lines
                    .entry(confirmation.alert_id.clone())
                    .or_default()
                    .push(OutboxEvent {
                        payload: body,
                        uid,
                        webhook_id: webhook.id.clone(),
                        alert_id: confirmation.alert_id.clone(),
                        event: WebhookEvent::DeliveryAcknowledged,
                        subject: confirmation.delivery_id.0.clone(),
                    });
            }
        }
    }
    for summary in ended {
        let alert = &summary.alert;
        let event = payload::event_of(summary);
        for webhook in receivers(webhooks, event) {
            if alert.networks.contains(&webhook.network_id)
                && webhook.created_at <= alert.updated_at
            {
                let uid = new_uid();
                lines
                    .entry(alert.id.clone())
                    .or_default()
                    .push(OutboxEvent {
                        payload: payload::alert_ended(&uid, summary, origins.get(&alert.id)),
                        uid,
                        webhook_id: webhook.id.clone(),
                        alert_id: alert.id.clone(),
                        event,
                        subject: alert.id.0.clone(),
                    });
            }
        }
    }
    lines
}

/// The webhooks that receive `event`, by id.
fn receivers(webhooks: &[Webhook], event: WebhookEvent) -> impl Iterator<Item = &Webhook> {
    let mut chosen: Vec<&Webhook> = webhooks.iter().filter(|w| w.receives(event)).collect();
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    chosen.into_iter()
}

/// An event's id as receivers see it: `msg_` and 32 hex digits.
fn new_uid() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("msg_{}", hex::encode(bytes))
}

/// Resolves when the chain reports a confirmation or an alert's end; never without events.
async fn news_of_interest(news: Option<&mut broadcast::Receiver<ChainEvent>>) {
    let Some(news) = news else {
        return std::future::pending().await;
    };
    loop {
        match news.recv().await {
            Ok(ChainEvent::Acknowledged { .. } | ChainEvent::AlertDone { .. }) => return,
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => return std::future::pending().await,
        }
    }
}

fn millis(period: Duration) -> i64 {
    i64::try_from(period.as_millis()).unwrap_or(i64::MAX)
}
