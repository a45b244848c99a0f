//! One attempt: claim the delivery, place the call, commit an acknowledgement the moment the
//! call program accepts the member's confirmation, and commit what the retry policy decides when the call is over. Also the
//! attempts a crash interrupted, finished as failed.

use super::{ChainError, Dispatcher};
use crate::chain::caller::{CallProgress, CallRequest, CallSummary, Caller, Stop};
use crate::chain::events::ChainEvent;
use crate::chain::policy::{self, AttemptOutcome, Decision, Progress};
use crate::chain::program_source::ProgramSource;
use crate::media::pending::PendingProgram;
use crate::speech::Language;
use crate::store::{
    AckHow, AlertId, AttemptChannel, AttemptId, AttemptResult, Delivery, DeliveryState,
    DeliveryStep, DueDelivery, MemberId,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Places one call for a due delivery and records how it went. Errors are logged: a
    /// delivery left `calling` by a failed write is picked up as in flight at the next start.
    pub(super) async fn attempt(&self, due: DueDelivery, stop: watch::Receiver<Stop>) {
        if let Err(e) = self.try_attempt(due, stop).await {
            tracing::error!(error = %e, "an attempt could not be recorded");
        }
    }

    async fn try_attempt(
        &self,
        due: DueDelivery,
        stop: watch::Receiver<Stop>,
    ) -> Result<(), ChainError> {
        let store = &self.shared.store;
        let delivery = &due.delivery;
        let contacts = &due.recipient.contact_points;
        let index = usize::try_from(delivery.contact_index).unwrap_or(0);
        let Some(contact) = contacts.get(index).or(contacts.first()) else {
            let now = self.shared.clock.now();
            let moved = store
                .settle_unattempted(&delivery.id, DeliveryState::GivenUp, now)
                .await?;
            if moved {
                tracing::warn!(delivery = %delivery.id, "member has no number; given up");
                self.publish_delivery(delivery, DeliveryState::GivenUp, None);
            }
            return Ok(());
        };
        let now = self.shared.clock.now();
        let claimed = store
            .begin_attempt(
                &delivery.id,
                &[delivery.state],
                AttemptChannel::Voice,
                &contact.number,
                now,
            )
            .await?;
        let Some(attempt) = claimed else {
            return Ok(()); // acknowledged, cancelled or taken meanwhile
        };
        self.shared.events.publish(ChainEvent::Calling {
            alert: delivery.alert_id.to_string(),
            delivery: delivery.id.to_string(),
            contact: index,
        });
        tracing::debug!(delivery = %delivery.id, number = contact.number, "calling");
        let language = due.recipient.language.parse().unwrap_or(Language::Nl);
        let rate = due.recipient.speech_rate as f32;
        let program = self.make_program(&delivery.alert_id, language, rate);
        let (summary, acknowledged) = self.call(delivery, &contact.number, program, stop).await;
        if summary.outcome == AttemptOutcome::Acknowledged && !acknowledged {
            self.acknowledge_by_key(&delivery.alert_id, &delivery.member_id)
                .await?;
        }
        let progress = Progress {
            contact: index,
            contacts: contacts.len(),
            rounds: u32::try_from(delivery.rounds).unwrap_or(u32::MAX),
            expires_at: due.alert_expires_at,
        };
        self.finish(delivery, &attempt, &summary, progress, "")
            .await
    }

    /// Starts making the call's program beside the call: the INVITE goes out while the
    /// speech engine works, and the line waits for the audio only if answered first.
    fn make_program(&self, alert: &AlertId, language: Language, rate: f32) -> PendingProgram {
        let (maker, program) = PendingProgram::later();
        let dispatcher = self.clone();
        let alert = alert.clone();
        tokio::spawn(async move {
            let programs = &dispatcher.shared.programs;
            let made = tokio::select! {
                made = programs.program(&alert, language, rate) => made,
                // The call ended first (busy, cancelled): nobody will play it.
                () = maker.unwanted() => return,
            };
            maker.finish(made.map_err(|e| {
                tracing::error!(%alert, error = %e, "no audio for the call");
                e.to_string()
            }));
        });
        program
    }

    /// Runs the call, committing the acknowledgement as soon as the call program reports the
    /// confirmation; true in the second place when it did.
    async fn call(
        &self,
        delivery: &Delivery,
        number: &str,
        program: PendingProgram,
        stop: watch::Receiver<Stop>,
    ) -> (CallSummary, bool) {
        let (progress, mut heard) = mpsc::unbounded_channel();
        let request = CallRequest {
            number: number.to_owned(),
            program,
            stop,
            progress,
        };
        let call = self.shared.caller.call(request);
        let mut call = std::pin::pin!(call);
        let mut acknowledged = false;
        // On the line: the dispatcher waits on the call, not the other way round.
        let on_line = OnLine::new(&self.shared.working);
        loop {
            tokio::select! {
                summary = &mut call => {
                    drop(on_line);
                    while let Ok(news) = heard.try_recv() {
                        acknowledged |= self.on_progress(delivery, news, acknowledged).await;
                    }
                    return (summary, acknowledged);
                }
                Some(news) = heard.recv() => {
                    let _busy = self.busy();
                    acknowledged |= self.on_progress(delivery, news, acknowledged).await;
                }
            }
        }
    }

    /// True when this news committed the acknowledgement.
    async fn on_progress(&self, delivery: &Delivery, news: CallProgress, done: bool) -> bool {
        if done || news != CallProgress::Confirmed {
            return false;
        }
        match self
            .acknowledge_by_key(&delivery.alert_id, &delivery.member_id)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "recording a key acknowledgement failed");
                false
            }
        }
    }

    async fn acknowledge_by_key(
        &self,
        alert: &AlertId,
        member: &MemberId,
    ) -> Result<(), ChainError> {
        let now = self.shared.clock.now();
        let store = &self.shared.store;
        if store.acknowledge(alert, member, AckHow::Dtmf, now).await? {
            self.shared.events.publish(ChainEvent::Acknowledged {
                alert: alert.to_string(),
                member: member.to_string(),
                how: AckHow::Dtmf.as_str().to_owned(),
            });
        }
        Ok(())
    }

    /// Commits the attempt's end and the delivery's next step.
    async fn finish(
        &self,
        delivery: &Delivery,
        attempt: &AttemptId,
        summary: &CallSummary,
        progress: Progress,
        note: &str,
    ) -> Result<(), ChainError> {
        let now = self.shared.clock.now();
        let policy = self.policy(&delivery.alert_id);
        let decision = policy::decide(&policy, summary.outcome, progress, now);
        let state = outcome_state(summary.outcome);
        let step = match decision {
            Decision::Done | Decision::Expired => DeliveryStep {
                state,
                next_try_at: None,
                contact_index: i64::try_from(progress.contact).unwrap_or(0),
                rounds: i64::from(progress.rounds),
            },
            Decision::NextContact { contact } => DeliveryStep {
                state,
                next_try_at: Some(now),
                contact_index: i64::try_from(contact).unwrap_or(0),
                rounds: i64::from(progress.rounds),
            },
            Decision::Retry { at, rounds } => DeliveryStep {
                state,
                next_try_at: Some(at),
                contact_index: 0,
                rounds: i64::from(rounds),
            },
        };
        let outcome = if note.is_empty() {
            outcome_name(summary.outcome)
        } else {
            note
        };
        let result = AttemptResult {
            ended_at: now,
            sip_status: summary.sip_status,
            outcome: outcome.to_owned(),
            ring_ms: Some(millis(summary.ring)),
            talk_ms: Some(millis(summary.talk)),
            digits: (!summary.digits.is_empty()).then(|| summary.digits.clone()),
            machine: summary.machine.clone(),
            sms_id: None,
            sms_receipt: None,
        };
        let moved = self
            .shared
            .store
            .finish_attempt(attempt, &result, step)
            .await?;
        if moved {
            self.publish_delivery(delivery, step.state, step.next_try_at);
        }
        Ok(())
    }

    /// After a crash: every attempt without an end becomes a failed attempt, and the retry
    /// policy decides what follows, as for any other failure.
    pub(super) async fn resume(&self) -> Result<(), ChainError> {
        let store = &self.shared.store;
        let interrupted = store.in_flight().await?;
        if !interrupted.is_empty() {
            tracing::warn!(
                calls = interrupted.len(),
                "calls were in flight when the chain last stopped; recording them as failed"
            );
        }
        for flight in interrupted {
            let delivery = &flight.delivery;
            let contacts = store
                .member(&delivery.member_id)
                .await?
                .map_or(1, |m| m.contact_points.len().max(1));
            let alert = store.alert(&delivery.alert_id).await?;
            self.load_policy(&delivery.alert_id).await;
            let progress = Progress {
                contact: usize::try_from(delivery.contact_index).unwrap_or(0),
                contacts,
                rounds: u32::try_from(delivery.rounds).unwrap_or(u32::MAX),
                expires_at: alert.and_then(|a| a.expires_at),
            };
            let summary = CallSummary::failed();
            self.finish(
                delivery,
                &flight.attempt.id,
                &summary,
                progress,
                "interrupted",
            )
            .await?;
        }
        Ok(())
    }

    fn publish_delivery(&self, delivery: &Delivery, state: DeliveryState, next: Option<i64>) {
        self.shared.events.publish(ChainEvent::Delivery {
            alert: delivery.alert_id.to_string(),
            delivery: delivery.id.to_string(),
            state: state.as_str().to_owned(),
            next_try_at: next,
        });
    }
}

/// The inverse of [`super::Busy`]: a call on the line is waiting, not working.
struct OnLine(std::sync::Arc<AtomicUsize>);

impl OnLine {
    fn new(working: &std::sync::Arc<AtomicUsize>) -> OnLine {
        working.fetch_sub(1, Ordering::SeqCst);
        OnLine(std::sync::Arc::clone(working))
    }
}

impl Drop for OnLine {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The attempt's outcome as recorded.
fn outcome_name(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::Acknowledged => DeliveryState::Acknowledged.as_str(),
        other => outcome_state(other).as_str(),
    }
}

/// The state a delivery takes after an attempt with this outcome. An acknowledged call's
/// delivery was already moved by the acknowledgement itself; the state given here is then
/// not applied (the delivery is no longer `calling`).
fn outcome_state(outcome: AttemptOutcome) -> DeliveryState {
    match outcome {
        AttemptOutcome::Acknowledged | AttemptOutcome::AnsweredNoAck => {
            DeliveryState::AnsweredNoAck
        }
        AttemptOutcome::Voicemail => DeliveryState::Voicemail,
        AttemptOutcome::NoAnswer => DeliveryState::NoAnswer,
        AttemptOutcome::Busy => DeliveryState::Busy,
        AttemptOutcome::Unavailable { .. } => DeliveryState::Unavailable,
        AttemptOutcome::Failed => DeliveryState::Failed,
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
