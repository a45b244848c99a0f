//! `buurtbel demo`: the whole chain on one machine with nothing configured. A temporary
//! SQLite database, a neighbourhood of simulated phones on loopback (real SIP and RTP), an
//! urgent Dutch alert sent through the same dispatcher `serve` runs, live progress, and at
//! the end a table of every member, the totals, and a WAV of what one member heard. Beside
//! the simulated exchange a simulated SMS centre (SMPP on loopback) takes the texts to members
//! who chose SMS or whose calls did not get through, and sends the replies of those who answer.

pub(super) mod neighbourhood;
mod report;

use super::{CliError, Task};
use crate::chain::events::Events;
use crate::chain::service;
use crate::config::Config;
use crate::config::SmsProvider;
use crate::sim::{Caller, CentreSettings, Exchange, PhoneScript, SimCall, SmsCentre};
use crate::speech::prompts::{Prompt, PromptContext};
use crate::speech::{Language, Speech, SpeechSettings};
use crate::store::{
    AlertId, AlertKind, ContactKind, DeliveryState, Message, MessageBody, NetworkKind, NewAlert,
    NewNetwork, Store,
};
use buurtbel_proto::policy::RetryPolicy;
use neighbourhood::{Neighbour, Voices};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every wait of the retry policy is divided by this: the story of half an hour in a minute.
const FASTER: u32 = 60;

/// The alert the police send.
const MESSAGE: &str = "Twee onbekende mannen bellen aan in de Kerkstraat. Doe niet open en bel \
                       101 bij iets verdachts.";

/// How long the demo waits, after the alert completed, for replies to the last texts.
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// The network's number, which members call back.
const CALLBACK: &str = "+3250999999";

/// Arguments of `buurtbel demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How many members the neighbourhood has (1 to 500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub members: u16,
    /// Decides which member's phone does what (the same seed tells the same story).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// End with one JSON object on the last line of standard output.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo.
pub async fn run(args: DemoArgs) -> Result<(), CliError> {
    let folder = demo_folder(args.seed)?;
    let neighbours = neighbourhood::neighbours(usize::from(args.members), args.seed);
    let counted = super::words::count(neighbours.len() as i64, "member");
    eprintln!(
        "buurtbel demo: {counted}, simulated phones on loopback, files in {}",
        folder.display()
    );
    let speech_settings = SpeechSettings {
        message_repeats: 1,
        ..SpeechSettings::default()
    };
    let voices = tokio::task::spawn_blocking({
        let settings = speech_settings.clone();
        move || voices(settings)
    })
    .await
    .map_err(|source| CliError::Task {
        task: Task::DemoVoices,
        source,
    })??;
    let exchange = Exchange::start(
        "127.0.0.1:0".parse().expect("a literal address"),
        neighbourhood::scripts(&neighbours, &voices),
        PhoneScript::refuse(404, Duration::ZERO),
    )
    .await
    .map_err(CliError::Exchange)?;
    let centre = SmsCentre::start(CentreSettings {
        replies: neighbourhood::replies(&neighbours),
        ..CentreSettings::default()
    })
    .await
    .map_err(CliError::SmsCentre)?;
    let database = folder.join("demo.db");
    let store = Store::open(&format!("sqlite:{}", database.display())).await?;
    let network = store
        .create_network(demo_network(), crate::telephony::clock::epoch_ms())
        .await?;
    let members = neighbours.iter().map(neighbourhood::new_member).collect();
    store
        .import_members(&network.id, members, crate::telephony::clock::epoch_ms())
        .await?;

    let config = demo_config(exchange.addr(), &centre, &speech_settings);
    let mut settings = service::settings(&config)?;
    settings.retry = RetryPolicy::default().faster(FASTER);
    let dispatcher = service::start(&config, store.clone(), settings, Events::default()).await?;
    let (dispatcher, _arrivals) = service::start_texts(&config, dispatcher)?;
    service::start_line(&config, &dispatcher);
    let gateway = dispatcher
        .caller()
        .dialer()
        .endpoint()
        .transport()
        .local_addr()
        .map_err(CliError::Exchange)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let dispatcher = dispatcher.clone();
        async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            dispatcher.run(shutdown).await
        }
    });
    let trunk = exchange.caller();
    let heard = collect_calls(exchange);

    let started = crate::telephony::clock::now();
    let (alert, _) = dispatcher.send(demo_alert(network.id.clone())).await?;
    eprintln!(
        "urgent alert {} (a drill) sent to {counted} of {}",
        alert.id, network.name
    );
    let every = Duration::from_millis(250);
    super::progress::watch(&store, &alert.id, neighbours.len() as u64, every, false).await?;
    await_replies(&store, &alert.id, &neighbours, &centre).await?;
    call_back(&trunk, gateway, &neighbours, &voices).await;
    let seconds = crate::telephony::clock::elapsed(started).as_secs_f64();
    let _ = stop.send(());
    match running.await {
        Ok(result) => result?,
        Err(source) => {
            return Err(CliError::Task {
                task: Task::Dispatcher,
                source,
            });
        }
    }

    let wav = write_heard(&folder, &neighbours, &heard);
    let report = report::Report::read(&store, &alert.id, &neighbours, seconds, wav).await?;
    store.close().await;
    report.print(args.json);
    // The provider's SMPP link lives until the runtime ends; so does the centre, so that its
    // closing first is not logged as a lost link.
    tokio::spawn(async move {
        let _centre = centre;
        std::future::pending::<()>().await
    });
    Ok(())
}

/// The members who missed their calls phone the network's number, one after another, and
/// confirm what they hear.
async fn call_back(trunk: &Caller, gateway: SocketAddr, neighbours: &[Neighbour], voices: &Voices) {
    for neighbour in neighbours.iter().filter(|n| n.behaviour.calls_back()) {
        let Some(call) = neighbourhood::call_back(neighbour, CALLBACK, voices) else {
            continue;
        };
        eprintln!(
            "{} missed the call and phones {CALLBACK} back",
            neighbour.name
        );
        let ended = trunk.dial_in(gateway, call).await;
        if ended.final_status != 200 || ended.pressed.is_empty() {
            tracing::warn!(
                status = ended.final_status,
                "a call-back in the demo did not go as scripted"
            );
        }
    }
}

/// A fresh folder under the system's temporary directory; kept after the demo so the
/// database and the WAV can be looked at.
fn demo_folder(seed: u64) -> Result<PathBuf, CliError> {
    let folder = std::env::temp_dir().join(format!(
        "buurtbel-demo-{}-{seed}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&folder).map_err(|source| CliError::Write {
        path: folder.clone(),
        source,
    })?;
    Ok(folder)
}

/// "Hallo?" and an answering machine's greeting, spoken by the same engine, and how long the
/// program's parts last (rendered here once, so the dispatcher finds them cached).
fn voices(settings: SpeechSettings) -> Result<Voices, CliError> {
    let speech = Speech::new(settings)?;
    let say = |text: &str| -> Result<Arc<Vec<i16>>, CliError> {
        let spoken = speech.spoken_text(text, Language::Nl)?;
        Ok(Arc::clone(
            &speech.render(&spoken, Language::Nl, 1.0)?.samples,
        ))
    };
    let message = speech.message(MESSAGE, Language::Nl, 1.0)?.samples;
    let context = PromptContext {
        network: &demo_network().name,
        callback: CALLBACK,
    };
    let program = speech.segments(Language::Nl, &context, true, &message, 1.0)?;
    let length = |samples: &[i16]| Duration::from_millis(samples.len() as u64 / 8);
    Ok(Voices {
        hello: say("Hallo?")?,
        greeting: say(
            "U bent verbonden met de voicemail van de familie Voorbeeld. \
             Spreek een bericht in na de toon.",
        )?,
        intro: length(&program.intro),
        message: length(&program.message),
        listen_first: length(&program.listen_first),
        callback_greeting: length(&speech.prompt(
            Language::Nl,
            Prompt::CallbackGreeting,
            &context,
            1.0,
        )?),
    })
}

fn demo_network() -> NewNetwork {
    NewNetwork {
        name: "BIN Demowijk".into(),
        kind: NetworkKind::Residential,
        police_zone: "Politiezone Voorbeeld".into(),
        language: "nl".into(),
        caller_id: CALLBACK.into(),
        ring_timeout_ms: None,
        retry_policy: None,
    }
}

fn demo_alert(network: crate::store::NetworkId) -> NewAlert {
    NewAlert {
        kind: AlertKind::Urgent,
        activation_of: None,
        created_by: "demo".into(),
        networks: vec![network],
        messages: vec![Message {
            language: "nl".into(),
            body: MessageBody::Text(MESSAGE.into()),
        }],
        expires_at: None,
        drill: true,
        idempotency_key: None,
    }
}

/// A trunk that is the simulated exchange, short rings, the menu offered once; texts through
/// the simulated SMS centre, from the network's number so members can reply.
fn demo_config(
    exchange: std::net::SocketAddr,
    centre: &SmsCentre,
    speech: &SpeechSettings,
) -> Config {
    let mut config = Config::default();
    config.sip.bind = "127.0.0.1:0".parse().expect("a literal address");
    config.trunk.proxy = exchange.to_string();
    config.trunk.domain = "demo.invalid".into();
    config.trunk.caller_id = CALLBACK.into();
    config.trunk.max_channels = 50;
    config.trunk.max_cps = 15.0;
    config.trunk.ring_timeout = Duration::from_secs(6);
    config.media.menu_rounds = 1;
    config.media.key_wait = Duration::from_secs(2);
    config.speech.message_repeats = Some(speech.message_repeats);
    config.chain.callback_number = CALLBACK.into();
    config.inbound.numbers = vec![CALLBACK.into()];
    let settings = CentreSettings::default();
    config.sms.provider = SmsProvider::Smpp;
    config.sms.host = Some(centre.address().ip().to_string());
    config.sms.port = centre.address().port();
    config.sms.system_id = Some(settings.system_id);
    config.sms.password = Some(settings.password);
    config.sms.sender = Some(CALLBACK.into());
    config
}

/// The alert is complete once the last text went out, but a member's reply may still be on
/// its way: waits for those of the members scripted to reply whom a text reached, for a few
/// seconds at most (their replies come within seconds).
async fn await_replies(
    store: &Store,
    alert: &AlertId,
    neighbours: &[Neighbour],
    centre: &SmsCentre,
) -> Result<(), CliError> {
    let texted: Vec<String> = centre.messages().into_iter().map(|m| m.to).collect();
    let replying = neighbourhood::replies(neighbours)
        .into_iter()
        .filter(|reply| texted.contains(&reply.number))
        .count();
    let started = crate::telephony::clock::now();
    while crate::telephony::clock::elapsed(started) < REPLY_WAIT {
        let counts = store.delivery_counts(alert).await?;
        let confirmed = counts.get(&DeliveryState::SmsAcknowledged).copied();
        if usize::try_from(confirmed.unwrap_or(0)).unwrap_or(0) >= replying {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

/// Keeps every call the phones saw, for the WAV.
fn collect_calls(mut exchange: Exchange) -> Arc<Mutex<Vec<SimCall>>> {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&calls);
    tokio::spawn(async move {
        while let Some(call) = exchange.next_call().await {
            kept.lock().unwrap_or_else(|e| e.into_inner()).push(call);
        }
    });
    calls
}

/// Writes what the first member who pressed 2 and then 1 heard (or any who confirmed).
fn write_heard(
    folder: &Path,
    neighbours: &[Neighbour],
    calls: &Mutex<Vec<SimCall>>,
) -> Option<(String, PathBuf)> {
    let calls = calls.lock().unwrap_or_else(|e| e.into_inner());
    let preferred = [
        neighbourhood::Behaviour::RepeatsThenConfirms,
        neighbourhood::Behaviour::ConfirmsWhenAsked,
        neighbourhood::Behaviour::AnsweringMachine,
    ];
    for behaviour in preferred {
        for neighbour in neighbours.iter().filter(|n| n.behaviour == behaviour) {
            let call = calls.iter().find(|c| {
                neighbour.number(ContactKind::Landline) == Some(c.user.as_str())
                    && !c.heard.is_empty()
            });
            if let Some(call) = call {
                let path = folder.join(format!("heard-{}.wav", neighbour.name.replace(' ', "-")));
                match crate::speech::wav::write_8k(&path, &call.heard) {
                    Ok(()) => return Some((neighbour.name.clone(), path)),
                    Err(e) => tracing::warn!(error = %e, "writing what was heard failed"),
                }
            }
        }
    }
    None
}
