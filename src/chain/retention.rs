//! The retention purge `serve` runs by itself: once at start and every hour, the personal
//! records older than their `[retention]` period are removed from the database
//! ([`Store::purge`]) and rendered speech older than `speech_cache` from the disk.
//!
//! Each run is one moment (`now` from the clock crate) handed to the store, so a run is
//! repeatable in tests; a failed run is logged and tried again at the next hour. The numbers
//! removed are logged, never the records.

use crate::config::RetentionConfig;
use crate::speech::cache::AudioCache;
use crate::store::{Purged, RetentionPeriods, Store, StoreError};
use crate::telephony::clock;
use std::path::PathBuf;
use std::time::Duration;

/// How often the purge runs.
pub const EVERY: Duration = Duration::from_secs(3600);

/// What one run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// From the database.
    pub records: Purged,
    /// Rendered speech files.
    pub speech_files: u64,
}

/// The purge over a store and a speech cache folder.
#[derive(Debug, Clone)]
pub struct Retention {
    store: Store,
    cache: PathBuf,
    config: RetentionConfig,
}

impl Retention {
    /// Purges `store` and the renderings under `speech_cache_dir` (`speech.cache_dir`).
    pub fn new(store: Store, speech_cache_dir: PathBuf, config: RetentionConfig) -> Retention {
        Retention {
            store,
            cache: speech_cache_dir.join("speech"),
            config,
        }
    }

    /// Runs now and then every [`EVERY`], for ever; spawn it.
    pub async fn run(self) {
        loop {
            match self.purge(clock::epoch_ms()).await {
                Ok(report) => log(&report),
                Err(error) => tracing::warn!(%error, "the retention purge failed; next hour again"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }

    /// One run at `now` (epoch ms).
    pub async fn purge(&self, now: i64) -> Result<PurgeReport, StoreError> {
        let periods = RetentionPeriods {
            attempts: self.config.attempts,
            alert_texts: self.config.alert_texts,
            audit: self.config.audit,
            webhook_events: self.config.webhook_events,
        };
        let records = self.store.purge(&periods, now).await?;
        let cache = AudioCache::new(&self.cache);
        let before = now.saturating_sub(millis(self.config.speech_cache));
        let speech_files = tokio::task::spawn_blocking(move || cache.purge(before))
            .await
            .unwrap_or_default();
        Ok(PurgeReport {
            records,
            speech_files,
        })
    }
}

fn millis(period: Duration) -> i64 {
    i64::try_from(period.as_millis()).unwrap_or(i64::MAX)
}

fn log(report: &PurgeReport) {
    if *report == PurgeReport::default() {
        tracing::debug!("retention purge: nothing was due");
        return;
    }
    let r = &report.records;
    tracing::info!(
        numbers = r.numbers,
        messages = r.messages,
        recordings = r.recordings,
        audit_rows = r.audit,
        webhook_events = r.webhook_events,
        sms_replies = r.sms_replies,
        speech_files = report.speech_files,
        "retention purge"
    );
}
