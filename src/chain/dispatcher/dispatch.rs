//! Taking due deliveries: quiet hours, members without a number, and one call per number.
//!
//! A due delivery whose number is free starts a call. When that number is another member's
//! too (a household landline), the call serves every delivery of the same alert whose next
//! try dials it and that has a try scheduled, due or not yet: the household is called
//! together, once, and stays together for the retries, rather than once per member. A
//! non-urgent alert leaves out a member whose quiet hours have begun; their own try comes
//! when the quiet hours end. A due delivery whose number is on the line already (for another
//! alert, or a member whose delivery was written after the call began) waits for that call
//! to end.

use super::{ChainError, Dispatcher};
use crate::chain::caller::{Caller, Stop};
use crate::chain::lease::Standing;
use crate::chain::program_source::ProgramSource;
use crate::store::{AlertKind, DeliveryId, DeliveryState, DueDelivery};
use buurtbel_proto::quiet;
use std::sync::Arc;
use tokio::sync::watch;

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Takes due deliveries while channels are free; returns when to look again.
    pub(super) async fn dispatch(&self, now: i64) -> Result<Option<i64>, ChainError> {
        if self.standing() != Standing::Live {
            return Ok(None); // a renewed lease wakes the loop
        }
        let free = self.shared.channels.available_permits();
        if free == 0 {
            return Ok(None); // a call that ends wakes the loop
        }
        if let Some(until) = self.lines().trunk_full_until(now) {
            return Ok(Some(until)); // so do calls ending elsewhere, on PostgreSQL
        }
        let (serving, waiting) = {
            let lines = self.lines();
            (lines.deliveries(), lines.waiting())
        };
        let limit = u32::try_from(free + serving + waiting).unwrap_or(u32::MAX);
        let due = self.shared.store.due_deliveries(now, limit).await?;
        let full = due.len() >= limit as usize;
        let mut waiting = 0;
        let mut held_until: Option<i64> = None;
        for delivery in due {
            if self.lines().serves(&delivery.delivery.id) {
                continue;
            }
            if let Some(until) = self.lines().held_until(&delivery.delivery.id, now) {
                waiting += 1;
                held_until = Some(held_until.map_or(until, |h| h.min(until)));
                continue;
            }
            if let Some(allowed) = self.quiet_until(&delivery, now) {
                self.postpone(&delivery.delivery.id, allowed, now).await?;
                continue;
            }
            let Some(number) = delivery.next_contact().map(|p| p.number.clone()) else {
                self.give_up(&delivery, now).await?;
                continue;
            };
            if self.lines().is_busy(&number) {
                waiting += 1;
                continue;
            }
            let Ok(permit) = Arc::clone(&self.shared.channels).try_acquire_owned() else {
                self.lines().set_waiting(waiting);
                return Ok(None);
            };
            let alert = delivery.delivery.alert_id.clone();
            let served = self.reached_through(delivery, &number, now).await?;
            let Some(stop) = self.put_on_line(&number, &served) else {
                continue;
            };
            let dispatcher = self.clone();
            let busy = self.busy();
            tokio::spawn(async move {
                let _busy = busy;
                let placed = dispatcher.attempt(served, &number, stop).await;
                dispatcher.lines().close(&number, placed);
                drop(permit);
                dispatcher.check_complete(&alert).await;
                dispatcher.poke();
            });
        }
        self.lines().set_waiting(waiting);
        if full {
            return Ok(Some(now));
        }
        // Every try due by now is in hand: started, waiting for a call that wakes the loop
        // when it ends, held for a call elsewhere, or moved on. Only later tries need a look.
        let next = self.shared.store.next_due_after(now).await?;
        Ok(match (next, held_until) {
            (Some(next), Some(held)) => Some(next.min(held)),
            (next, held) => next.or(held),
        })
    }

    /// The deliveries a call for `first` serves: `first`, and when its number is shared, every
    /// other delivery of the alert whose next try dials it and that no call holds, unless its
    /// member's quiet hours forbid the call now.
    async fn reached_through(
        &self,
        first: DueDelivery,
        number: &str,
        now: i64,
    ) -> Result<Vec<DueDelivery>, ChainError> {
        if !first.shared {
            return Ok(vec![first]);
        }
        let alert = first.delivery.alert_id.clone();
        let through = self.shared.store.deliveries_through(&alert, number).await?;
        let mut served = vec![first];
        for other in through {
            let taken = served.iter().any(|d| d.delivery.id == other.delivery.id)
                || self.lines().serves(&other.delivery.id);
            if !taken && self.quiet_until(&other, now).is_none() {
                served.push(other);
            }
        }
        Ok(served)
    }

    /// Registers the call on its number; `None` when the number is in use.
    fn put_on_line(&self, number: &str, served: &[DueDelivery]) -> Option<watch::Receiver<Stop>> {
        let first = served.first()?;
        let members = served
            .iter()
            .map(|d| (d.delivery.id.clone(), d.delivery.member_id.clone()))
            .collect();
        self.lines().open(number, &first.delivery.alert_id, members)
    }

    /// For a non-urgent alert during the member's quiet hours, when they end.
    fn quiet_until(&self, delivery: &DueDelivery, now: i64) -> Option<i64> {
        if delivery.alert_kind == AlertKind::Urgent {
            return None;
        }
        let quiet = delivery
            .recipient
            .quiet_hours
            .map_or(self.shared.settings.quiet_hours, |q| {
                (u32::from(q.start), u32::from(q.end))
            });
        let allowed = quiet::next_allowed(now, quiet, &self.shared.settings.zone);
        (allowed > now).then_some(allowed)
    }

    async fn postpone(&self, id: &DeliveryId, at: i64, now: i64) -> Result<(), ChainError> {
        if self.shared.store.postpone(id, at, now).await? {
            tracing::debug!(delivery = %id, at, "quiet hours: postponed");
        }
        Ok(())
    }

    /// A member without a number cannot be called: their delivery ends `given_up`.
    async fn give_up(&self, due: &DueDelivery, now: i64) -> Result<(), ChainError> {
        let delivery = &due.delivery;
        let moved = self
            .shared
            .store
            .settle_unattempted(&delivery.id, DeliveryState::GivenUp, now)
            .await?;
        if moved {
            tracing::warn!(delivery = %delivery.id, "member has no number; given up");
            self.publish_delivery(delivery, DeliveryState::GivenUp, None);
        }
        Ok(())
    }
}
