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

use super::schedule::{outcome_name, step_after};
use super::{ChainError, Dispatcher};
use crate::chain::caller::{CallProgress, CallRequest, CallSummary, Caller, Stop};
use crate::chain::events::ChainEvent;
use crate::chain::program_source::ProgramSource;
use crate::speech::Language;
use crate::store::{
    AckHow, AlertId, AttemptId, AttemptResult, CallClaim, Channel, Delivery, DeliveryId,
    DeliveryState, DeliveryStep, DueDelivery, LineClaim, MemberId, StoreError,
};
use crate::telephony::pending::{PendingProgram, ProgramFailure};
use buurtbel_proto::policy::{AttemptOutcome, Progress};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

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
    /// How the member wants to be reached: `voice_then_sms` gets a text when the call did not
    /// get through.
    channel: Channel,
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
        self.shared.events.publish(ChainEvent::CallEnded {
            alert: reached.alert.to_string(),
            outcome: outcome_name(summary.outcome).to_owned(),
        });
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
                channel: due.recipient.channel,
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
        let ids: Vec<DeliveryId> = served.iter().map(|d| d.delivery.id.clone()).collect();
        self.board().schedule.claimed(number, &ids, &claim, now);
        let begun = match claim {
            CallClaim::Begun(attempts) => attempts,
            CallClaim::Busy | CallClaim::TrunkFull | CallClaim::Nobody => Vec::new(),
        };
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
        loop {
            tokio::select! {
                summary = &mut call => {
                    while let Ok(news) = heard.try_recv() {
                        acknowledged |= self.on_progress(reached, news, acknowledged).await;
                    }
                    return (summary, acknowledged);
                }
                Some(news) = heard.recv() => {
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
        let steps: Vec<(AttemptId, DeliveryStep)> = attempts
            .iter()
            .map(|a| {
                let step = step_after(&policy, summary.outcome, a.progress, now);
                (a.attempt.clone(), step)
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
        let texts: Vec<AttemptId> = attempts
            .iter()
            .zip(&steps)
            .filter(|(a, (_, step))| text_follows(a, step, summary.outcome, now))
            .map(|(a, _)| a.attempt.clone())
            .collect();
        let moved = self
            .shared
            .store
            .finish_call_texting(&steps, &texts, &result)
            .await?;
        if !texts.is_empty() {
            self.shared.texts_wake.notify_one();
        }
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
            let member = store.member(&delivery.member_id).await?;
            let contacts = member.as_ref().map_or(1, |m| m.contact_points.len().max(1));
            let channel = member.map_or(Channel::Voice, |m| m.channel);
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
                channel,
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

/// Whether a text follows the call for this member: one who chose `voice_then_sms`, when the
/// call reached a voicemail or no call follows it (the alert not yet expired), unless they
/// confirmed.
fn text_follows(
    finishing: &Finishing<'_>,
    step: &DeliveryStep,
    outcome: AttemptOutcome,
    now: i64,
) -> bool {
    let expired = finishing.progress.expires_at.is_some_and(|at| at <= now);
    finishing.channel == Channel::VoiceThenSms
        && outcome != AttemptOutcome::Acknowledged
        && !expired
        && (outcome == AttemptOutcome::Voicemail || step.next_try_at.is_none())
}

/// Which contact point a delivery's next try dials, as the retry policy counts it.
fn contact_of(delivery: &Delivery) -> usize {
    usize::try_from(delivery.contact_index).unwrap_or(0)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
