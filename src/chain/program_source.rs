//! Where the dispatcher gets a call's audio: [`StoredPrograms`] reads the alert's messages
//! from the store once and renders each language and speech rate on first use (see
//! [`Programs`]); tests give the dispatcher a fixed program instead.
//!
//! An alert's messages may be replaced while it is sending (a CAP Update): each call first
//! reads the alert's revision (one primary-key look-up, beside the INVITE), and a revision
//! other than the one read before makes the messages read and rendered again, so every call
//! that starts after the replacement speaks the new message, on any gateway.

use crate::chain::programs::{AlertAudio, MessageSource, Programs};
use crate::speech::{Language, SpeechError};
use crate::store::{AlertId, MessageBody, Store, StoreError};
use buurtbel_proto::media::audio::EncodedProgram;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

/// Why a program could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// Reading the alert.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Speaking it.
    #[error(transparent)]
    Speech(#[from] SpeechError),
    /// The rendering task ended without a result.
    #[error("rendering stopped: {0}")]
    Stopped(#[source] tokio::task::JoinError),
    /// The alert has no message.
    #[error("alert {0} has no message in any language")]
    NoMessage(AlertId),
}

/// Gives each call its program.
pub trait ProgramSource: Send + Sync + 'static {
    /// The program for a member of `language` at speech `rate`.
    fn program(
        &self,
        alert: &AlertId,
        language: Language,
        rate: f32,
    ) -> impl Future<Output = Result<Arc<EncodedProgram>, ProgramError>> + Send;

    /// The alert is over: its audio may go.
    fn forget(&self, alert: &AlertId);
}

/// Programs rendered from the alerts' stored messages.
pub struct StoredPrograms {
    store: Store,
    programs: Arc<Programs>,
    callback: String,
    audio: Mutex<HashMap<AlertId, Arc<AlertAudio>>>,
    /// Held by one rendering at a time, until it ends even if its caller stopped waiting.
    rendering: Arc<tokio::sync::Mutex<()>>,
}

impl StoredPrograms {
    /// Renders with `programs`; `callback` is the number spoken in the voicemail notice.
    pub fn new(store: Store, programs: Arc<Programs>, callback: String) -> StoredPrograms {
        StoredPrograms {
            store,
            programs,
            callback,
            audio: Mutex::new(HashMap::new()),
            rendering: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// What the alert's programs are made of, as stored now.
    pub async fn alert_audio(&self, alert: &AlertId) -> Result<Arc<AlertAudio>, ProgramError> {
        let revision = self.store.alert_revision(alert).await?.unwrap_or(0);
        self.audio(alert, revision).await
    }

    /// The programs it renders with.
    pub fn programs(&self) -> &Arc<Programs> {
        &self.programs
    }

    async fn audio(&self, alert: &AlertId, revision: i64) -> Result<Arc<AlertAudio>, ProgramError> {
        if let Some(audio) = self.lock().get(alert).filter(|a| a.revision == revision) {
            return Ok(Arc::clone(audio));
        }
        let networks = self.store.alert_networks(alert).await?;
        let drill = self.store.alert(alert).await?.is_some_and(|a| a.drill);
        let mut messages = Vec::new();
        for message in self.store.alert_messages(alert).await? {
            let Ok(language) = message.language.parse::<Language>() else {
                tracing::warn!(%alert, language = message.language, "message in an unknown language skipped");
                continue;
            };
            let source = match message.body {
                MessageBody::Text(text) => MessageSource::Text(text),
                MessageBody::Recording(wav) => MessageSource::Recording(Arc::new(wav)),
            };
            messages.push((language, source));
        }
        if messages.is_empty() {
            return Err(ProgramError::NoMessage(alert.clone()));
        }
        let audio = Arc::new(AlertAudio {
            alert: alert.to_string(),
            revision,
            network: networks.first().map(|n| n.name.clone()).unwrap_or_default(),
            callback: self.callback.clone(),
            drill,
            messages,
        });
        self.lock().insert(alert.clone(), Arc::clone(&audio));
        Ok(audio)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<AlertId, Arc<AlertAudio>>> {
        self.audio.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ProgramSource for StoredPrograms {
    async fn program(
        &self,
        alert: &AlertId,
        language: Language,
        rate: f32,
    ) -> Result<Arc<EncodedProgram>, ProgramError> {
        let revision = match self.store.alert_revision(alert).await {
            Ok(revision) => revision.unwrap_or(0),
            // The database did not answer: the messages read before still stand.
            Err(e) => {
                let Some(known) = self.lock().get(alert).map(|a| a.revision) else {
                    return Err(e.into());
                };
                tracing::warn!(%alert, error = %e, "reading the alert's revision failed");
                known
            }
        };
        // Most calls find their program made: no turn, no blocking task.
        let known = self
            .lock()
            .get(alert)
            .filter(|audio| audio.revision == revision)
            .cloned();
        if let Some(program) = known.and_then(|audio| self.programs.made(&audio, language, rate)) {
            return Ok(program);
        }
        // One at a time: the calls that wait for the same alert find its messages read and
        // their language made.
        let turn = Arc::clone(&self.rendering).lock_owned().await;
        let audio = self.audio(alert, revision).await?;
        let programs = Arc::clone(&self.programs);
        // The turn goes with the rendering: a caller that stops waiting does not let the
        // next one start the same rendering beside it.
        let rendered = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            programs.program(&audio, language, rate)
        })
        .await;
        match rendered {
            Ok(program) => Ok(program?),
            Err(e) => Err(ProgramError::Stopped(e)),
        }
    }

    fn forget(&self, alert: &AlertId) {
        self.lock().remove(alert);
        self.programs.forget(alert.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::programs::Programs;
    use crate::speech::{Speech, SpeechSettings};
    use crate::store::{AlertKind, AlertState, Message, NetworkKind, NewAlert, NewNetwork};

    fn text(text: &str) -> Vec<Message> {
        vec![Message {
            language: "nl".into(),
            body: MessageBody::Text(text.into()),
        }]
    }

    /// A call started after the alert's messages were replaced speaks the new message; one
    /// started before got the old one.
    #[tokio::test]
    async fn calls_after_a_replacement_speak_the_new_message() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let network = NewNetwork {
            name: "BIN Test".into(),
            kind: NetworkKind::Residential,
            police_zone: "Zone Test".into(),
            language: "nl".into(),
            caller_id: "+3250000101".into(),
            ring_timeout_ms: None,
            retry_policy: None,
        };
        let network = store.create_network(network, 0).await.expect("network");
        let alert = NewAlert {
            kind: AlertKind::Urgent,
            activation_of: None,
            created_by: "Token Test".into(),
            networks: vec![network.id],
            messages: text("Een inbraak in de Teststraat."),
            expires_at: None,
            drill: false,
            idempotency_key: None,
        };
        let (alert, _) = store.create_alert(alert, 0).await.expect("alert");
        let sending =
            store.set_alert_state(&alert.id, &[AlertState::Draft], AlertState::Sending, 0);
        assert!(sending.await.expect("sending"));
        let cache = tempfile::TempDir::new().expect("cache");
        let settings = SpeechSettings {
            cache_dir: cache.path().to_owned(),
            ..SpeechSettings::default()
        };
        let speech = Arc::new(Speech::new(settings).expect("speech"));
        let source = StoredPrograms::new(
            store.clone(),
            Arc::new(Programs::new(speech)),
            "+3250000101".into(),
        );
        let before = source
            .program(&alert.id, Language::Nl, 1.0)
            .await
            .expect("before");
        let again = source
            .program(&alert.id, Language::Nl, 1.0)
            .await
            .expect("again");
        assert!(
            Arc::ptr_eq(&before, &again),
            "made once while nothing changed"
        );
        let replaced = store
            .replace_messages(&alert.id, &text("De verdachte is gevat. Dank u."), None)
            .await
            .expect("replace");
        assert!(replaced);
        let after = source
            .program(&alert.id, Language::Nl, 1.0)
            .await
            .expect("after");
        let message = |program: &EncodedProgram| program.for_payload_type(8).message.len();
        assert_ne!(
            message(&before),
            message(&after),
            "the new message is spoken"
        );
        let again = source
            .program(&alert.id, Language::Nl, 1.0)
            .await
            .expect("again");
        assert!(Arc::ptr_eq(&after, &again));
    }
}
