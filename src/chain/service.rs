//! The chain as `serve` and `demo` run it: the SIP dialer as the caller, programs rendered
//! from the store's messages, settings from the configuration.

use crate::chain::callback::{CallbackLine, LineSettings};
use crate::chain::clock::ChainClock;
use crate::chain::dialer_caller::DialerCaller;
use crate::chain::dispatcher::{ChainSettings, Dispatcher, TextSettings};
use crate::chain::events::Events;
use crate::chain::program_source::StoredPrograms;
use crate::chain::programs::Programs;
use crate::config::{BadValue, Config, ValueProblem};
use crate::sms::{Arrivals, sender};
use crate::speech::{Speech, SpeechError};
use crate::store::{Store, TrunkLedger};
use crate::telephony::answering;
use crate::telephony::limits::SharedPace;
use crate::telephony::{Dialer, DialerError};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The dispatcher with real telephony.
pub type LiveDispatcher = Dispatcher<DialerCaller, StoredPrograms>;

/// Why the chain could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The trunk side.
    #[error(transparent)]
    Dialer(#[from] DialerError),
    /// The speech engine.
    #[error(transparent)]
    Speech(#[from] SpeechError),
    /// A configuration value.
    #[error(transparent)]
    Config(#[from] BadValue),
    /// The SMS provider's settings.
    #[error("[sms]: {0}")]
    Sms(#[from] crate::sms::SetupError),
}

/// The dispatcher's settings from the configuration.
pub fn settings(config: &Config) -> Result<ChainSettings, ServiceError> {
    let quiet_hours = config
        .chain
        .quiet_minutes()
        .map_err(|problem| BadValue::new("chain.quiet_hours", problem))?;
    Ok(ChainSettings {
        channels: config.trunk.max_channels.max(1) as usize,
        retry: config.chain.retry,
        quiet_hours,
        urgent_expiry: config.chain.urgent_expiry,
        sweep: Duration::from_millis(250),
        // `alert send` from a shell reaches the trunk within about 20 ms; each look is one
        // indexed read of the sending alerts' ids.
        look: Some(Duration::from_millis(20)),
        trunk: trunk_ledger(config),
        texts: text_settings(config)?,
        ..ChainSettings::default()
    })
}

/// How texts are sent, from `[sms]`.
pub fn text_settings(config: &Config) -> Result<TextSettings, BadValue> {
    let sms = &config.sms;
    let sender = sms
        .sender
        .as_deref()
        .map(sender::parse)
        .transpose()
        .map_err(|e| BadValue::new("sms.sender", ValueProblem::Sender(e.to_string())))?;
    Ok(TextSettings {
        sender,
        max_parts: usize::try_from(sms.max_parts).unwrap_or(1).max(1),
        daily_limit: sms.daily_limit,
        ..TextSettings::default()
    })
}

/// The trunk as the shared ledger knows it: every instance that reaches the same proxy with
/// the same account shares its channels and calls per second.
pub fn trunk_ledger(config: &Config) -> TrunkLedger {
    let trunk = &config.trunk;
    let proxy = trunk
        .proxy_address()
        .map_or_else(|_| trunk.proxy.trim().to_owned(), |p| p.host_port());
    let name = if trunk.username.is_empty() {
        proxy
    } else {
        format!("{}@{proxy}", trunk.username)
    };
    TrunkLedger {
        name,
        max_channels: trunk.max_channels.max(1),
        max_cps: Some(trunk.max_cps),
    }
}

/// The number spoken on voicemail: `chain.callback_number`, else the call-back line's first
/// number as written in `[inbound] numbers`, else the trunk's caller ID.
pub fn callback_number(config: &Config) -> String {
    if !config.chain.callback_number.is_empty() {
        config.chain.callback_number.clone()
    } else if let Some(line) = config.inbound.numbers.first() {
        line.clone()
    } else {
        config.trunk.caller_id.clone()
    }
}

/// Starts the dialer (binding its sockets) and builds the dispatcher over `store`.
pub async fn start(
    config: &Config,
    store: Store,
    settings: ChainSettings,
    events: Events,
) -> Result<LiveDispatcher, ServiceError> {
    let speech = Arc::new(Speech::new(config.speech.settings()?)?);
    let dialer = Dialer::start(config).await?;
    if let Some(pace) = LedgerPace::of(&store, &settings.trunk) {
        dialer.limits().share_pace(Arc::new(pace));
    }
    let programs = StoredPrograms::new(
        store.clone(),
        Arc::new(Programs::new(speech)),
        callback_number(config),
    );
    Ok(Dispatcher::new(
        store,
        DialerCaller::new(dialer),
        programs,
        events,
        ChainClock::system(),
        settings,
    ))
}

/// Starts the SMS provider `[sms]` names, if any, and gives it to the dispatcher; what the
/// providers receive is taken by the dispatcher. Returns where receipts and replies are to
/// be handed (the HTTP provider's `POST /v1/sms/inbound` hands them there too).
pub fn start_texts(
    config: &Config,
    dispatcher: LiveDispatcher,
) -> Result<(LiveDispatcher, Arrivals), ServiceError> {
    let (arrivals, arriving) = mpsc::channel(256);
    let dispatcher = match crate::sms::start(&config.sms, arrivals.clone())? {
        Some(provider) => {
            tracing::info!(provider = ?config.sms.provider, "texts go out through the SMS provider");
            dispatcher.with_texts(Arc::new(provider))
        }
        None => dispatcher,
    };
    let taker = dispatcher.clone();
    tokio::spawn(async move { taker.take_arrivals(arriving).await });
    Ok((dispatcher, arrivals))
}

/// Opens the call-back line `[inbound]` describes on the dispatcher's SIP endpoint: calls to
/// its numbers from the trunk are answered, and what callers confirm goes through the
/// dispatcher. False when the line is off (no `[inbound] numbers`).
pub fn start_line(config: &Config, dispatcher: &LiveDispatcher) -> bool {
    if !config.inbound.enabled() {
        return false;
    }
    let dialer = Arc::clone(dispatcher.caller().dialer());
    let store = dispatcher.store().clone();
    let programs = Arc::new(StoredPrograms::new(
        store.clone(),
        Arc::clone(dispatcher.programs().programs()),
        callback_number(config),
    ));
    let settings = LineSettings {
        trunk: trunk_ledger(config),
        reserve: config.inbound.reserve,
        window: config.inbound.window,
        language: config.inbound.language(),
    };
    let desk = CallbackLine::new(dispatcher.clone(), store, programs, settings);
    let trunk = dialer.proxy();
    answering::answer_calls(dialer, &config.inbound, trunk, Arc::new(desk))
}

/// The trunk's calls per second, kept across every instance through the database's ledger.
struct LedgerPace {
    store: Store,
    trunk: String,
    spacing: Duration,
}

impl LedgerPace {
    /// The pace of `trunk`, if it has a calls-per-second limit. The spacing is `1/max_cps`
    /// plus 5 %: an INVITE may go out up to [`crate::telephony::limits::LATE_LIMIT`] after its slot (and a few
    /// milliseconds more on its way out), and `max_cps` slots must still span more than a
    /// second, so a trunk counting over any one-second window never sees one too many.
    fn of(store: &Store, trunk: &TrunkLedger) -> Option<LedgerPace> {
        let cps = trunk.max_cps.filter(|c| c.is_finite() && *c > 0.0)?;
        Some(LedgerPace {
            store: store.clone(),
            trunk: trunk.name.clone(),
            spacing: Duration::from_secs_f64(1.05 / cps),
        })
    }
}

impl SharedPace for LedgerPace {
    fn next_slot(&self) -> Pin<Box<dyn Future<Output = Duration> + Send + '_>> {
        Box::pin(async move {
            match self.store.next_invite_slot(&self.trunk, self.spacing).await {
                Ok(wait) => wait,
                Err(e) => {
                    // This process's own bucket still paces; the lease fences it soon if the
                    // database stays away.
                    tracing::warn!(error = %e, "the trunk's shared pace is unreadable");
                    Duration::ZERO
                }
            }
        })
    }
}
