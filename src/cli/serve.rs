//! `buurtbel serve`: runs the alert chain until SIGTERM or Ctrl-C, then stops taking new
//! calls, lets the calls in progress finish (bounded) and exits.

use super::CliError;
use crate::chain::events::Events;
use crate::chain::service;
use crate::config::Config;
use crate::store::{AlertState, Store};
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
    let dispatcher = service::start(&config, store.clone(), settings, Events::default()).await?;
    let sending = store.alerts_in_state(AlertState::Sending).await?.len();
    tracing::info!(
        database = %crate::store::redacted_url(&config.database.url),
        channels = config.trunk.max_channels,
        cps = config.trunk.max_cps,
        alerts_sending = sending,
        "serving"
    );
    dispatcher.run(shutdown()).await?;
    tracing::info!("stopped");
    store.close().await;
    Ok(())
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
