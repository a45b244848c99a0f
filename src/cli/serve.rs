//! `buurtbel serve`: registers as an instance on the database, answers the HTTP API on
//! `[api] listen`, purges what `[retention]` no longer keeps (hourly), posts the networks'
//! webhooks (on tasks of their own), runs the alert chain until SIGTERM or Ctrl-C, then stops
//! taking new calls, lets the calls in progress finish (bounded), lets the webhook requests
//! in flight finish, releases its lease and exits. An instance that loses its lease ends its calls
//! and exits with an error, for its service manager to start it again.

use super::{CliError, host};
use crate::api::ApiState;
use crate::api::server::BoundApi;
use crate::api::sms_inbound::SmsInbound;
use crate::chain::dispatcher::ChainSettings;
use crate::chain::events::Events;
use crate::chain::lease::LeaseSettings;
use crate::chain::retention::Retention;
use crate::chain::service;
use crate::chain::service::LiveDispatcher;
use crate::config::{ApiConfig, Config};
use crate::speech::Speech;
use crate::store::{AlertState, Backend, Lease, Registration, Store};
use crate::telephony::clock;
use crate::webhooks::Webhooks;
use crate::webhooks::courier::CourierSettings;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Arguments of `buurtbel serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The configuration file (see sip.example.toml).
    #[arg(long)]
    pub config: PathBuf,
}

/// Serves until told to stop.
pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = Config::load(&args.config)?;
    let api = BoundApi::bind(&config.api).await?;
    let store = Store::open(&config.database.url).await?;
    let settings = service::settings(&config)?;
    let lease_settings = LeaseSettings::default();
    let granted = clock::now();
    let lease = register(&store, &config, &settings, lease_settings).await?;
    let store = store.with_lease(lease.clone());
    let events = Events::default();
    let dispatcher = service::start(&config, store.clone(), settings, events.clone()).await?;
    let (dispatcher, arrivals) = service::start_texts(&config, dispatcher)?;
    if service::start_line(&config, &dispatcher) {
        tracing::info!(
            numbers = config.inbound.numbers.len(),
            "the call-back line answers"
        );
    }
    let api_address = api.address();
    let api_tls = api.is_tls();
    let cache_dir = config.speech_settings()?.cache_dir;
    let retention = Retention::new(store.clone(), cache_dir, config.retention);
    let purging = tokio::spawn(retention.run());
    let webhooks = Webhooks::start(
        store.clone(),
        CourierSettings::of(&config.webhooks),
        lease.instance.clone(),
        Some(events.clone()),
    );
    let mut state = api_state(&config, store.clone(), &dispatcher, events)?;
    if let Some(inbound) = SmsInbound::from_config(&config.sms, arrivals)
        .map_err(|e| CliError::SmsSetup(e.to_string()))?
    {
        state = state.with_sms_inbound(inbound);
    }
    let sending = store.alerts_in_state(AlertState::Sending).await?.len();
    tracing::info!(
        database = %crate::store::redacted_url(&config.database.url),
        instance = %lease.instance,
        generation = lease.generation,
        channels = config.trunk.max_channels,
        cps = config.trunk.max_cps,
        alerts_sending = sending,
        api = %api_address,
        https = api_tls,
        "serving"
    );
    let keeper = dispatcher.clone();
    let keeper = tokio::spawn(async move { keeper.keep_lease(lease_settings, granted).await });
    let api_task = serve_api(api, state.clone(), config.api.clone());
    let signal = async move {
        shutdown().await;
        // The API answers on while the calls finish: /readyz says 503, and new alerts are
        // refused with 503 so their senders go to another gateway.
        state.set_stopping();
    };
    let served = dispatcher.run(signal).await;
    keeper.abort();
    purging.abort();
    if served.is_ok() {
        // A request in flight takes at most the courier's time-out; past 20 s it is ended
        // (and sent again later), so the stop stays within the service's stop timeout.
        let second = std::time::Duration::from_secs(1);
        let within = (config.webhooks.timeout + 2 * second).min(20 * second);
        webhooks.stop(within).await;
    } else {
        webhooks.abort();
    }
    // The calls have finished: event streams and requests still open end here.
    api_task.abort();
    if served.is_ok() {
        // Another instance may take over at once whatever is left.
        if let Err(e) = store.release_lease(&lease).await {
            tracing::warn!(error = %e, "releasing the lease failed; it runs out by itself");
        }
    }
    served?;
    tracing::info!("stopped");
    store.close().await;
    Ok(())
}

/// The API's state over the running chain; its metrics follow the chain's events.
fn api_state(
    config: &Config,
    store: Store,
    dispatcher: &LiveDispatcher,
    events: Events,
) -> Result<ApiState, CliError> {
    let speech = Arc::new(Speech::new(config.speech.settings()?)?);
    let state = ApiState::new(
        store,
        Arc::new(dispatcher.clone()),
        Some(events.clone()),
        speech,
        config.chain.clone(),
        &config.api,
    );
    tokio::spawn(state.metrics().clone().follow(events));
    Ok(state)
}

/// Answers HTTP until the task is aborted.
fn serve_api(api: BoundApi, state: ApiState, settings: ApiConfig) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = api.serve(state, &settings, std::future::pending()).await {
            tracing::error!(error = %e, "the HTTP API stopped");
        }
    })
}

/// Registers this instance with a fresh lease. On SQLite one instance serves a file; on
/// PostgreSQL any number, each under its own name. A lease left live by a process of this
/// host that no longer exists (a crash, `kill -9`) is ended first, so a restart takes over
/// at once instead of waiting out the expiry.
async fn register(
    store: &Store,
    config: &Config,
    settings: &ChainSettings,
    lease: LeaseSettings,
) -> Result<Lease, CliError> {
    let host = host::name();
    let registration = Registration {
        instance: config.instance.name.clone().unwrap_or_else(|| host.clone()),
        host: host.clone(),
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        trunk: settings.trunk.name.clone(),
    };
    for gone in store.instances().await? {
        if gone.is_live() && gone.host == host && host::process_is_gone(gone.pid) {
            let dead = Lease {
                instance: gone.id.clone(),
                generation: gone.generation,
            };
            if store.expire_lease(&dead).await? {
                tracing::warn!(
                    instance = %gone.id,
                    pid = gone.pid,
                    "an instance of this host stopped without releasing its lease; ended"
                );
            }
        }
    }
    let alone = store.backend() == Backend::Sqlite;
    Ok(store
        .register_instance(&registration, lease.lease, alone)
        .await?)
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping: no new calls; calls in progress may finish");
}
