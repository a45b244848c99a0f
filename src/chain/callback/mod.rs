//! The chain's desk for the call-back line: who phones, what they hear, and what is recorded.
//!
//! A caller is known by the number the trunk gives (`P-Asserted-Identity`, else `From`),
//! normalised to E.164. Every active member on that number is the household: they hear, in
//! the first member's language and rate, each alert of the last `[inbound] window` that one
//! of them has not confirmed, urgent before non-urgent, newest first — expired ones too (a
//! member phoning at 08:00 about a 02:00 call must hear it). The call takes a channel on the
//! trunk's ledger like an outbound call (refused at `max_channels`, or at `max_channels -
//! reserve` while an urgent alert sends), and puts the number and the members on the line,
//! so the dispatcher does not call them meanwhile. Each message played is an attempt of
//! channel `callback` on the member's delivery, which does not count as a try.
//!
//! A `1` confirms only what the playlist accepted: the item whose message was heard to its
//! end. The confirmation goes through [`Dispatcher::acknowledge`]'s path, recorded with how
//! the caller was identified (`asserted` or `from`, since a `From` can be forged), and stops
//! the member's retries and texts. A withheld number hears how to call from their own, an
//! unknown one a polite notice in the line's language, and nothing is recorded of either.

mod playlist;
mod visit;

use crate::chain::caller::Caller;
use crate::chain::dispatcher::Dispatcher;
use crate::chain::program_source::{ProgramSource, StoredPrograms};
use crate::speech::Language;
use crate::speech::prompts::Prompt;
use crate::store::{
    CallbackAlert, CallbackClaim, CallbackMember, Identification, Store, TrunkLedger,
};
use crate::telephony::answering::{self, Admission, CallbackDesk};
use buurtbel_proto::sip::inbound::CallerIdentity;
use playlist::Wanted;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How the line is set up.
#[derive(Debug, Clone)]
pub struct LineSettings {
    /// The trunk whose channels call-backs share.
    pub trunk: TrunkLedger,
    /// Channels a call-back leaves to an urgent alert's calls.
    pub reserve: u32,
    /// How far back a caller hears what they have not confirmed.
    pub window: Duration,
    /// The language of a caller the line does not know.
    pub language: Language,
}

/// The desk: the dispatcher (for confirmations), the store and the audio.
pub struct CallbackLine<C: Caller, P: ProgramSource> {
    dispatcher: Dispatcher<C, P>,
    store: Store,
    programs: Arc<StoredPrograms>,
    settings: LineSettings,
}

impl<C: Caller, P: ProgramSource> CallbackLine<C, P> {
    /// A desk that confirms through `dispatcher` and renders with `programs`.
    pub fn new(
        dispatcher: Dispatcher<C, P>,
        store: Store,
        programs: Arc<StoredPrograms>,
        settings: LineSettings,
    ) -> CallbackLine<C, P> {
        CallbackLine {
            dispatcher,
            store,
            programs,
            settings,
        }
    }

    async fn admit_caller(&self, caller: answering::Caller) -> Admission {
        let (number, identified_by) = match &caller.identity {
            CallerIdentity::Asserted(number) => (number, Some(Identification::Asserted)),
            CallerIdentity::From(number) => (number, Some(Identification::From)),
            CallerIdentity::Withheld => (&String::new(), None),
        };
        let now = self.dispatcher.now_ms();
        let Some(number) = crate::number::caller_e164(number) else {
            let opening = if identified_by.is_none() {
                Prompt::CallbackWithheld
            } else {
                Prompt::CallbackUnknown
            };
            tracing::info!(
                call_id = caller.call_id,
                "a call-back from an unknown or withheld number"
            );
            let key = format!("withheld {}", caller.call_id);
            return self
                .notice(&key, opening, self.settings.language, 1.0, now)
                .await;
        };
        let members = match self.store.callback_members(&number).await {
            Ok(members) => members,
            Err(e) => return unavailable(&e),
        };
        let Some(first) = members.first() else {
            tracing::info!(
                call_id = caller.call_id,
                "a call-back from a number no member has"
            );
            return self
                .notice(
                    &number,
                    Prompt::CallbackUnknown,
                    self.settings.language,
                    1.0,
                    now,
                )
                .await;
        };
        let (language, rate) = voice(first, self.settings.language);
        let ids: Vec<_> = members.iter().map(|m| m.id.clone()).collect();
        let since = now - i64::try_from(self.settings.window.as_millis()).unwrap_or(i64::MAX);
        let alerts = match self.store.callback_alerts(&ids, since).await {
            Ok(alerts) => alerts,
            Err(e) => return unavailable(&e),
        };
        if alerts.is_empty() {
            tracing::info!(call_id = caller.call_id, "a call-back with no new message");
            return self
                .notice(&number, Prompt::CallbackNone, language, rate, now)
                .await;
        }
        tracing::info!(call_id = caller.call_id, messages = alerts.len(), identified_by = ?identified_by, "a member calls back");
        let deliveries: Vec<_> = alerts
            .iter()
            .flat_map(|a| a.deliveries.iter().map(|(d, _)| d.clone()))
            .collect();
        let claim = self
            .store
            .begin_callback(
                &number,
                &ids,
                &deliveries,
                identified_by,
                &self.settings.trunk,
                self.settings.reserve,
                now,
            )
            .await;
        let (line, attempts) = match claim {
            Ok(CallbackClaim::Begun { line, attempts }) => (line, attempts),
            Ok(CallbackClaim::TrunkFull) => return Admission::Full,
            Err(e) => return unavailable(&e),
        };
        let visit = visit::Visit::new(
            self.dispatcher.clone(),
            self.store.clone(),
            line,
            alerts.clone(),
            attempts,
            identified_by,
        );
        let mut items = Vec::with_capacity(alerts.len());
        for alert in &alerts {
            match self.programs.alert_audio(&alert.alert).await {
                Ok(audio) => items.push(audio),
                Err(e) => {
                    tracing::error!(alert = %alert.alert, error = %e, "a message for the call-back line could not be read");
                    visit.abandon().await;
                    return Admission::Unavailable;
                }
            }
        }
        let wanted = Wanted {
            language,
            rate,
            opening: Prompt::CallbackGreeting,
            items,
        };
        match self.render(wanted).await {
            Some(playlist) => Admission::Play {
                playlist,
                news: visit.start(),
            },
            None => {
                visit.abandon().await;
                Admission::Unavailable
            }
        }
    }

    /// A notice alone: the call holds a channel while it plays, and nothing else is recorded.
    async fn notice(
        &self,
        number: &str,
        opening: Prompt,
        language: Language,
        rate: f32,
        now: i64,
    ) -> Admission {
        let claim = self
            .store
            .begin_callback(
                number,
                &[],
                &[],
                None,
                &self.settings.trunk,
                self.settings.reserve,
                now,
            )
            .await;
        let line = match claim {
            Ok(CallbackClaim::Begun { line, .. }) => line,
            Ok(CallbackClaim::TrunkFull) => return Admission::Full,
            Err(e) => return unavailable(&e),
        };
        let visit = visit::Visit::new(
            self.dispatcher.clone(),
            self.store.clone(),
            line,
            Vec::new(),
            Vec::new(),
            None,
        );
        let wanted = Wanted {
            language,
            rate,
            opening,
            items: Vec::new(),
        };
        match self.render(wanted).await {
            Some(playlist) => Admission::Play {
                playlist,
                news: visit.start(),
            },
            None => {
                visit.abandon().await;
                Admission::Unavailable
            }
        }
    }

    async fn render(
        &self,
        wanted: Wanted,
    ) -> Option<Arc<buurtbel_proto::media::audio::EncodedPlaylist>> {
        let programs = Arc::clone(self.programs.programs());
        let rendered =
            tokio::task::spawn_blocking(move || playlist::render(&programs, &wanted)).await;
        match rendered {
            Ok(Ok(playlist)) => Some(Arc::new(playlist)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the call-back line's audio could not be made");
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "rendering the call-back line's audio stopped");
                None
            }
        }
    }
}

impl<C: Caller, P: ProgramSource> CallbackDesk for CallbackLine<C, P> {
    fn admit(
        &self,
        caller: answering::Caller,
    ) -> Pin<Box<dyn Future<Output = Admission> + Send + '_>> {
        Box::pin(self.admit_caller(caller))
    }
}

/// The language and rate a household hears: its first member's.
fn voice(member: &CallbackMember, line: Language) -> (Language, f32) {
    let language = member.language.parse().unwrap_or(line);
    let rate = member.speech_rate as f32;
    (
        language,
        if (0.5..=2.0).contains(&rate) {
            rate
        } else {
            1.0
        },
    )
}

fn unavailable(error: &crate::store::StoreError) -> Admission {
    tracing::error!(error = %error, "the call-back line cannot read the store");
    Admission::Unavailable
}

/// The members an item's confirmation acknowledges: its deliveries' members.
pub(crate) fn members_of(alert: &CallbackAlert) -> impl Iterator<Item = &crate::store::MemberId> {
    alert.deliveries.iter().map(|(_, member)| member)
}

/// The news channel of a visit.
pub(crate) type News = mpsc::UnboundedSender<answering::VisitNews>;
