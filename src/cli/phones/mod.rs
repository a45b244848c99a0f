//! `buurtbel phones`: the demo's simulated neighbourhood as a standing local trunk. The
//! exchange of [`crate::sim`] (real SIP and RTP on loopback) listens on the configuration's
//! `trunk.proxy`, so `serve`, `alert send` and `call` with the same file reach it, and each
//! number's phone answers and confirms, is busy, never answers… as it is told: by default
//! every number confirms; `--members-from` deals the demo's mix to a network's members;
//! `--script` names behaviours per number. It runs until Ctrl-C or SIGTERM.
//!
//! One line per call on standard output as the call ends, for the person trying it out:
//! numbers are masked to their last two digits; nothing personal goes to the log.

mod cast;

pub(super) use cast::ScriptProblem;

use super::{CliError, Task};
use crate::config::{BadValue, Config};
use crate::sim::{Exchange, SimCall};
use crate::speech::{Language, Speech};
use crate::store::{Member, Store};
use cast::{Cast, Voices};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `buurtbel phones`.
#[derive(Debug, clap::Args)]
pub struct PhonesArgs {
    /// The configuration file the gateway uses (e.g. config/local.toml): the phones listen
    /// on its `trunk.proxy`, and read members from its database.
    #[arg(long)]
    pub config: PathBuf,
    /// Give this network's members the demo's mix of behaviours (most confirm; some are
    /// busy, never answer, have an answering machine…).
    #[arg(long, value_name = "NETWORK")]
    pub members_from: Option<String>,
    /// Decides which member does what with --members-from (the same seed, the same story).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A behaviours file: a behaviour per number, and a default (see
    /// config/behaviours.example.toml).
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
}

/// Silence a person waits for before pressing a key "when asked", beyond the pause between
/// the message's repetitions: the trimmed ends of two renderings (about 450 ms) and a margin.
const BEYOND_REPEAT_PAUSE: Duration = Duration::from_secs(1);
/// Room left in the menu's key wait after the phone's pause, for the key to arrive.
const KEY_ROOM: Duration = Duration::from_millis(500);

/// Serves the phones until told to stop.
pub async fn run(args: PhonesArgs) -> Result<(), CliError> {
    let config = Config::load(&args.config)?;
    let menu_pause = menu_pause(&config)?;
    let cast = cast(&config, &args).await?;
    let voices = voices(&config).await?;
    let (scripts, default) = cast.scripts(&voices, menu_pause);
    let bind = trunk_address(&config).await?;
    let mut exchange = Exchange::start(bind, scripts, default)
        .await
        .map_err(|source| CliError::PhonesListen { bind, source })?;
    eprintln!(
        "buurtbel phones: simulated phones on {} (udp); {} numbers scripted, any other {}; \
         Ctrl-C stops",
        exchange.addr(),
        cast.phones.len(),
        cast::NAMES
            .iter()
            .find(|(_, b)| *b == cast.default)
            .map_or("confirms", |(name, _)| name),
    );
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            call = exchange.next_call() => match call {
                Some(call) => println!("{}", line(&cast, &call)),
                None => break,
            },
        }
    }
    eprintln!("buurtbel phones: stopped");
    Ok(())
}

/// The silence after speech that means "the menu waits for a key", checked against the
/// configuration's key wait.
fn menu_pause(config: &Config) -> Result<Duration, CliError> {
    let speech = config.speech.settings()?;
    let pause = speech.repeat_pause + BEYOND_REPEAT_PAUSE;
    if pause + KEY_ROOM > config.media.key_wait {
        return Err(CliError::KeyWait {
            key_wait: config.media.key_wait,
            pause,
            beyond_repeat_pause: BEYOND_REPEAT_PAUSE,
            least: pause + KEY_ROOM,
        });
    }
    Ok(pause)
}

async fn cast(config: &Config, args: &PhonesArgs) -> Result<Cast, CliError> {
    let mut cast = Cast::everyone_confirms();
    let mut members: Option<Vec<Member>> = None;
    if let Some(name) = &args.members_from {
        let store = Store::open(&config.database.url).await?;
        let network = super::members::existing_network(&store, name).await;
        let read = match network {
            Ok(network) => store.members(&network.id).await.map_err(CliError::from),
            Err(e) => Err(e),
        };
        store.close().await;
        let read = read?;
        cast.deal(&read, args.seed);
        eprintln!(
            "buurtbel phones: {} members of {name}, the demo's mix (seed {})",
            read.len(),
            args.seed
        );
        members = Some(read);
    }
    if let Some(file) = &args.script {
        cast.apply(file, members.as_deref())?;
    }
    Ok(cast)
}

/// "Hallo?" and an answering machine's greeting, spoken by the configured engine.
async fn voices(config: &Config) -> Result<Voices, CliError> {
    let settings = config.speech.settings()?;
    let rendered = tokio::task::spawn_blocking(move || -> Result<Voices, CliError> {
        let speech = Speech::new(settings)?;
        let say = |text: &str| -> Result<Arc<Vec<i16>>, CliError> {
            let spoken = speech.spoken_text(text, Language::Nl)?;
            Ok(speech.render(&spoken, Language::Nl, 1.0)?.samples)
        };
        Ok(Voices {
            hello: say("Hallo?")?,
            greeting: say(
                "U bent verbonden met de voicemail van de familie Voorbeeld. \
                 Spreek een bericht in na de toon.",
            )?,
        })
    })
    .await;
    rendered.map_err(|source| CliError::Task {
        task: Task::PhoneVoices,
        source,
    })?
}

/// `trunk.proxy` as an address to listen on.
async fn trunk_address(config: &Config) -> Result<SocketAddr, CliError> {
    let proxy = config
        .trunk
        .proxy_address()
        .map_err(|problem| BadValue::new("trunk.proxy", problem))?;
    let mut found = tokio::net::lookup_host((proxy.host.as_str(), proxy.port))
        .await
        .map_err(|source| CliError::ProxyLookup {
            proxy: config.trunk.proxy.clone(),
            source,
        })?;
    found.next().ok_or_else(|| CliError::ProxyNoAddress {
        proxy: config.trunk.proxy.clone(),
    })
}

/// One ended call: time (Brussels, as the networks'), member, masked number, what the phone did, the SIP status, keys.
fn line(cast: &Cast, call: &SimCall) -> String {
    let phone = cast.phone(&call.user);
    let time = jiff::Timestamp::from_millisecond(crate::telephony::clock::epoch_ms())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(buurtbel_proto::quiet::brussels())
        .strftime("%H:%M:%S");
    let member = phone.member.as_deref().unwrap_or("-");
    let keys = if call.pressed.is_empty() {
        "no keys".to_owned()
    } else {
        let keys: Vec<String> = call.pressed.iter().map(char::to_string).collect();
        format!("keys {}", keys.join(" "))
    };
    format!(
        "{time}  {member:<16}  {:<13}  {:<36}  {:<28}  {keys}",
        mask(&call.user),
        phone.behaviour.label(),
        ending(call),
    )
}

/// How the call ended, from the phone's side.
fn ending(call: &SimCall) -> String {
    let status = call.final_status;
    match status {
        0 if call.cancelled => "cancelled while ringing".to_owned(),
        487 => "487 cancelled while ringing".to_owned(),
        0 => "no final answer".to_owned(),
        200 if call.hung_up_by_phone => "200 answered, phone hung up".to_owned(),
        200 => "200 answered".to_owned(),
        486 => "486 busy".to_owned(),
        404 => "404 not in service".to_owned(),
        other => other.to_string(),
    }
}

/// A number with every digit but the last two hidden: `+••••••••07`.
fn mask(number: &str) -> String {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen + 2 > digits { c } else { '•' }
        })
        .collect()
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_but_their_last_two_digits() {
        assert_eq!(mask("+3250000007"), "+••••••••07");
        assert_eq!(mask("12"), "12");
        assert_eq!(mask("sim"), "sim");
    }

    #[test]
    fn the_phones_pause_falls_in_the_key_wait() {
        let text = include_str!("../../../config/local.toml");
        let config = Config::parse(text, "config/local.toml").unwrap();
        let pause = menu_pause(&config).unwrap();
        assert!(pause < config.media.key_wait);
        let mut short = config;
        short.media.key_wait = Duration::from_secs(2);
        let err = menu_pause(&short).unwrap_err().to_string();
        assert!(err.contains("media.key_wait"), "{err}");
    }
}
