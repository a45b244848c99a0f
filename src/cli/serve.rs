//! `buurtbel serve`: registers as an instance on the database, runs the alert chain until
//! SIGTERM or Ctrl-C, then stops taking new calls, lets the calls in progress finish
//! (bounded), releases its lease and exits. An instance that loses its lease ends its calls
//! and exits with an error, for its service manager to start it again.

use super::{CliError, host};
use crate::chain::dispatcher::ChainSettings;
use crate::chain::events::Events;
use crate::chain::lease::LeaseSettings;
use crate::chain::service;
use crate::config::Config;
use crate::store::{AlertState, Backend, Lease, Registration, Store};
use crate::telephony::clock;
use std::path::PathBuf;

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
    let store = Store::open(&config.database.url).await?;
    let settings = service::settings(&config)?;
    let lease_settings = LeaseSettings::default();
    let granted = clock::now();
    let lease = register(&store, &config, &settings, lease_settings).await?;
    let store = store.with_lease(lease.clone());
    let dispatcher = service::start(&config, store.clone(), settings, Events::default()).await?;
    let sending = store.alerts_in_state(AlertState::Sending).await?.len();
    tracing::info!(
        database = %crate::store::redacted_url(&config.database.url),
        instance = %lease.instance,
        generation = lease.generation,
        channels = config.trunk.max_channels,
        cps = config.trunk.max_cps,
        alerts_sending = sending,
        "serving"
    );
    let keeper = dispatcher.clone();
    let keeper = tokio::spawn(async move { keeper.keep_lease(lease_settings, granted).await });
    let served = dispatcher.run(shutdown()).await;
    keeper.abort();
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
