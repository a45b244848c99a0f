//! The courier: posts due events to their webhooks, signed, and records how each try went.
//!
//! It runs on tasks of its own beside the chain and never in a call's path: a slow or dead
//! receiver costs the courier's own slots ([`CourierSettings::in_flight`]) and nothing else.
//! The loop alone talks to the database (one statement at a time: the due events, their
//! claim, each result), the requests go out on tasks of their own. Each event is claimed
//! first ([`Store::claim_webhook_events`]), so two gateways never send one event at once.
//!
//! A 2xx delivers an event. Anything else (another status, a redirect, no answer within
//! `timeout`, no connection) is retried after `first_retry`, doubling up to `max_retry`, with
//! ±20 % jitter so receivers coming back are not hit by every gateway at once, until
//! `give_up_after` from the event's writing: then it fails (logged at warn) and the next event
//! of its alert may go.

use super::signature::{Secret, sign};
use crate::config::WebhooksConfig;
use crate::store::{DueWebhookEvent, EventClaim, Store, StoreError, TryOutcome};
use crate::telephony::clock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// The courier's timings and limits (`[webhooks]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourierSettings {
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// The wait before the first retry.
    pub first_retry: Duration,
    /// The longest wait between tries.
    pub max_retry: Duration,
    /// From an event's writing, how long it is tried.
    pub give_up_after: Duration,
    /// Requests in flight at once.
    pub in_flight: usize,
    /// How long a claim holds an event: longer than a try can take.
    pub lease: Duration,
    /// How often the courier looks when nothing wakes it.
    pub look_every: Duration,
}

impl Default for CourierSettings {
    fn default() -> CourierSettings {
        CourierSettings {
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            in_flight: 8,
            lease: Duration::from_secs(60),
            look_every: Duration::from_secs(2),
        }
    }
}

impl CourierSettings {
    /// The settings `[webhooks]` gives, with the fixed limits.
    pub fn of(config: &WebhooksConfig) -> CourierSettings {
        CourierSettings {
            timeout: config.timeout,
            first_retry: config.first_retry,
            max_retry: config.max_retry,
            give_up_after: config.give_up_after,
            ..CourierSettings::default()
        }
    }
}

/// When to try an event again after its `tries`-th try failed at `now` (epoch ms), or `None`
/// to give it up. `jitter` in [-1, 1] moves the wait by up to 20 %. The last retry falls on
/// the deadline itself.
pub fn retry_at(
    settings: &CourierSettings,
    tries: i64,
    created_at: i64,
    now: i64,
    jitter: f64,
) -> Option<i64> {
    let deadline = created_at.saturating_add(millis(settings.give_up_after));
    if now >= deadline {
        return None;
    }
    let doublings = u32::try_from(tries.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let wait = settings
        .first_retry
        .saturating_mul(1 << doublings)
        .min(settings.max_retry);
    let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
    let wait = millis(wait.mul_f64(factor)).max(1);
    Some(now.saturating_add(wait).min(deadline))
}

/// Posts due events until stopped.
#[derive(Debug, Clone)]
pub struct Courier {
    store: Store,
    client: reqwest::Client,
    settings: CourierSettings,
    instance: String,
}

/// What came back from one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status, if one came.
    pub status: Option<u16>,
    /// Why it failed; `None` for a 2xx.
    pub error: Option<String>,
}

impl Courier {
    /// A courier claiming events as `instance`.
    pub fn new(
        store: Store,
        settings: CourierSettings,
        instance: String,
    ) -> Result<Courier, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("buurtbel/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Courier {
            store,
            client,
            settings,
            instance,
        })
    }

    /// Sends what is due until `stop` turns true, then lets the requests in flight finish
    /// and records them. `written` wakes it when the producer wrote events.
    pub async fn run(self, written: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        let mut flying: JoinSet<(EventClaim, DueWebhookEvent, Answer)> = JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            let now = clock::epoch_ms();
            if let Err(error) = self.launch(&mut flying, now).await {
                tracing::warn!(%error, "looking for webhook events to send failed; again soon");
            }
            let wait = self.wait(now).await;
            tokio::select! {
                Some(done) = flying.join_next(), if !flying.is_empty() => self.finish(done).await,
                () = written.notified() => {}
                () = tokio::time::sleep(wait) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
        while let Some(done) = flying.join_next().await {
            self.finish(done).await;
        }
    }

    /// Claims what is due at `now`, up to the free slots, and sends each on a task.
    async fn launch(
        &self,
        flying: &mut JoinSet<(EventClaim, DueWebhookEvent, Answer)>,
        now: i64,
    ) -> Result<(), StoreError> {
        let free = self.settings.in_flight.saturating_sub(flying.len());
        if free == 0 {
            return Ok(());
        }
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        let due = self.store.due_webhook_events(now, limit).await?;
        let ids: Vec<i64> = due.iter().map(|e| e.id).collect();
        let until = now.saturating_add(millis(self.settings.lease));
        let claims = self
            .store
            .claim_webhook_events(&ids, &self.instance, now, until)
            .await?;
        let mut due: HashMap<i64, DueWebhookEvent> = due.into_iter().map(|e| (e.id, e)).collect();
        for claim in claims {
            if let Some(event) = due.remove(&claim.id) {
                let client = self.client.clone();
                flying.spawn(async move {
                    let answer = post(&client, &event, clock::epoch_ms() / 1000).await;
                    (claim, event, answer)
                });
            }
        }
        Ok(())
    }

    /// Until the next look: the earliest retry, at most `look_every`.
    async fn wait(&self, now: i64) -> Duration {
        let most = self.settings.look_every;
        match self.store.next_webhook_try(now).await {
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(most),
            _ => most,
        }
    }

    /// Records how a request went.
    async fn finish(
        &self,
        done: Result<(EventClaim, DueWebhookEvent, Answer), tokio::task::JoinError>,
    ) {
        let Ok((claim, event, answer)) = done else {
            // A panicked request: its claim runs out and the event is sent again.
            return;
        };
        let now = clock::epoch_ms();
        let outcome = self.outcome(&event, answer, now);
        if let TryOutcome::Failed {
            retry_at: None,
            error,
            ..
        } = &outcome
        {
            tracing::warn!(webhook = %event.webhook_id, event = %event.uid,
                kind = %event.event, tries = event.tries + 1, %error,
                "a webhook event was given up");
        }
        match self.store.record_webhook_try(&claim, &outcome, now).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(event = %event.uid, "the claim on a webhook event no longer held")
            }
            Err(error) => tracing::warn!(%error, event = %event.uid,
                "recording a webhook try failed; the event is sent again"),
        }
    }

    fn outcome(&self, event: &DueWebhookEvent, answer: Answer, now: i64) -> TryOutcome {
        match answer.error {
            None => TryOutcome::Delivered {
                status: answer.status.unwrap_or(200),
            },
            Some(error) => {
                let jitter = rand::random_range(-1.0..=1.0);
                let tries = event.tries + 1;
                TryOutcome::Failed {
                    status: answer.status,
                    error,
                    retry_at: retry_at(&self.settings, tries, event.created_at, now, jitter),
                }
            }
        }
    }
}

/// Posts one event, signed at `now_s` (unix seconds); what came back.
pub async fn post(client: &reqwest::Client, event: &DueWebhookEvent, now_s: i64) -> Answer {
    let Ok(secret) = Secret::parse(&event.secret) else {
        return Answer {
            status: None,
            error: Some("the webhook's secret is unreadable".to_owned()),
        };
    };
    let body = event.payload.clone().into_bytes();
    let signature = sign(&secret, &event.uid, now_s, &body);
    let sent = client
        .post(&event.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &event.uid)
        .header("webhook-timestamp", now_s.to_string())
        .header("webhook-signature", signature)
        .header("buurtbel-event", event.event.as_str())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Answer {
            status: Some(response.status().as_u16()),
            error: None,
        },
        Ok(response) => Answer {
            status: Some(response.status().as_u16()),
            error: Some(format!("answered {}", response.status())),
        },
        Err(error) => Answer {
            status: None,
            error: Some(words(&error)),
        },
    }
}

/// A failed request in words, without its URL (which may hold a receiver's token).
fn words(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "no answer in time"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "the request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    match causes.last() {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

fn millis(period: Duration) -> i64 {
    i64::try_from(period.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_000_000_000;
    const S: i64 = 1000;

    #[test]
    fn waits_double_from_the_first_retry_up_to_the_longest() {
        let settings = CourierSettings::default();
        let waits: Vec<i64> = (1..=12)
            .map(|tries| retry_at(&settings, tries, T, T, 0.0).expect("retry") - T)
            .collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600].map(|s| s * S)
        );
        let late = retry_at(&settings, 1000, T, T, 0.0).expect("retry");
        assert_eq!(late - T, 3600 * S);
    }

    #[test]
    fn jitter_moves_a_wait_by_a_fifth_at_most() {
        let settings = CourierSettings::default();
        assert_eq!(retry_at(&settings, 3, T, T, 1.0), Some(T + 24 * S));
        assert_eq!(retry_at(&settings, 3, T, T, -1.0), Some(T + 16 * S));
        assert_eq!(retry_at(&settings, 3, T, T, 7.0), Some(T + 24 * S));
    }

    #[test]
    fn an_event_is_tried_until_a_day_after_its_writing_then_given_up() {
        let settings = CourierSettings::default();
        let day = 24 * 3600 * S;
        let last = retry_at(&settings, 30, T, T + day - 10 * S, 0.0);
        assert_eq!(last, Some(T + day), "the last retry falls on the deadline");
        assert_eq!(retry_at(&settings, 31, T, T + day, 0.0), None);
        assert_eq!(retry_at(&settings, 31, T, T + 2 * day, 0.0), None);
    }
}
