//! Texts: members who chose SMS get one instead of calls, `voice_then_sms` members one when
//! their calls did not get through, and a reply `1` confirms only what a text told them.

use super::*;
use crate::chain::dispatcher::TextSettings;
use crate::sms::{
    Arrival, Inbound, OutgoingSms, Reply, SendFuture, SenderId, SmsError, SmsSender, Submitted,
};
use crate::store::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// A provider that keeps what it was given and answers from a script (accepts when the
/// script is empty).
#[derive(Default)]
struct Centre {
    sent: Mutex<Vec<OutgoingSms>>,
    answers: Mutex<VecDeque<Result<(), SmsError>>>,
}

impl Centre {
    fn sent_to(&self, number: &str) -> Vec<OutgoingSms> {
        let sent = self.sent.lock().unwrap();
        sent.iter().filter(|s| s.to == number).cloned().collect()
    }
}

impl SmsSender for Arc<Centre> {
    fn send(&self, sms: OutgoingSms) -> SendFuture<'_> {
        Box::pin(async move {
            let answer = self.answers.lock().unwrap().pop_front().unwrap_or(Ok(()));
            let mut sent = self.sent.lock().unwrap();
            sent.push(sms);
            let n = sent.len();
            answer.map(|()| Submitted {
                message_ids: vec![format!("msg-{n}")],
            })
        })
    }
}

const LANDLINE: &str = "+3250000001";
const MOBILE: &str = "+32470000001";

fn texting_settings() -> ChainSettings {
    ChainSettings {
        texts: TextSettings {
            sender: Some(SenderId::Number("+3233000000".to_owned())),
            ..TextSettings::default()
        },
        ..settings()
    }
}

/// One member with a landline and a mobile, who wants to be reached through `channel`.
async fn member_chain(channel: Channel, turns: Vec<Turn>) -> (Chain, Arc<Centre>) {
    let person = Person {
        name: "Test Lid Een",
        numbers: vec![(LANDLINE, turns.clone()), (MOBILE, turns)],
    };
    let mut chain = Chain::prepare(
        afternoon(),
        texting_settings(),
        test_network("BIN Testwijk"),
        vec![person],
    )
    .await;
    sqlx::query("UPDATE members SET channel = $1")
        .bind(channel.as_str())
        .execute(chain.store.pool())
        .await
        .expect("channel");
    let centre = Arc::new(Centre::default());
    chain.dispatcher = chain
        .dispatcher
        .clone()
        .with_texts(Arc::new(Arc::clone(&centre)));
    chain.run();
    (chain, centre)
}

async fn reply(chain: &Chain, text: &str) -> bool {
    let (kept, was_kept) = oneshot::channel();
    let arrival = Arrival {
        inbound: Inbound::Reply(Reply {
            from: MOBILE.to_owned(),
            to: "+3233000000".to_owned(),
            text: text.to_owned(),
        }),
        kept,
    };
    chain.dispatcher.receive(arrival).await;
    was_kept.await.is_ok()
}

#[test]
fn a_member_who_chose_sms_gets_one_text_and_no_call() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::Sms, vec![presses("1")]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert!(
            chain.phones.placed().is_empty(),
            "{:?}",
            chain.phones.placed()
        );
        let texts = centre.sent_to(MOBILE);
        assert_eq!(texts.len(), 1);
        assert!(
            texts[0].message.text.contains("BIN Testwijk"),
            "{}",
            texts[0].message.text
        );
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsSent);
        let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].channel, AttemptChannel::Sms);
        assert_eq!(attempts[0].number, MOBILE);
        // Their reply confirms it.
        assert!(reply(&chain, " Ok! ").await);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsAcknowledged);
        let acks = chain.store.acknowledgements(&alert).await.expect("acks");
        assert_eq!(acks.len(), 1);
        assert_eq!(acks[0].how, AckHow::SmsReply);
    })
}

#[test]
fn voice_then_sms_texts_after_the_last_call() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::VoiceThenSms, vec![no_answer()]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let calls = chain.phones.placed();
        assert!(calls.len() > 1, "the retries come first: {calls:?}");
        let texts = centre.sent.lock().unwrap().clone();
        assert_eq!(texts.len(), 1, "one text after the calls ran out");
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsSent);
        let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
        let last = attempts.last().expect("attempts");
        assert_eq!(last.channel, AttemptChannel::Sms, "the text comes last");
    })
}

#[test]
fn a_voice_member_never_gets_a_text() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::Voice, vec![no_answer()]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert!(centre.sent.lock().unwrap().is_empty());
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::NoAnswer);
    })
}

#[test]
fn after_a_voicemail_a_text_goes_out_and_a_reply_confirms_it() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::VoiceThenSms, vec![voicemail()]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        assert_eq!(chain.phones.placed().len(), 1, "a voicemail ends the calls");
        assert_eq!(centre.sent_to(MOBILE).len(), 1, "and a text follows it");
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsSent);
        // A late reply still confirms: the alert is over, the member read it.
        assert!(reply(&chain, "JA").await);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsAcknowledged);
        let inbox = chain.store.inbox(None, 10).await.expect("inbox");
        assert_eq!(inbox[0].meaning, InboxMeaning::Confirm);
        assert_eq!(inbox[0].alert_id.as_ref(), Some(&alert));
    })
}

#[test]
fn a_text_the_provider_could_not_take_is_tried_again_once_it_can() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::Sms, vec![]).await;
        centre
            .answers
            .lock()
            .unwrap()
            .push_back(Err(SmsError::Unavailable("no link".to_owned())));
        let alert = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&alert).await.state, AlertState::Completed);
        let delivery = chain.delivery_of(&alert, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::SmsSent);
        let attempts = chain.store.attempts(&delivery.id).await.expect("attempts");
        let outcomes: Vec<&str> = attempts
            .iter()
            .map(|a| a.result.as_ref().map_or("", |r| r.outcome.as_str()))
            .collect();
        assert_eq!(outcomes, ["sms_unavailable", "sms_sent"]);
        assert_eq!(
            attempts[1].result.as_ref().unwrap().sms_id.as_deref(),
            Some("msg-2")
        );
    })
}

#[test]
fn a_reply_confirms_nothing_a_text_did_not_tell() {
    virtual_time(async {
        // A voice member is called and does not confirm; a "1" from their mobile is kept
        // but is no acknowledgement: no text told them the message.
        let (chain, _centre) = member_chain(Channel::Voice, vec![no_answer()]).await;
        let alert = chain.send(AlertKind::Urgent).await;
        chain.wait(5).await;
        assert!(reply(&chain, "1").await);
        assert!(
            chain
                .store
                .acknowledgements(&alert)
                .await
                .expect("acks")
                .is_empty()
        );
        let inbox = chain.store.inbox(None, 10).await.expect("inbox");
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].meaning, InboxMeaning::Unmatched);
        assert_eq!(inbox[0].number, MOBILE);
    })
}

#[test]
fn stop_ends_non_urgent_texts_and_is_answered_once() {
    virtual_time(async {
        let (chain, centre) = member_chain(Channel::Sms, vec![]).await;
        assert!(reply(&chain, "Stop").await);
        assert!(reply(&chain, "STOP").await);
        chain.wait(1).await;
        let answers = centre.sent_to(MOBILE);
        assert_eq!(answers.len(), 1, "STOP is answered once");
        let tip = chain.send(AlertKind::Prevention).await;
        assert_eq!(chain.settled(&tip).await.state, AlertState::Completed);
        assert_eq!(centre.sent_to(MOBILE).len(), 1, "no tip after STOP");
        let delivery = chain.delivery_of(&tip, "Test Lid Een").await;
        assert_eq!(delivery.state, DeliveryState::GivenUp);
        let urgent = chain.send(AlertKind::Urgent).await;
        assert_eq!(chain.settled(&urgent).await.state, AlertState::Completed);
        assert_eq!(centre.sent_to(MOBILE).len(), 2, "urgent texts still come");
    })
}
