//! What one call-back records: each confirmation the moment the playlist accepts it, and at
//! the end how each message went, on the attempts the call began.

use super::News;
use crate::chain::caller::Caller;
use crate::chain::dispatcher::Dispatcher;
use crate::chain::program_source::ProgramSource;
use crate::store::{
    AckHow, AttemptId, CallbackAlert, CallbackEnd, DeliveryId, Identification, Store,
};
use crate::telephony::answering::{VisitNews, VisitReport};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// One call-back's records.
pub(super) struct Visit<C: Caller, P: ProgramSource> {
    dispatcher: Dispatcher<C, P>,
    store: Store,
    /// The call's place on the trunk's line.
    line: String,
    /// The messages played, in order.
    alerts: Vec<CallbackAlert>,
    /// The attempt begun on each delivery.
    attempts: HashMap<DeliveryId, AttemptId>,
    /// How the caller's number was known; `None` for a withheld one.
    identified_by: Option<Identification>,
}

impl<C: Caller, P: ProgramSource> Visit<C, P> {
    pub(super) fn new(
        dispatcher: Dispatcher<C, P>,
        store: Store,
        line: String,
        alerts: Vec<CallbackAlert>,
        attempts: Vec<(DeliveryId, AttemptId)>,
        identified_by: Option<Identification>,
    ) -> Visit<C, P> {
        Visit {
            dispatcher,
            store,
            line,
            alerts,
            attempts: attempts.into_iter().collect(),
            identified_by,
        }
    }

    /// Follows the call's news in a task of its own; the call is recorded ended when the
    /// news ends, whether or not the call said how it went.
    pub(super) fn start(self) -> News {
        let (news, mut heard) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(news) = heard.recv().await {
                match news {
                    VisitNews::Confirmed(item) => self.confirm(item).await,
                    VisitNews::Ended(report) => return self.finish(&report).await,
                }
            }
            self.finish(&VisitReport::default()).await;
        });
        news
    }

    /// The call could not be played: its attempts end unheard and its channel is freed.
    pub(super) async fn abandon(self) {
        self.finish(&VisitReport::default()).await;
    }

    async fn confirm(&self, item: usize) {
        let Some(alert) = self.alerts.get(item) else {
            tracing::error!(
                item,
                "a confirmation for a message the call-back did not play"
            );
            return;
        };
        for member in super::members_of(alert) {
            let acknowledged = self
                .dispatcher
                .acknowledge_identified(&alert.alert, member, AckHow::Callback, self.identified_by)
                .await;
            if let Err(e) = acknowledged {
                tracing::error!(alert = %alert.alert, error = %e, "a confirmation on the call-back line could not be recorded");
            }
        }
    }

    async fn finish(&self, report: &VisitReport) {
        let talk_ms = i64::try_from(report.talk.as_millis()).unwrap_or(i64::MAX);
        let mut ends = Vec::new();
        for (index, alert) in self.alerts.iter().enumerate() {
            let outcome = report.items.get(index).copied().unwrap_or_default();
            for (delivery, _) in &alert.deliveries {
                let Some(attempt) = self.attempts.get(delivery) else {
                    continue;
                };
                ends.push(CallbackEnd {
                    attempt: attempt.clone(),
                    heard: outcome.heard,
                    confirmed: outcome.confirmed,
                    talk_ms,
                    digits: report.digits.clone(),
                });
            }
        }
        let now = self.dispatcher.now_ms();
        if let Err(e) = self.store.finish_callback(&self.line, &ends, now).await {
            tracing::error!(error = %e, "the end of a call-back could not be recorded");
        }
    }
}
