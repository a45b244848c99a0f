//! What providers receive: receipts, written on the text's attempt, and members' messages.
//!
//! A reply that confirms (`1`, `OK`, `JA`, `OUI`, `YES`) acknowledges the newest alert whose
//! text reached the member and is not yet confirmed: reading the text is hearing the message.
//! A `1` from a member no text reached confirms nothing. `STOP` ends non-urgent texts to the
//! member and is answered once. Everything is kept in the inbox before the provider is told
//! it arrived.

use crate::chain::caller::Caller;
use crate::chain::dispatcher::{ChainError, Dispatcher};
use crate::chain::program_source::ProgramSource;
use crate::sms::reply::{ReplyMeaning, classify};
use crate::sms::wording::stop_confirmation;
use crate::sms::{Arrival, Inbound, OutgoingSms, Receipt, Reply, encoding};
use crate::speech::Language;
use crate::store::{AckHow, AlertId, InboxMeaning, InboxMessage, MemberId, inbox_id};
use tokio::sync::mpsc;

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Takes what the providers receive until they all stop.
    pub async fn take_arrivals(&self, mut arrivals: mpsc::Receiver<Arrival>) {
        while let Some(arrival) = arrivals.recv().await {
            self.receive(arrival).await;
        }
    }

    /// Records one arrival and acts on it; the provider is told it arrived only when it was
    /// kept.
    pub async fn receive(&self, arrival: Arrival) {
        let kept = match &arrival.inbound {
            Inbound::Receipt(receipt) => self.receipt(receipt).await,
            Inbound::Reply(reply) => self.reply(reply).await,
        };
        match kept {
            Ok(()) => {
                let _ = arrival.kept.send(());
            }
            Err(e) => tracing::error!(error = %e, "a text that arrived could not be kept"),
        }
    }

    async fn receipt(&self, receipt: &Receipt) -> Result<(), ChainError> {
        let now = self.shared.clock.now();
        let moved = self
            .shared
            .store
            .record_receipt(&receipt.message_id, receipt.state, now)
            .await?;
        match moved {
            Some(delivery) if receipt.state.is_failure() => {
                tracing::info!(delivery = %delivery.id, state = %receipt.state, "a text did not arrive");
                self.publish_delivery(&delivery, delivery.state, delivery.next_try_at);
            }
            Some(_) => {}
            None => tracing::debug!("a receipt for a text this gateway did not send"),
        }
        Ok(())
    }

    async fn reply(&self, reply: &Reply) -> Result<(), ChainError> {
        let now = self.shared.clock.now();
        let store = &self.shared.store;
        let members = store.members_with_number(&reply.from).await?;
        let meaning = classify(&reply.text);
        let mut confirmed: Option<AlertId> = None;
        let kept_meaning = match meaning {
            ReplyMeaning::Confirm => {
                let since = now.saturating_sub(
                    i64::try_from(self.text_settings().reply_window.as_millis())
                        .unwrap_or(i64::MAX),
                );
                for member in &members {
                    if let Some(delivery) = store.newest_texted(member, since).await? {
                        self.acknowledge(&delivery.alert_id, member, AckHow::SmsReply)
                            .await?;
                        confirmed.get_or_insert(delivery.alert_id);
                    }
                }
                if confirmed.is_some() {
                    InboxMeaning::Confirm
                } else {
                    InboxMeaning::Unmatched
                }
            }
            ReplyMeaning::Stop => {
                let mut first: Option<&MemberId> = None;
                for member in &members {
                    if store.stop_texts(member, now).await? {
                        first.get_or_insert(member);
                    }
                }
                if let Some(member) = first {
                    self.confirm_stop(member, reply).await?;
                }
                InboxMeaning::Stop
            }
            ReplyMeaning::Other => InboxMeaning::Other,
        };
        if members.is_empty() {
            tracing::info!("a text from a number no member has");
        }
        let message = InboxMessage {
            id: inbox_id(),
            number: reply.from.clone(),
            member_id: members.first().cloned(),
            alert_id: confirmed,
            text: reply.text.clone(),
            meaning: kept_meaning,
            received_at: now,
        };
        store.record_inbox(&message).await?;
        Ok(())
    }

    /// Answers a member's first STOP once, in their language, from the sender they wrote to.
    async fn confirm_stop(&self, member: &MemberId, reply: &Reply) -> Result<(), ChainError> {
        let Some(texting) = self.shared.texting.get().cloned() else {
            return Ok(());
        };
        let language = self
            .shared
            .store
            .member(member)
            .await?
            .and_then(|m| m.language.parse().ok())
            .unwrap_or(Language::Nl);
        let Some(sender) = texting.settings.sender.clone() else {
            return Ok(());
        };
        let text = stop_confirmation(language);
        let sms = OutgoingSms {
            to: reply.from.clone(),
            sender,
            message: encoding::encode(text, 1),
            reference: format!("stop-{member}"),
        };
        tokio::spawn(async move {
            if let Err(e) = texting.sender.send(sms).await {
                tracing::warn!("the answer to a STOP was not sent");
                tracing::debug!(error = %e, "the provider said");
            }
        });
        Ok(())
    }
}
