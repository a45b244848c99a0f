//! The alert side of the dispatcher: writing an alert's deliveries page by page, expiry,
//! completion, cancellation, and picking up after a crash.

use super::{AlertRun, ChainError, Dispatcher, schedule};
use crate::chain::caller::{Caller, Stop};
use crate::chain::events::ChainEvent;
use crate::chain::program_source::ProgramSource;
use crate::store::{AlertId, AlertState, MemberId};
use buurtbel_proto::policy::RetryPolicy;

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Looks at every sending alert: starts writing the deliveries of new ones, stops the
    /// expired ones, completes the settled ones. Returns the next expiry.
    pub(super) async fn sweep(&self, now: i64) -> Result<Option<i64>, ChainError> {
        let sending = self
            .shared
            .store
            .alerts_in_state(AlertState::Sending)
            .await?;
        let sorted = schedule::sweep(now, &sending);
        for alert in &sorted.expired {
            self.stop_alert(alert, AlertState::Expired).await?;
        }
        for alert in &sorted.running {
            // New here, resumed, or a page that failed: (again) write its deliveries.
            self.start_creating(alert);
            self.check_complete(alert).await;
        }
        let still: std::collections::HashSet<&AlertId> = sending.iter().map(|a| &a.id).collect();
        // Stopped by another process (`alert cancel`): its ringing calls end here.
        self.board()
            .stop(Stop::IfRinging, |alert| !still.contains(alert));
        self.alert_runs()
            .retain(|id, run| run.creating || still.contains(id));
        Ok(sorted.next_expiry)
    }

    /// True when the sending alerts are not the ones this dispatcher runs: another process
    /// sent or stopped one. Beside a SQLite file, the notice file says so without a query.
    pub(super) async fn alerts_moved(&self) -> bool {
        if let Some(noticed) = self.shared.store.alerts_noticed() {
            return noticed;
        }
        let sending = match self
            .shared
            .store
            .alert_ids_in_state(AlertState::Sending)
            .await
        {
            Ok(sending) => sending,
            Err(e) => {
                tracing::warn!(error = %e, "looking for new alerts failed");
                return false;
            }
        };
        let runs = self.alert_runs();
        let stopped = runs
            .iter()
            .any(|(id, run)| !run.creating && !sending.contains(id));
        stopped || sending.iter().any(|id| !runs.contains_key(id))
    }

    /// Starts writing the alert's deliveries, unless that is under way or done.
    pub(super) fn start_creating(&self, alert: &AlertId) {
        {
            let mut runs = self.alert_runs();
            let run = runs.entry(alert.clone()).or_insert_with(|| AlertRun {
                created: false,
                creating: false,
                policy: self.shared.settings.retry,
            });
            if run.created || run.creating {
                return;
            }
            run.creating = true;
        }
        let dispatcher = self.clone();
        let alert = alert.clone();
        tokio::spawn(async move {
            let policy = dispatcher.policy_of(&alert).await;
            let created = dispatcher.create_deliveries(&alert).await;
            if let Err(e) = &created {
                tracing::error!(%alert, error = %e, "writing deliveries failed; trying again soon");
            }
            if let Some(run) = dispatcher.alert_runs().get_mut(&alert) {
                run.creating = false;
                run.created = created.is_ok();
                run.policy = policy;
            }
            dispatcher.poke();
        });
    }

    /// Pages through the targeted members; each page is one transaction, due at once, with
    /// the members of later pages who share a number with one of its own (a household is
    /// called together from its first call). The first page is small and each next one
    /// twice the last, up to the full page.
    async fn create_deliveries(&self, alert: &AlertId) -> Result<(), ChainError> {
        let store = &self.shared.store;
        let mut after: Option<MemberId> = None;
        let mut page = self.shared.settings.first_page.max(1);
        let mut total = 0;
        loop {
            let members = store.targeted_members(alert, after.as_ref(), page).await?;
            let Some(last) = members.last().cloned() else {
                break;
            };
            // A household's members are written together, whatever page each falls in.
            let mut written = members.clone();
            written.extend(store.housemates(alert, &members).await?);
            let now = self.shared.clock.now();
            total += store.create_deliveries(alert, &written, now).await?;
            self.shared.events.publish(ChainEvent::DeliveriesCreated {
                alert: alert.to_string(),
                total,
            });
            self.poke();
            // Members who chose SMS have their text due with this page.
            self.shared.texts_wake.notify_one();
            if members.len() < page as usize {
                break;
            }
            after = Some(last);
            // Pages grow to full size: a large write right after the first page would hold
            // SQLite's one writer while the first calls wait to be claimed.
            page = page.saturating_mul(2).min(self.shared.settings.page.max(1));
        }
        tracing::info!(%alert, new = total, "deliveries written");
        Ok(())
    }

    /// The alert's retry rules: its first network's own, else the default.
    async fn policy_of(&self, alert: &AlertId) -> RetryPolicy {
        let networks = match self.shared.store.alert_networks(alert).await {
            Ok(networks) => networks,
            Err(e) => {
                tracing::warn!(%alert, error = %e, "reading the networks failed; default retries");
                return self.shared.settings.retry;
            }
        };
        let Some(own) = networks.iter().find_map(|n| n.retry_policy.as_deref()) else {
            return self.shared.settings.retry;
        };
        crate::config::retry::network_policy(own).unwrap_or_else(|e| {
            tracing::warn!(%alert, error = %e, "the network's retry rules are unusable; default");
            self.shared.settings.retry
        })
    }

    /// Reads the alert's rules if they are not known yet (a resume before the first sweep).
    pub(super) async fn load_policy(&self, alert: &AlertId) {
        if self.alert_runs().contains_key(alert) {
            return;
        }
        let policy = self.policy_of(alert).await;
        self.alert_runs().entry(alert.clone()).or_insert(AlertRun {
            created: false,
            creating: false,
            policy,
        });
    }

    /// The rules the alert's calls follow.
    pub(super) fn policy(&self, alert: &AlertId) -> RetryPolicy {
        self.alert_runs()
            .get(alert)
            .map_or(self.shared.settings.retry, |run| run.policy)
    }

    /// Completes the alert if every delivery is written and settled.
    pub(super) async fn check_complete(&self, alert: &AlertId) {
        let created = self.alert_runs().get(alert).is_some_and(|run| run.created);
        if !created {
            return;
        }
        let open = match self.shared.store.open_deliveries(alert).await {
            Ok(open) => open,
            Err(e) => {
                tracing::warn!(%alert, error = %e, "counting open deliveries failed");
                return;
            }
        };
        if open > 0 {
            return;
        }
        let now = self.shared.clock.now();
        let store = &self.shared.store;
        match store
            .set_alert_state(alert, &[AlertState::Sending], AlertState::Completed, now)
            .await
        {
            Ok(true) => self.finished(alert, AlertState::Completed),
            Ok(false) => {}
            Err(e) => tracing::warn!(%alert, error = %e, "completing the alert failed"),
        }
    }

    /// Cancels or expires the alert; false when it was not sending.
    pub(super) async fn stop_alert(
        &self,
        alert: &AlertId,
        to: AlertState,
    ) -> Result<bool, ChainError> {
        let now = self.shared.clock.now();
        let store = &self.shared.store;
        let current = store.alert(alert).await?.map(|a| a.state);
        if current != Some(AlertState::Sending) && current != Some(AlertState::Draft) {
            return Ok(false);
        }
        let calling = match to {
            AlertState::Expired => store.expire_alert(alert, now).await?,
            _ => store.cancel_alert(alert, now).await?,
        };
        self.board().stop(Stop::IfRinging, |on| on == alert);
        tracing::info!(%alert, state = %to, calls_finishing = calling.len(), "alert stopped");
        self.finished(alert, to);
        self.poke();
        Ok(true)
    }

    fn finished(&self, alert: &AlertId, state: AlertState) {
        self.alert_runs().remove(alert);
        self.shared.programs.forget(alert);
        self.shared.events.publish(ChainEvent::AlertDone {
            alert: alert.to_string(),
            state: state.as_str().to_owned(),
        });
    }
}
