//! `/metrics` in Prometheus text format: calls in progress, calls by outcome, INVITEs sent
//! (a counter: Prometheus' `rate()` gives INVITEs per second), deliveries pending,
//! acknowledgements by how, and HTTP requests by route and status.
//!
//! The call figures are this process's, counted from the chain's event stream
//! ([`Metrics::follow`]); pending deliveries are read from the database at each scrape, so
//! every gateway on a shared database reports the same number.

use super::ApiState;
use crate::chain::events::{ChainEvent, Events};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HowLabel {
    how: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

/// The figures, registered once.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    calls_in_progress: Gauge,
    deliveries_pending: Gauge,
    calls: Family<OutcomeLabel, Counter>,
    invites: Counter,
    acknowledgements: Family<HowLabel, Counter>,
    requests: Family<RequestLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Every figure at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("buurtbel");
        let calls_in_progress = Gauge::default();
        let deliveries_pending = Gauge::default();
        let calls = Family::<OutcomeLabel, Counter>::default();
        let invites = Counter::default();
        let acknowledgements = Family::<HowLabel, Counter>::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "calls_in_progress",
            "Calls up or ringing in this process",
            calls_in_progress.clone(),
        );
        registry.register("calls", "Calls ended, by outcome", calls.clone());
        registry.register(
            "invites",
            "Calls started (INVITEs sent); rate() gives INVITEs per second",
            invites.clone(),
        );
        registry.register(
            "deliveries_pending",
            "Deliveries of sending alerts with a call in progress or a try scheduled",
            deliveries_pending.clone(),
        );
        registry.register(
            "acknowledgements",
            "Confirmations recorded by this process, by how they came",
            acknowledgements.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            calls_in_progress,
            deliveries_pending,
            calls,
            invites,
            acknowledgements,
            requests,
        }
    }

    /// Counts the chain's events until the stream closes.
    pub async fn follow(self, events: Events) {
        let mut receiver = events.subscribe();
        loop {
            match receiver.recv().await {
                Ok(event) => self.count(&event),
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "metrics missed chain events");
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    fn count(&self, event: &ChainEvent) {
        match event {
            ChainEvent::Calling { .. } => {
                self.invites.inc();
            }
            ChainEvent::CallEnded { outcome, .. } => {
                self.calls
                    .get_or_create(&OutcomeLabel {
                        outcome: outcome.clone(),
                    })
                    .inc();
            }
            ChainEvent::Acknowledged { how, .. } => {
                self.acknowledgements
                    .get_or_create(&HowLabel { how: how.clone() })
                    .inc();
            }
            _ => {}
        }
    }

    /// The text exposition, with the gauges set to these values.
    pub fn render(&self, calls_in_progress: usize, deliveries_pending: i64) -> String {
        self.calls_in_progress
            .set(i64::try_from(calls_in_progress).unwrap_or(i64::MAX));
        self.deliveries_pending.set(deliveries_pending);
        let mut text = String::new();
        if let Err(e) = encode(&mut text, &self.registry) {
            tracing::warn!(error = %e, "the metrics could not be written");
        }
        text
    }
}

/// The figures, in Prometheus text format.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String,
        content_type = "application/openmetrics-text"))
)]
pub async fn scrape(State(state): State<ApiState>) -> Response {
    let pending = match state.store().pending_deliveries().await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "pending deliveries unreadable for /metrics");
            -1
        }
    };
    let text = state
        .metrics()
        .render(state.desk().calls_in_progress(), pending);
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Counts every answered request by its route (the path pattern, never the ids in it).
pub async fn count_request(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    state
        .metrics()
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
