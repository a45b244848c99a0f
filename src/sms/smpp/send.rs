//! Sending one message: each part waits for the link, a place in the window and a token,
//! then goes as a `submit_sm`; the message is accepted when every part's answer is
//! `ESME_ROK`.
//!
//! Never longer than the time-out, counted from the call: what had not left by then is
//! [`SmsError::Unavailable`], what left without an answer [`SmsError::Unconfirmed`].

use super::Shared;
use super::submit::{refusal, submit_sms};
use crate::sms::{OutgoingSms, SmsError, Submitted};
use buurtbel_clock::{deadline as runtime_deadline, now, tokio_now};
use rusmppc::Client;
use rusmppc::error::Error;
use std::sync::atomic::Ordering;
use tokio::time::{Instant, sleep_until, timeout_at};

/// Sends `sms` over the link `shared` holds.
pub(super) async fn send(shared: &Shared, sms: OutgoingSms) -> Result<Submitted, SmsError> {
    let deadline = tokio_now() + shared.timeout;
    let reference = shared.reference.fetch_add(1, Ordering::Relaxed);
    let parts = submit_sms(&sms, reference)?;
    let mut message_ids = Vec::with_capacity(parts.len());
    for part in parts {
        // Before a part leaves, a failure is Unavailable only while no part has left.
        let held_back = |why: &str| {
            if message_ids.is_empty() {
                SmsError::Unavailable(why.to_owned())
            } else {
                SmsError::Unconfirmed(format!("{why} after {} parts", message_ids.len()))
            }
        };
        let _permit = timeout_at(deadline, shared.window.acquire())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| held_back("no room in the submit_sm window in time"))?;
        pace(shared, deadline)
            .await
            .ok_or_else(|| held_back("the rate limit left no time"))?;
        let client = timeout_at(deadline, bound(shared))
            .await
            .ok()
            .flatten()
            .ok_or_else(|| held_back("no SMPP link in time"))?;
        let answer = timeout_at(deadline, client.submit_sm(part)).await;
        match answer {
            Ok(Ok(response)) => {
                let id = response.message_id().to_str().unwrap_or_default();
                message_ids.push(id.to_owned());
            }
            Ok(Err(Error::UnexpectedResponse { response })) => {
                return Err(refusal(response.status()));
            }
            Ok(Err(error)) => {
                return Err(SmsError::Unconfirmed(format!(
                    "the SMPP link failed: {error}"
                )));
            }
            Err(_) => {
                return Err(SmsError::Unconfirmed(
                    "no submit_sm_resp in time".to_owned(),
                ));
            }
        }
    }
    Ok(Submitted { message_ids })
}

/// Waits for a token; `None` when none comes before `deadline`.
async fn pace(shared: &Shared, deadline: Instant) -> Option<()> {
    loop {
        let at = now();
        let taken = match shared.bucket.lock() {
            Ok(mut bucket) => bucket.take(at),
            Err(poisoned) => poisoned.into_inner().take(at),
        };
        match taken {
            Ok(()) => return Some(()),
            Err(wait) => {
                let at = runtime_deadline(at + wait);
                if at > deadline {
                    return None;
                }
                sleep_until(at).await;
            }
        }
    }
}

/// The bound client, once there is one; `None` if the supervisor has stopped.
async fn bound(shared: &Shared) -> Option<Client> {
    let mut link = shared.link.clone();
    let client = link
        .wait_for(|client| client.as_ref().is_some_and(Client::is_active))
        .await
        .ok()?;
    client.clone()
}
