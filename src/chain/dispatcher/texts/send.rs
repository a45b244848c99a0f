//! The texts' loop: take the due texts, check each, word it, claim it and send it on a task
//! of its own, and record what the provider answered.

use super::compose::compose;
use super::{TextSettings, Texting};
use crate::chain::caller::Caller;
use crate::chain::dispatcher::Dispatcher;
use crate::chain::program_source::ProgramSource;
use crate::sms::{OutgoingSms, SmsError};
use crate::store::{AlertKind, AttemptId, DeliveryState, DueText, StoreError, TextEnd};
use buurtbel_proto::quiet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// Due texts read at once.
const PAGE: u32 = 100;

/// What to do with one due text.
enum Step {
    /// Send it now to this number.
    Send(String),
    /// Not now: at this moment.
    Later(i64),
    /// Never: the delivery ends in this state if it had no calls.
    Drop(DeliveryState, &'static str),
}

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Sends the due texts until `stop` turns true; texts being sent when it does are
    /// finished first.
    pub(in crate::chain::dispatcher) async fn run_texts(&self, mut stop: watch::Receiver<bool>) {
        let texting = self.shared.texting.get().cloned();
        let concurrency = texting
            .as_ref()
            .map_or(1, |t| t.settings.concurrency.max(1));
        let sending = Arc::new(Semaphore::new(concurrency));
        // A text due is woken for (a page of deliveries written here, a call that left one
        // due, a retry's time); the pause only finds what another gateway made due.
        let pause = self.shared.settings.sweep.max(Duration::from_secs(1));
        loop {
            if *stop.borrow() {
                break;
            }
            let now = self.shared.clock.now();
            let wake = match self.text_pass(texting.as_ref(), &sending, now).await {
                Ok(true) => now,
                Ok(false) => {
                    let next = self.shared.store.next_text_due().await.ok().flatten();
                    let later = now.saturating_add(millis(pause));
                    next.map_or(later, |next| next.clamp(now + 1, later))
                }
                Err(e) => {
                    tracing::error!(error = %e, "taking due texts failed");
                    now.saturating_add(millis(pause))
                }
            };
            tokio::select! {
                _ = stop.changed() => {}
                () = self.shared.texts_wake.notified() => {}
                () = self.shared.clock.sleep_until(wake) => {}
            }
        }
        let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(self.shared.settings.drain, sending.acquire_many(all)).await;
    }

    /// One look at the due texts; true when the page was full (more may be due).
    async fn text_pass(
        &self,
        texting: Option<&Texting>,
        sending: &Arc<Semaphore>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let due = self.shared.store.due_texts(now, PAGE).await?;
        let full = due.len() >= PAGE as usize;
        for text in due {
            let Some(texting) = texting else {
                self.drop_text(
                    &text,
                    DeliveryState::Failed,
                    "no SMS provider configured",
                    now,
                )
                .await?;
                continue;
            };
            match self.text_step(&texting.settings, &text, now).await? {
                Step::Send(number) => {
                    let Ok(permit) = Arc::clone(sending).acquire_owned().await else {
                        return Ok(false);
                    };
                    let Some(sms) = self.claim_text(texting, &text, &number).await? else {
                        continue;
                    };
                    let dispatcher = self.clone();
                    let texting = texting.clone();
                    tokio::spawn(async move {
                        if let Err(e) = dispatcher.deliver_text(&texting, text, sms).await {
                            tracing::error!(error = %e, "a text could not be recorded");
                        }
                        drop(permit);
                    });
                }
                Step::Later(at) => {
                    self.shared
                        .store
                        .postpone_text(&text.delivery.id, at, now)
                        .await?;
                }
                Step::Drop(state, why) => self.drop_text(&text, state, why, now).await?,
            }
        }
        Ok(full)
    }

    /// Whether the text goes now, later or never.
    async fn text_step(
        &self,
        settings: &TextSettings,
        text: &DueText,
        now: i64,
    ) -> Result<Step, StoreError> {
        let urgent = text.alert_kind == AlertKind::Urgent;
        if !urgent && text.stopped_at.is_some() {
            return Ok(Step::Drop(DeliveryState::GivenUp, "the member sent STOP"));
        }
        let Some(number) = text.mobiles.first() else {
            return Ok(Step::Drop(
                DeliveryState::GivenUp,
                "the member has no mobile number",
            ));
        };
        if urgent {
            return Ok(Step::Send(number.clone()));
        }
        let hours = text
            .quiet_hours
            .map_or(self.shared.settings.quiet_hours, |q| {
                (u32::from(q.start), u32::from(q.end))
            });
        let zone = &self.shared.settings.zone;
        let allowed = quiet::next_allowed(now, hours, zone);
        if allowed > now {
            return Ok(Step::Later(allowed));
        }
        let store = &self.shared.store;
        if let Some(network) = store
            .text_network(&text.delivery.alert_id, &text.delivery.member_id)
            .await?
        {
            let (today, tomorrow) = day_of(now, zone);
            let sent = store.texts_since(&network.id, today).await?;
            if sent >= i64::from(settings.daily_limit) {
                tracing::warn!(
                    network = %network.id,
                    "the network's daily SMS ceiling is reached; its texts wait for tomorrow"
                );
                return Ok(Step::Later(tomorrow));
            }
        }
        Ok(Step::Send(number.clone()))
    }

    async fn drop_text(
        &self,
        text: &DueText,
        state: DeliveryState,
        why: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let delivery = &text.delivery;
        if self
            .shared
            .store
            .drop_text(&delivery.id, state, now)
            .await?
        {
            tracing::warn!(delivery = %delivery.id, why, "no text sent");
            if let Some(moved) = self.shared.store.delivery(&delivery.id).await? {
                self.publish_delivery(&moved, moved.state, moved.next_try_at);
            }
            self.check_complete(&delivery.alert_id).await;
        }
        Ok(())
    }

    /// Words the text and claims it with its attempt: the message to send, or `None` when
    /// it cannot be worded (the delivery is then settled) or is no longer due.
    async fn claim_text(
        &self,
        texting: &Texting,
        text: &DueText,
        number: &str,
    ) -> Result<Option<(AttemptId, OutgoingSms)>, StoreError> {
        let store = &self.shared.store;
        let delivery = &text.delivery;
        let network = store
            .text_network(&delivery.alert_id, &delivery.member_id)
            .await?;
        let messages = store.alert_messages(&delivery.alert_id).await?;
        let worded = network
            .as_ref()
            .ok_or_else(|| "the member is in none of the alert's networks".to_owned())
            .and_then(|network| {
                compose(
                    &texting.settings,
                    network,
                    &messages,
                    &text.language,
                    text.drill,
                )
                .map_err(|e| e.to_string())
            });
        let now = self.shared.clock.now();
        let worded = match worded {
            Ok(worded) => worded,
            Err(why) => {
                tracing::error!(delivery = %delivery.id, why, "no text can be worded");
                self.drop_text(text, DeliveryState::Failed, "no wording", now)
                    .await?;
                return Ok(None);
            }
        };
        let hold = now.saturating_add(millis(texting.settings.hold));
        let Some(attempt) = store.begin_text(&delivery.id, number, now, hold).await? else {
            return Ok(None); // taken by another gateway, acknowledged, or the alert stopped
        };
        tracing::debug!(delivery = %delivery.id, parts = worded.message.parts.len(), "texting");
        let sms = OutgoingSms {
            to: number.to_owned(),
            sender: worded.sender,
            message: worded.message,
            reference: attempt.to_string(),
        };
        Ok(Some((attempt, sms)))
    }

    /// Sends a claimed text and records what the provider answered.
    async fn deliver_text(
        &self,
        texting: &Texting,
        text: DueText,
        (attempt, sms): (AttemptId, OutgoingSms),
    ) -> Result<(), StoreError> {
        let answer = texting.sender.send(sms).await;
        let now = self.shared.clock.now();
        let end = match answer {
            Ok(submitted) => TextEnd::Sent(submitted.message_ids),
            Err(e) => {
                // The provider's words may quote the member's number: only at debug.
                tracing::warn!(delivery = %text.delivery.id, why = kind(&e), "a text was not sent");
                tracing::debug!(delivery = %text.delivery.id, error = %e, "the provider said");
                end_of_failure(&texting.settings, &e, text.sms_tries + 1, now)
            }
        };
        if let Some(moved) = self.shared.store.finish_text(&attempt, &end, now).await? {
            self.publish_delivery(&moved, moved.state, moved.next_try_at);
            self.check_complete(&moved.alert_id).await;
        }
        Ok(())
    }
}

/// After a failure of the `tries`-th text: again later while the failure is temporary and
/// tries are left (the wait doubling each time), else failed.
fn end_of_failure(settings: &TextSettings, error: &SmsError, tries: i64, now: i64) -> TextEnd {
    let outcome = kind(error).to_owned();
    if error.is_temporary() && tries < settings.max_tries {
        let doublings = u32::try_from(tries.saturating_sub(1)).unwrap_or(0).min(10);
        let wait = millis(settings.retry).saturating_mul(1 << doublings);
        TextEnd::Again {
            outcome,
            at: now.saturating_add(wait),
        }
    } else {
        TextEnd::Failed { outcome }
    }
}

/// A failure in the attempts' words.
fn kind(error: &SmsError) -> &'static str {
    match error {
        SmsError::Refused(_) => "sms_refused",
        SmsError::Throttled(_) => "sms_throttled",
        SmsError::Unavailable(_) => "sms_unavailable",
        SmsError::Unconfirmed(_) => "sms_unconfirmed",
    }
}

/// The start of the local day of `now` and of the next, epoch ms.
fn day_of(now: i64, zone: &jiff::tz::TimeZone) -> (i64, i64) {
    let start = |date: jiff::civil::Date| {
        date.to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp().as_millisecond())
    };
    let Ok(instant) = jiff::Timestamp::from_millisecond(now) else {
        return (now, now.saturating_add(24 * 3600 * 1000));
    };
    let date = instant.to_zoned_datetime(zone.clone()).date();
    let next = date.tomorrow().unwrap_or(date);
    match (start(date), start(next)) {
        (Ok(today), Ok(tomorrow)) => (today, tomorrow),
        _ => (now, now.saturating_add(24 * 3600 * 1000)),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_ceiling_counts_from_local_midnight() {
        let zone = quiet::brussels();
        // 2026-12-03 13:00 UTC is 14:00 in Brussels.
        let now = 1_796_302_800_000;
        let (today, tomorrow) = day_of(now, &zone);
        assert_eq!(today, 1_796_252_400_000); // 2026-12-02 23:00 UTC
        assert_eq!(tomorrow - today, 24 * 3600 * 1000);
    }

    #[test]
    fn temporary_failures_are_tried_again_with_longer_waits_then_given_up() {
        let settings = TextSettings::default();
        let busy = SmsError::Throttled("queue full".to_owned());
        let first = end_of_failure(&settings, &busy, 1, 1_000);
        assert_eq!(
            first,
            TextEnd::Again {
                outcome: "sms_throttled".to_owned(),
                at: 31_000
            }
        );
        let second = end_of_failure(&settings, &busy, 2, 1_000);
        assert!(
            matches!(second, TextEnd::Again { at: 61_000, .. }),
            "{second:?}"
        );
        let last = end_of_failure(&settings, &busy, 3, 1_000);
        assert!(matches!(last, TextEnd::Failed { .. }), "{last:?}");
        let refused = SmsError::Refused("invalid destination".to_owned());
        let once = end_of_failure(&settings, &refused, 1, 1_000);
        assert_eq!(
            once,
            TextEnd::Failed {
                outcome: "sms_refused".to_owned()
            }
        );
    }
}
