//! The HTTP API `buurtbel serve` answers on `[api] listen`: `/v1` for the police's and the
//! coordinators' systems (bearer tokens with a role and networks, problem documents for every
//! error, an `Idempotency-Key` on sending), `/v1/alerts/{id}/events` as Server-Sent Events,
//! `/openapi.json` generated from the handlers themselves, and `/healthz`, `/readyz` and
//! `/metrics` for operations.
//!
//! The API runs in the process of the dispatcher and hands new alerts to it directly
//! ([`desk::AlertDesk`]); everything it reads comes from the database, so any gateway on a
//! shared database answers for the alerts any other is calling.

pub mod access;
pub mod alerts;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cap;
pub mod cap_reading;
pub mod cap_targets;
pub mod desk;
pub mod events;
pub mod health;
pub mod limit;
pub mod member_files;
pub mod member_views;
pub mod members;
pub mod metrics;
pub mod networks;
pub mod preview;
pub mod problem;
pub mod recordings;
pub mod report;
pub mod server;
pub mod sms_inbound;
pub mod sms_replies;
pub mod views;
pub mod webhooks;

#[cfg(test)]
mod tests;

use crate::chain::events::Events;
use crate::config::{ApiConfig, ChainConfig};
use crate::speech::{Language, Speech, SpeechSettings};
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use desk::AlertDesk;
use limit::RateLimiter;
use metrics::Metrics;
use problem::{ApiError, FieldProblem};
use sms_inbound::SmsInbound;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Everything a request may need; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    shared: Arc<Shared>,
    sms_inbound: Option<Arc<SmsInbound>>,
}

struct Shared {
    store: Store,
    desk: Arc<dyn AlertDesk>,
    events: Option<Events>,
    speech: Arc<Speech>,
    chain: ChainConfig,
    limiter: RateLimiter,
    metrics: Metrics,
    stopping: AtomicBool,
    max_body: usize,
}

impl ApiState {
    /// The state over `store`, sending through `desk`; `events` (the chain's, when it runs
    /// in this process) wakes the event streams early.
    pub fn new(
        store: Store,
        desk: Arc<dyn AlertDesk>,
        events: Option<Events>,
        speech: Arc<Speech>,
        chain: ChainConfig,
        api: &ApiConfig,
    ) -> ApiState {
        ApiState {
            shared: Arc::new(Shared {
                store,
                desk,
                events,
                speech,
                chain,
                limiter: RateLimiter::new(api.rate_limit),
                metrics: Metrics::new(),
                stopping: AtomicBool::new(false),
                max_body: api.max_body,
            }),
            sms_inbound: None,
        }
    }

    /// The same state with `POST /v1/sms/inbound` on: signed posts of the SMS aggregator are
    /// handed to the application through `inbound`'s arrivals. Without it the route answers
    /// 404.
    pub fn with_sms_inbound(self, inbound: SmsInbound) -> ApiState {
        ApiState {
            sms_inbound: Some(Arc::new(inbound)),
            ..self
        }
    }

    /// What `POST /v1/sms/inbound` needs, when it is on.
    pub fn sms_inbound(&self) -> Option<&SmsInbound> {
        self.sms_inbound.as_deref()
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The chain.
    pub fn desk(&self) -> &dyn AlertDesk {
        self.shared.desk.as_ref()
    }

    /// The chain's events, when it runs in this process.
    pub fn events(&self) -> Option<&Events> {
        self.shared.events.as_ref()
    }

    /// `[chain]`: the expiries.
    pub fn chain(&self) -> &ChainConfig {
        &self.shared.chain
    }

    /// Says the gateway is stopping: `/readyz` answers 503 from now on, so a load balancer
    /// sends new alerts elsewhere while the calls in progress finish.
    pub fn set_stopping(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
    }

    /// Whether the gateway is stopping.
    pub fn is_stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    /// The requests per token.
    pub fn limiter(&self) -> &RateLimiter {
        &self.shared.limiter
    }

    /// The figures `/metrics` shows.
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// `[api] max_body`: the largest request body.
    pub fn max_body(&self) -> usize {
        self.shared.max_body
    }

    /// The speech service.
    pub fn speech(&self) -> &Arc<Speech> {
        &self.shared.speech
    }

    /// The speech settings (the longest text).
    pub fn speech_settings(&self) -> &SpeechSettings {
        self.shared.speech.settings()
    }

    /// Speaks each text once, off the async threads: an error names the language whose text
    /// the engine refused.
    pub async fn speak(&self, texts: &[(Language, String)]) -> Result<(), ApiError> {
        let speech = Arc::clone(&self.shared.speech);
        let texts = texts.to_vec();
        let refused = tokio::task::spawn_blocking(move || {
            let mut refused = Vec::new();
            for (language, text) in texts {
                if let Err(e) = speech.message(&text, language, 1.0) {
                    refused.push(FieldProblem {
                        field: format!("texts.{language}"),
                        reason: format!("the speech engine cannot read it: {e}"),
                    });
                }
            }
            refused
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "speaking a message failed");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the speech engine failed; it is logged",
            )
        })?;
        if refused.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(refused))
        }
    }

    /// Every network's name by id.
    pub async fn network_names(&self) -> Result<BTreeMap<String, String>, ApiError> {
        Ok(self
            .store()
            .networks()
            .await?
            .into_iter()
            .map(|n| (n.id.0, n.name))
            .collect())
    }
}

/// The OpenAPI document's frame; the paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "buurtbel", description = "Alerts to the members of neighbourhood information networks (BIN), by telephone."),
    modifiers(&BearerScheme),
    tags(
        (name = "alerts", description = "Send, follow, cancel and report alerts"),
        (name = "networks", description = "The networks (BIN) and the languages their members need"),
        (name = "members", description = "Members, their consent, erasure, and the member CSV"),
        (name = "speech", description = "Hear a message before sending it; upload recorded messages"),
        (name = "webhooks", description = "Signed events posted to a network's own systems"),
        (name = "sms", description = "Members' replies and delivery receipts, posted signed by the SMS aggregator"),
        (name = "operations", description = "Health, readiness, metrics and the audit log"),
    ),
)]
struct Frame;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The routes and the OpenAPI document that describes them.
pub fn routes() -> (Router<ApiState>, Document) {
    OpenApiRouter::with_openapi(Frame::openapi())
        .routes(routes!(alerts::send, alerts::list))
        .routes(routes!(alerts::get))
        .routes(routes!(cap::receive))
        .routes(routes!(sms_inbound::receive))
        .routes(routes!(alerts::cancel))
        .routes(routes!(approvals::approve))
        .routes(routes!(alerts::deliveries))
        .routes(routes!(report::csv))
        .routes(routes!(events::stream))
        .routes(routes!(networks::list, networks::create))
        .routes(routes!(networks::get))
        .routes(routes!(networks::set_areas))
        .routes(routes!(members::list, members::create))
        .routes(routes!(member_files::export, member_files::import))
        .routes(routes!(members::get, members::update, members::erase))
        .routes(routes!(preview::preview))
        .routes(routes!(recordings::upload))
        .routes(routes!(webhooks::add, webhooks::list))
        .routes(routes!(webhooks::remove))
        .routes(routes!(webhooks::events))
        .routes(routes!(sms_replies::list))
        .routes(routes!(audit::log))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::scrape))
        .split_for_parts()
}

/// The whole API over `state`, with `/openapi.json`.
pub fn router(state: ApiState, api: &ApiConfig) -> Router {
    let (routes, document) = routes();
    let document = Arc::new(document);
    routes
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let document = Arc::clone(&document);
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::not_found("no such path") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this path does not take this method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count_request,
        ))
        .layer(DefaultBodyLimit::max(api.max_body))
        .with_state(state)
}
