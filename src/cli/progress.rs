//! A live progress bar over an alert's deliveries, read from the database: `alert send
//! --follow` and the demo both show it on standard error until the alert is done.

use super::CliError;
use crate::store::{AlertId, AlertState, DeliveryState, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::time::Duration;

/// Shows progress until the alert is no longer sending; returns its state then. With
/// `serve_hint`, says after 10 s without a single delivery that no server seems to run.
pub async fn watch(
    store: &Store,
    alert: &AlertId,
    members: u64,
    every: Duration,
    serve_hint: bool,
) -> Result<Option<AlertState>, CliError> {
    let bar = ProgressBar::new(members);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} settled · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = crate::telephony::clock::now();
    let mut hinted = !serve_hint;
    loop {
        let counts = store.delivery_counts(alert).await?;
        let open = store.open_deliveries(alert).await?;
        let created: i64 = counts.values().sum();
        bar.set_position(u64::try_from(created - open).unwrap_or(0));
        bar.set_message(tally(&counts));
        let state = store.alert(alert).await?.map(|a| a.state);
        if state != Some(AlertState::Sending) {
            bar.finish();
            return Ok(state);
        }
        if created == 0 && !hinted && started.elapsed() > Duration::from_secs(10) {
            bar.suspend(|| {
                eprintln!("no calls yet: is `buurtbel serve` running against this database?")
            });
            hinted = true;
        }
        tokio::time::sleep(every).await;
    }
}

/// `12 acknowledged · 3 calling · …`, largest first.
pub fn tally(counts: &BTreeMap<DeliveryState, i64>) -> String {
    let mut parts: Vec<(&DeliveryState, &i64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    parts.sort_by(|a, b| b.1.cmp(a.1));
    parts
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect::<Vec<_>>()
        .join(" · ")
}
