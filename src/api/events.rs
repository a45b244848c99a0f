//! `GET /v1/alerts/{id}/events`: every change of the alert's deliveries as Server-Sent
//! Events, then the alert's end.
//!
//! The stream reads the database, not this process's memory, so it shows the calls of every
//! gateway on a shared database, and a client that reconnects with `Last-Event-ID` misses
//! nothing. Each `delivery` event carries the delivery's whole state (a snapshot, not a
//! difference) and its id is the moment of that state, in epoch milliseconds; a resumed
//! stream starts a little before that moment, because two gateways' transactions may commit
//! out of the order of their clocks, so a client may see a snapshot twice and keeps the
//! last. An `alert` event with the totals follows each batch; `done` ends the stream once
//! the alert is over and no call of it is still being heard.
//!
//! The chain's in-process events only wake the reader early; a quiet stream still looks
//! every [`LOOK_EVERY`].

use super::ApiState;
use super::alerts::{is_over, visible};
use super::auth::Operator;
use super::problem::{ApiError, Problem};
use super::views::{AlertView, DeliveryView, Totals};
use crate::chain::events::ChainEvent;
use crate::store::{AlertId, StoreError};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// How often a stream looks at the database when nothing woke it.
pub const LOOK_EVERY: Duration = Duration::from_millis(500);

/// How far before the client's last event a resumed stream reads again.
pub const OVERLAP_MS: i64 = 2_000;

/// The stream of the alert's changes.
#[utoipa::path(
    get, path = "/v1/alerts/{id}/events", tag = "alerts",
    params(
        ("id" = String, Path, description = "The alert's id"),
        ("Last-Event-ID" = Option<String>, Header,
            description = "Resume after this event (the id of the last event received)"),
    ),
    responses(
        (status = 200, description = "Events `delivery` (a DeliveryView), `alert` (an \
            AlertView) and finally `done` (the AlertView at its end)",
            content_type = "text/event-stream", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn stream(
    State(state): State<ApiState>,
    operator: Operator,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let alert = visible(&state, &operator, &id).await?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let (sender, receiver) = mpsc::channel(64);
    let wake = state.events().map(|events| events.subscribe());
    tokio::spawn(async move {
        let reader = Reader {
            state,
            alert: alert.id,
            sender,
        };
        if let Err(e) = reader.run(after, wake).await {
            tracing::warn!(error = %e, "an event stream stopped on a database error");
        }
    });
    Ok(Sse::new(ReceiverStream::new(receiver))
        .keep_alive(KeepAlive::default())
        .into_response())
}

struct Reader {
    state: ApiState,
    alert: AlertId,
    sender: mpsc::Sender<Result<Event, Infallible>>,
}

/// What a delivery looked like when last sent: its change time, state and tries.
type Seen = (i64, String, i64);

impl Reader {
    /// Sends changes until the alert is done or the client leaves.
    async fn run(
        self,
        after: Option<i64>,
        mut wake: Option<broadcast::Receiver<ChainEvent>>,
    ) -> Result<(), StoreError> {
        let mut since = after.map_or(i64::MIN, |t| t.saturating_sub(OVERLAP_MS));
        let mut seen: HashMap<String, Seen> = HashMap::new();
        loop {
            let alert = self.state.store().alert(&self.alert).await?;
            let Some(alert) = alert else { return Ok(()) };
            let finished =
                is_over(alert.state) && self.state.store().open_deliveries(&self.alert).await? == 0;
            let changed = self
                .state
                .store()
                .deliveries_changed(&self.alert, since)
                .await?;
            let mut sent_any = false;
            for line in &changed {
                let view = DeliveryView::of(line);
                let version = (line.delivery.updated_at, view.state.clone(), view.tries);
                if seen.get(&view.id) == Some(&version) {
                    continue;
                }
                let event = json_event("delivery", &view).id(line.delivery.updated_at.to_string());
                if !self.send(event).await {
                    return Ok(());
                }
                seen.insert(view.id, version);
                sent_any = true;
            }
            if let Some(last) = changed.last() {
                since = since.max(last.delivery.updated_at.saturating_sub(OVERLAP_MS));
            }
            if sent_any || finished {
                let names = self.state.network_names().await.unwrap_or_default();
                let mut view = AlertView::bare(&alert, &names);
                view.totals = Totals::of(&self.state.store().delivery_counts(&alert.id).await?);
                let kind = if finished { "done" } else { "alert" };
                if !self.send(json_event(kind, &view)).await || finished {
                    return Ok(());
                }
            }
            self.wait(&mut wake).await;
        }
    }

    async fn send(&self, event: Event) -> bool {
        self.sender.send(Ok(event)).await.is_ok()
    }

    /// Until the chain says something of this alert, or [`LOOK_EVERY`] passes, or the
    /// client leaves.
    async fn wait(&self, wake: &mut Option<broadcast::Receiver<ChainEvent>>) {
        let look = tokio::time::sleep(LOOK_EVERY);
        tokio::pin!(look);
        loop {
            tokio::select! {
                () = &mut look => return,
                () = self.sender.closed() => return,
                news = next(wake) => match news {
                    Some(alert) if alert.is_empty() || alert == self.alert.as_str() => {
                        // Let the rest of one change's events arrive together.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        return;
                    }
                    Some(_) => {}
                    None => { *wake = None; }
                },
            }
        }
    }
}

/// The alert the next chain event concerns; `None` once the stream has closed. A lagging
/// reader looks at once.
async fn next(wake: &mut Option<broadcast::Receiver<ChainEvent>>) -> Option<String> {
    let Some(receiver) = wake else {
        return std::future::pending().await;
    };
    match receiver.recv().await {
        Ok(event) => Some(alert_of(&event).to_owned()),
        Err(broadcast::error::RecvError::Lagged(_)) => Some(String::new()),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

fn alert_of(event: &ChainEvent) -> &str {
    match event {
        ChainEvent::AlertSending { alert }
        | ChainEvent::DeliveriesCreated { alert, .. }
        | ChainEvent::Calling { alert, .. }
        | ChainEvent::CallEnded { alert, .. }
        | ChainEvent::Delivery { alert, .. }
        | ChainEvent::Acknowledged { alert, .. }
        | ChainEvent::AlertDone { alert, .. } => alert,
    }
}

fn json_event<T: serde::Serialize>(kind: &str, value: &T) -> Event {
    Event::default()
        .event(kind)
        .data(serde_json::to_string(value).unwrap_or_default())
}
