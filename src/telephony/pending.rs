//! A call's program that may still be in the making when the call is placed. The INVITE does
//! not wait for the speech engine: the audio is needed only once someone answers, which is
//! seconds later as a rule. A [`PendingProgram`] is read at the answer; if the program is not
//! made yet, the line waits for it.

use buurtbel_proto::media::audio::EncodedProgram;
use std::error::Error;
use std::sync::Arc;
use tokio::sync::watch;

/// What making the program came to: the program, or why there is none.
pub type Made = Result<Arc<EncodedProgram>, ProgramFailure>;

/// Why a call has no program to play. Every call waiting for one program hears the same
/// failure, so it is shared; the maker's own error is kept whole, for whoever knows its type.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProgramFailure {
    /// The maker went away without a word.
    #[error("the program's maker stopped before finishing")]
    Unfinished,
    /// The maker could not make the program.
    #[error(transparent)]
    Unmade(Arc<dyn Error + Send + Sync>),
}

impl ProgramFailure {
    /// The maker's error.
    pub fn unmade(error: impl Error + Send + Sync + 'static) -> ProgramFailure {
        ProgramFailure::Unmade(Arc::new(error))
    }
}

/// The program a call will play, made or to be made.
#[derive(Debug, Clone)]
pub struct PendingProgram(watch::Receiver<Option<Made>>);

/// The maker's side: hands the program to every call waiting for it.
#[derive(Debug)]
pub struct ProgramMaker(watch::Sender<Option<Made>>);

impl PendingProgram {
    /// A program made already.
    pub fn ready(program: Arc<EncodedProgram>) -> PendingProgram {
        let (_, receiver) = watch::channel(Some(Ok(program)));
        PendingProgram(receiver)
    }

    /// A program still to be made by the returned maker.
    pub fn later() -> (ProgramMaker, PendingProgram) {
        let (sender, receiver) = watch::channel(None);
        (ProgramMaker(sender), PendingProgram(receiver))
    }

    /// The program or its failure, if making it is over.
    pub fn now(&self) -> Option<Made> {
        self.0.borrow().clone()
    }

    /// Waits until making the program is over. A maker dropped without a word is a failure.
    pub async fn made(&mut self) -> Made {
        match self.0.wait_for(Option::is_some).await {
            Ok(made) => made.clone().unwrap_or(Err(ProgramFailure::Unfinished)),
            Err(_) => Err(ProgramFailure::Unfinished),
        }
    }
}

impl ProgramMaker {
    /// Resolves once no call waits for the program any more.
    pub async fn unwanted(&self) {
        self.0.closed().await;
    }

    /// Hands over what making the program came to.
    pub fn finish(self, made: Made) {
        // Nobody listening means the call ended first; the program is not needed.
        let _ = self.0.send(Some(made));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buurtbel_proto::media::audio::Segments;

    fn program() -> Arc<EncodedProgram> {
        let quiet = vec![0i16; 160];
        Arc::new(EncodedProgram::new(&Segments {
            intro: quiet.clone(),
            message: quiet.clone(),
            menu: quiet.clone(),
            thanks: quiet.clone(),
            listen_first: quiet.clone(),
            voicemail: quiet,
        }))
    }

    #[tokio::test]
    async fn a_ready_program_is_there_at_once() {
        let mut pending = PendingProgram::ready(program());
        assert!(matches!(pending.now(), Some(Ok(_))));
        assert!(pending.made().await.is_ok());
    }

    #[tokio::test]
    async fn every_waiting_call_gets_the_program_once_made() {
        let (maker, mut first) = PendingProgram::later();
        let mut second = first.clone();
        assert!(first.now().is_none());
        let waiting = tokio::spawn(async move { second.made().await });
        maker.finish(Ok(program()));
        assert!(first.made().await.is_ok());
        assert!(waiting.await.expect("the waiting task ends").is_ok());
    }

    #[tokio::test]
    async fn a_failure_reaches_the_call() {
        let (maker, mut pending) = PendingProgram::later();
        let no_voice = std::io::Error::other("no voice for nl");
        maker.finish(Err(ProgramFailure::unmade(no_voice)));
        let failure = pending.made().await.err().map(|e| e.to_string());
        assert_eq!(failure.as_deref(), Some("no voice for nl"));
        assert!(matches!(pending.now(), Some(Err(_))));
    }

    #[tokio::test]
    async fn the_maker_hears_when_no_call_waits_any_more() {
        let (maker, pending) = PendingProgram::later();
        let other = pending.clone();
        drop(pending);
        drop(other);
        maker.unwanted().await;
    }

    #[tokio::test]
    async fn a_maker_dropped_unfinished_is_a_failure() {
        let (maker, mut pending) = PendingProgram::later();
        drop(maker);
        assert!(matches!(
            pending.made().await,
            Err(ProgramFailure::Unfinished)
        ));
    }
}
