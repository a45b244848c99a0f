//! One call: claim the deliveries it serves (one, or every member sharing the number), place
//! it, commit the acknowledgement of every member it reached the moment the call program
//! reports the confirmation, and commit what the retry policy decides for each member when
//! the call is over. Also the
//! attempts a crash interrupted, finished as failed.
//!
//! Every member a call serves gets an attempt row of their own (the number dialled, what
//! happened on the line), so each member's retries follow their own rounds and numbers; the
//! call's outcome counts for each of them. What makes the call a confirmation is decided by
//! the call program; which members it confirms is decided here.

use super::{ChainError, Dispatcher};
use crate::chain::caller::{CallProgress, CallRequest, CallSummary, Caller, Stop};
use crate::chain::events::ChainEvent;
use crate::chain::program_source::ProgramSource;
use crate::speech::Language;
use crate::store::{
    AckHow, AlertId, AttemptId, AttemptResult, CallClaim, Delivery, DeliveryId, DeliveryState,
    DeliveryStep, DueDelivery, LineClaim, MemberId, StoreError,
};
use crate::telephony::pending::{PendingProgram, ProgramFailure};
use buurtbel_proto::policy::{self, AttemptOutcome, Decision, Progress};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How long a delivery held for a call elsewhere (another instance's, or another alert's
/// to the same member), or a full trunk, waits before the next look, unless a call ends
/// sooner.
const LOOK_AGAIN_MS: i64 = 1_000;

/// Whom a call reaches: the alert, and the member of each delivery it serves.
pub(super) struct Reached {
    alert: AlertId,
    members: Vec<MemberId>,
}

/// An attempt to finish, with where its delivery stands.
struct Finishing<'a> {
    delivery: &'a Delivery,
    attempt: &'a AttemptId,
    progress: Progress,
}

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Places one call to `number` for the deliveries it serves (the first is the one that
    /// came due) and records how it went; true when a call was claimed (and so its line is
    /// free again now). Errors are logged: a delivery left `calling` by a failed write is
    /// picked up as in flight at the next start.
    pub(super) async fn attempt(
        &self,
        served: Vec<DueDelivery>,
        number: &str,
        stop: watch::Receiver<Stop>,
    ) -> bool {
        match self.try_attempt(served, number, stop).await {
            Ok(placed) => placed,
            Err(e) => {
                tracing::error!(error = %e, "an attempt could not be recorded");
                true
            }
        }
    }

    async fn try_attempt(
        &self,
        served: Vec<DueDelivery>,
        number: &str,
        stop: watch::Receiver<Stop>,
    ) -> Result<bool, ChainError> {
        let served = self.claim(served, number).await?;
        let Some((first, _)) = served.first() else {
            return Ok(false); // acknowledged, cancelled, taken meanwhile, or on another call
        };
        for (due, _) in &served {
            self.shared.events.publish(ChainEvent::Calling {
                alert: due.delivery.alert_id.to_string(),
                delivery: due.delivery.id.to_string(),
                contact: contact_of(&due.delivery),
            });
        }
        tracing::debug!(number, members = served.len(), "calling");
        // One program for the line: in the language of the member whose try came due.
        let language = first.recipient.language.parse().unwrap_or(Language::Nl);
        let rate = first.recipient.speech_rate as f32;
        let program = self.make_program(&first.delivery.alert_id, language, rate);
        let reached = Reached {
            alert: first.delivery.alert_id.clone(),
            members: served
                .iter()
                .map(|(due, _)| due.delivery.member_id.clone())
                .collect(),
        };
        let (summary, acknowledged) = self.call(&reached, number, program, stop).await;
        if summary.outcome == AttemptOutcome::Acknowledged && !acknowledged {
            self.acknowledge_reached(&reached).await?;
        }
        let finishing: Vec<Finishing<'_>> = served
            .iter()
            .map(|(due, attempt)| Finishing {
                delivery: &due.delivery,
                attempt,
                progress: Progress {
                    contact: contact_of(&due.delivery),
                    contacts: due.recipient.contact_points.len(),
                    rounds: u32::try_from(due.delivery.rounds).unwrap_or(u32::MAX),
                    expires_at: due.alert_expires_at,
                },
            })
            .collect();
        self.finish(&finishing, &summary, "").await?;
        Ok(true)
    }

    /// Claims every delivery the call serves and puts the call on the trunk's shared line,
    /// in one transaction; those refused (acknowledged or stopped meanwhile, or their member
    /// on another call) are left out of the call. The claimed ones, each with its attempt, in
    /// the order given. When the number is on another instance's or alert's call, or the trunk is full, nothing is
    /// claimed and the deliveries wait for a call to end.
    async fn claim(
        &self,
        served: Vec<DueDelivery>,
        number: &str,
    ) -> Result<Vec<(DueDelivery, AttemptId)>, ChainError> {
        let expected: Vec<[DeliveryState; 1]> = served.iter().map(|d| [d.delivery.state]).collect();
        let claims: Vec<LineClaim<'_>> = served
            .iter()
            .zip(&expected)
            .map(|(d, state)| LineClaim {
                delivery: d.delivery.id.clone(),
                member: d.delivery.member_id.clone(),
                expected: &state[..],
            })
            .collect();
        let now = self.shared.clock.now();
        let trunk = &self.shared.settings.trunk;
        let claim = self
            .shared
            .store
            .begin_line_call(&claims, number, trunk, now)
            .await?;
        let begun = match claim {
            CallClaim::Begun(attempts) => attempts,
            CallClaim::Busy => {
                let held = served.iter().map(|d| d.delivery.id.clone());
                self.lines().hold(held, now.saturating_add(LOOK_AGAIN_MS));
                Vec::new()
            }
            CallClaim::TrunkFull => {
                self.lines().trunk_full(now.saturating_add(LOOK_AGAIN_MS));
                Vec::new()
            }
            CallClaim::Nobody => Vec::new(),
        };
        let claimed: Vec<DeliveryId> = begun.iter().map(|(d, _)| d.clone()).collect();
        self.lines().keep(number, &claimed);
        let mut attempts: HashMap<DeliveryId, AttemptId> = begun.into_iter().collect();
        Ok(served
            .into_iter()
            .filter_map(|d| attempts.remove(&d.delivery.id).map(|a| (d, a)))
            .collect())
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
                ProgramFailure::unmade(e)
            }));
        });
        program
    }

    /// Runs the call, committing the acknowledgement as soon as the call program reports the
    /// confirmation; true in the second place when it did.
    async fn call(
        &self,
        reached: &Reached,
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
                        acknowledged |= self.on_progress(reached, news, acknowledged).await;
                    }
                    return (summary, acknowledged);
                }
                Some(news) = heard.recv() => {
                    let _busy = self.busy();
                    acknowledged |= self.on_progress(reached, news, acknowledged).await;
                }
            }
        }
    }

    /// True when this news committed the acknowledgement.
    async fn on_progress(&self, reached: &Reached, news: CallProgress, done: bool) -> bool {
        if done || news != CallProgress::Confirmed {
            return false;
        }
        match self.acknowledge_reached(reached).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "recording a key acknowledgement failed");
                false
            }
        }
    }

    /// A confirmed call confirms every member it reached: on a shared number, each member
    /// whose delivery the call served gets an acknowledgement of their own, all committed in
    /// one transaction, and each is published.
    async fn acknowledge_reached(&self, reached: &Reached) -> Result<(), ChainError> {
        let now = self.shared.clock.now();
        let first = self
            .shared
            .store
            .acknowledge_all(&reached.alert, &reached.members, AckHow::Dtmf, now)
            .await?;
        for member in first {
            self.shared.events.publish(ChainEvent::Acknowledged {
                alert: reached.alert.to_string(),
                member: member.to_string(),
                how: AckHow::Dtmf.as_str().to_owned(),
            });
        }
        Ok(())
    }

    /// Commits the end of the call's attempts and each delivery's next step, in one
    /// transaction; each member's step is the retry policy's for their own progress.
    async fn finish(
        &self,
        attempts: &[Finishing<'_>],
        summary: &CallSummary,
        note: &str,
    ) -> Result<(), ChainError> {
        let Some(first) = attempts.first() else {
            return Ok(());
        };
        let now = self.shared.clock.now();
        let policy = self.policy(&first.delivery.alert_id);
        let state = outcome_state(summary.outcome);
        let steps: Vec<(AttemptId, DeliveryStep)> = attempts
            .iter()
            .map(|a| {
                let decision = policy::decide(&policy, summary.outcome, a.progress, now);
                (a.attempt.clone(), step(decision, state, a.progress, now))
            })
            .collect();
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
        let moved = self.shared.store.finish_call(&steps, &result).await?;
        for ((a, (_, step)), moved) in attempts.iter().zip(&steps).zip(moved) {
            if moved {
                self.publish_delivery(a.delivery, step.state, step.next_try_at);
            }
        }
        Ok(())
    }

    /// After a crash, or when another instance's lease is dead: every attempt without an end
    /// under a dead lease (with `unowned`, also those written without a lease) becomes a
    /// failed attempt, and the retry policy decides what follows, as for any other failure.
    /// A live instance's calls are never touched; an attempt another instance finished
    /// meanwhile is left as it is.
    pub(super) async fn resume(&self, unowned: bool) -> Result<(), ChainError> {
        let store = &self.shared.store;
        let dead = store.take_over_dead().await?;
        for lease in &dead {
            tracing::warn!(
                instance = %lease.instance,
                generation = lease.generation,
                "taking over the calls of an instance whose lease expired"
            );
        }
        let interrupted = store.orphaned_attempts(unowned).await?;
        if !interrupted.is_empty() {
            tracing::warn!(
                calls = interrupted.len(),
                "calls were in flight when their instance stopped; recording them as failed"
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
            let interrupted = Finishing {
                delivery,
                attempt: &flight.attempt.id,
                progress,
            };
            let summary = CallSummary::failed();
            match self.finish(&[interrupted], &summary, "interrupted").await {
                Ok(()) | Err(ChainError::Store(StoreError::AttemptFinished(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    pub(super) fn publish_delivery(
        &self,
        delivery: &Delivery,
        state: DeliveryState,
        next: Option<i64>,
    ) {
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

/// Which contact point a delivery's next try dials, as the retry policy counts it.
fn contact_of(delivery: &Delivery) -> usize {
    usize::try_from(delivery.contact_index).unwrap_or(0)
}

/// Where the policy's decision takes a delivery.
/// `now` is when a next contact point is called: at once.
fn step(decision: Decision, state: DeliveryState, progress: Progress, now: i64) -> DeliveryStep {
    let contact_index = |contact: usize| i64::try_from(contact).unwrap_or(0);
    match decision {
        Decision::Done | Decision::Expired => DeliveryStep {
            state,
            next_try_at: None,
            contact_index: contact_index(progress.contact),
            rounds: i64::from(progress.rounds),
        },
        Decision::NextContact { contact } => DeliveryStep {
            state,
            next_try_at: Some(now),
            contact_index: contact_index(contact),
            rounds: i64::from(progress.rounds),
        },
        Decision::Retry { at, rounds } => DeliveryStep {
            state,
            next_try_at: Some(at),
            contact_index: 0,
            rounds: i64::from(rounds),
        },
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
