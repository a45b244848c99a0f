//! Taking due deliveries: the shell around [`Scheduler::plan`](super::schedule::Scheduler).
//!
//! The shell reads the due deliveries, lets the scheduler decide, and carries out each
//! action in order: a postponement (quiet hours) or a give-up (no number) is written; a call
//! is put on the scheduler's line, and, on a number several members share (a household
//! landline), joined by every delivery of the same alert whose next try dials it, read from
//! the store, so the household is called together, once. Each call then runs on a task of
//! its own ([`super::attempt`]), which commits the claim before the INVITE. Finally the shell
//! asks the store when the next try is due, if the plan needs it.

use super::schedule::{Action, Look, Wake};
use super::{ChainError, Dispatcher};
use crate::chain::caller::Caller;
use crate::chain::lease::Standing;
use crate::chain::program_source::ProgramSource;
use crate::store::{DeliveryId, DeliveryState, DueDelivery};
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

impl<C: Caller, P: ProgramSource> Dispatcher<C, P> {
    /// Takes due deliveries while channels are free; returns when to look again.
    pub(super) async fn dispatch(&self, now: i64) -> Result<Option<i64>, ChainError> {
        let free = self.shared.channels.available_permits();
        let live = self.standing() == Standing::Live;
        let limit = match self.board().schedule.look(now, free, live) {
            Look::Read(limit) => limit,
            Look::Wait(wake) => return Ok(wake.at(now, None)),
        };
        let due = self.shared.store.due_deliveries(now, limit).await?;
        let plan = self.board().schedule.plan(now, due, free, limit);
        for action in plan.actions {
            match action {
                Action::Start { first, number } => {
                    let Ok(permit) = Arc::clone(&self.shared.channels).try_acquire_owned() else {
                        return Ok(None); // a call that ends wakes the loop
                    };
                    self.start(first, number, permit, now).await?;
                }
                Action::Postpone { delivery, until } => {
                    self.postpone(&delivery, until, now).await?
                }
                Action::GiveUp(delivery) => self.give_up(&delivery, now).await?,
            }
        }
        let next = match plan.wake {
            Wake::NextDue { .. } => self.shared.store.next_due_after(now).await?,
            _ => None,
        };
        Ok(plan.wake.at(now, next))
    }

    /// Puts the call on the line for the deliveries it serves and places it on a task of
    /// its own; the channel is free again when it is over.
    async fn start(
        &self,
        first: DueDelivery,
        number: String,
        permit: OwnedSemaphorePermit,
        now: i64,
    ) -> Result<(), ChainError> {
        let alert = first.delivery.alert_id.clone();
        let served = if first.shared {
            let through = self
                .shared
                .store
                .deliveries_through(&alert, &number)
                .await?;
            self.board().schedule.join(first, through, now)
        } else {
            vec![first]
        };
        let Some(stop) = self.board().open(&number, &served) else {
            return Ok(()); // the number is in use: it is not dialled
        };
        let dispatcher = self.clone();
        tokio::spawn(async move {
            let placed = dispatcher.attempt(served, &number, stop).await;
            dispatcher.board().close(&number, placed);
            drop(permit);
            dispatcher.check_complete(&alert).await;
            dispatcher.poke();
        });
        Ok(())
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
