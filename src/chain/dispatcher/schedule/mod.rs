//! The dispatcher's decisions, without I/O: which due deliveries start a call now and on
//! which number, which wait (for a busy number, a call elsewhere, a full trunk, a free
//! channel), which are postponed to the end of their member's quiet hours, which are given
//! up, what each delivery's next step is when its call is over, and when the loop wakes.
//!
//! The [`Scheduler`] is a plain struct fed with the time (epoch ms, passed in), the due
//! deliveries the shell read from the store, the free channels, and what the store said to
//! each call's claim; it answers with a [`Plan`] of [`Action`]s and a [`Wake`]. It does no
//! I/O, never awaits and reads no clock, so every rule is tested with exact times in plain
//! tests. The tokio shell around it ([`super::Dispatcher`]) reads the store, feeds it,
//! carries out its actions (each committed before it is acted on: an attempt is written
//! before its INVITE) and sleeps until the wake-up.
//!
//! It also keeps the numbers on the line ([`lines`]): one call per number at a time, and a
//! delivery served by a call is not taken again until that call is over.

mod finish;
mod lines;
mod rhythm;
#[cfg(test)]
pub(super) mod tests;

pub(super) use finish::{outcome_name, step_after};
pub(super) use rhythm::{Rhythm, sweep};

use crate::store::{AlertId, AlertKind, CallClaim, DeliveryId, DueDelivery, MemberId};
use buurtbel_proto::quiet;
use jiff::tz::TimeZone;
use lines::Lines;

/// How long a delivery held for a call elsewhere (another instance's, or another alert's
/// to the same member), or a full trunk, waits before the next look, unless a call ends
/// sooner.
pub(super) const LOOK_AGAIN_MS: i64 = 1_000;

/// The dispatcher's decisions and the calls it has on the line.
#[derive(Debug)]
pub(super) struct Scheduler {
    /// Default quiet hours for non-urgent alerts, minutes of the day.
    quiet_hours: (u32, u32),
    /// The zone quiet hours are read in.
    zone: TimeZone,
    lines: Lines,
}

/// Whether to read due deliveries now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Look {
    /// Read at most this many (the free channels, plus those the calls on the line serve
    /// and those that waited last time, which the read finds again).
    Read(u32),
    /// Read nothing now.
    Wait(Wake),
}

/// When to take due deliveries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wake {
    /// At once: the read was full, more may be due.
    Now,
    /// When something wakes the loop: a call's end (no channel was free), a renewed lease.
    Woken,
    /// At this moment (epoch ms), unless woken sooner.
    At(i64),
    /// When the next try after now comes due (the store knows when), or at `held` if that
    /// is sooner.
    NextDue {
        /// When the earliest delivery held for a call elsewhere is looked at again.
        held: Option<i64>,
    },
}

impl Wake {
    /// The moment, given the next try due after `now`; `None` until woken.
    pub(super) fn at(self, now: i64, next_due: Option<i64>) -> Option<i64> {
        match self {
            Wake::Now => Some(now),
            Wake::Woken => None,
            Wake::At(at) => Some(at),
            Wake::NextDue { held } => match (next_due, held) {
                (Some(next), Some(held)) => Some(next.min(held)),
                (next, held) => next.or(held),
            },
        }
    }
}

/// One thing for the shell to do, in order.
#[derive(Debug, Clone)]
pub(super) enum Action {
    /// Call `number` for `first`; on a shared number, also for whom [`Scheduler::join`]
    /// adds. A channel is free for it.
    Start {
        /// The delivery whose try came due.
        first: DueDelivery,
        /// The number its try dials.
        number: String,
    },
    /// The member's quiet hours: move the try to `until`.
    Postpone {
        /// The delivery.
        delivery: DeliveryId,
        /// The end of the quiet hours, epoch ms.
        until: i64,
    },
    /// The member has no number: the delivery ends `given_up`.
    GiveUp(DueDelivery),
}

/// What to do with the due deliveries read, and when to look again.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// In order.
    pub(super) actions: Vec<Action>,
    /// When to take due deliveries again.
    pub(super) wake: Wake,
}

/// A call planned in this pass, on `number`.
struct Planned<'a> {
    number: String,
    alert: &'a AlertId,
    shared: bool,
}

impl Scheduler {
    /// A scheduler with nothing on the line; `quiet_hours` apply to members without their
    /// own, read in `zone`.
    pub(super) fn new(quiet_hours: (u32, u32), zone: TimeZone) -> Scheduler {
        Scheduler {
            quiet_hours,
            zone,
            lines: Lines::default(),
        }
    }

    /// Whether to read due deliveries at `now`, with `free` channels, the instance's lease
    /// `live` or not.
    pub(super) fn look(&self, now: i64, free: usize, live: bool) -> Look {
        if !live || free == 0 {
            return Look::Wait(Wake::Woken);
        }
        if let Some(until) = self.lines.trunk_full_until(now) {
            return Look::Wait(Wake::At(until)); // or sooner: a call ending wakes the loop
        }
        let limit = free + self.lines.deliveries() + self.lines.waiting();
        Look::Read(u32::try_from(limit).unwrap_or(u32::MAX))
    }

    /// What to do at `now` with the due deliveries read (urgent first, at most `limit`),
    /// with `free` channels. A delivery a call serves is left alone; one held for a call
    /// elsewhere or whose number is on the line waits; a non-urgent one in its member's
    /// quiet hours is postponed to their end; one without a number is given up; the others
    /// start a call each, while channels are free. On a shared number one call serves every
    /// delivery of the alert that dials it, so a second due delivery of the same alert on
    /// that number is not a call of its own.
    pub(super) fn plan(
        &mut self,
        now: i64,
        due: Vec<DueDelivery>,
        free: usize,
        limit: u32,
    ) -> Plan {
        let full = due.len() >= limit as usize;
        let alerts: Vec<AlertId> = due.iter().map(|d| d.delivery.alert_id.clone()).collect();
        let mut planned: Vec<Planned<'_>> = Vec::new();
        let mut actions = Vec::new();
        let mut waiting = 0;
        let mut held: Option<i64> = None;
        for (delivery, alert) in due.into_iter().zip(&alerts) {
            let id = &delivery.delivery.id;
            if self.lines.serves(id) {
                continue;
            }
            if let Some(until) = self.lines.held_until(id, now) {
                waiting += 1;
                held = Some(held.map_or(until, |h| h.min(until)));
                continue;
            }
            if let Some(until) = self.quiet_until(&delivery, now) {
                let delivery = id.clone();
                actions.push(Action::Postpone { delivery, until });
                continue;
            }
            let Some(number) = delivery.next_contact().map(|p| p.number.clone()) else {
                actions.push(Action::GiveUp(delivery));
                continue;
            };
            let on_line = planned.iter().find(|p| p.number == number);
            if on_line.is_some_and(|p| p.shared && p.alert == alert) {
                continue; // the call planned on the number reaches this member too
            }
            if on_line.is_some() || self.lines.is_busy(&number) {
                waiting += 1;
                continue;
            }
            if planned.len() >= free {
                self.lines.set_waiting(waiting);
                return Plan {
                    actions,
                    wake: Wake::Woken, // a call that ends wakes the loop
                };
            }
            let shared = delivery.shared;
            planned.push(Planned {
                number: number.clone(),
                alert,
                shared,
            });
            actions.push(Action::Start {
                first: delivery,
                number,
            });
        }
        self.lines.set_waiting(waiting);
        // Every try due by now is in hand: started, waiting for a call that wakes the loop
        // when it ends, held for a call elsewhere, or moved on. Only later tries need a look.
        let wake = if full {
            Wake::Now
        } else {
            Wake::NextDue { held }
        };
        Plan { actions, wake }
    }

    /// The deliveries a call for `first` serves: `first`, and when its number is shared,
    /// every other delivery of the alert whose next try dials it (`through`, read from the
    /// store) that no call holds, unless its member's quiet hours forbid the call at `now`.
    pub(super) fn join(
        &self,
        first: DueDelivery,
        through: Vec<DueDelivery>,
        now: i64,
    ) -> Vec<DueDelivery> {
        let mut served = vec![first];
        for other in through {
            let taken = served.iter().any(|d| d.delivery.id == other.delivery.id)
                || self.lines.serves(&other.delivery.id);
            if !taken && self.quiet_until(&other, now).is_none() {
                served.push(other);
            }
        }
        served
    }

    /// Puts the call to `number` on the line for the deliveries it serves; false when the
    /// number is in use (the call must not be placed).
    pub(super) fn open(&mut self, number: &str, served: &[DueDelivery]) -> bool {
        let Some(first) = served.first() else {
            return false;
        };
        let members = served
            .iter()
            .map(|d| (d.delivery.id.clone(), d.delivery.member_id.clone()))
            .collect();
        self.lines.open(number, &first.delivery.alert_id, members)
    }

    /// What the store's ledger said at `now` to the claim of the call to `number` for
    /// `served`: the deliveries it claimed stay the call's, the others are free again. A
    /// number or member on another call holds the deliveries, and a full trunk every call,
    /// for [`LOOK_AGAIN_MS`] or until a call ends.
    pub(super) fn claimed(
        &mut self,
        number: &str,
        served: &[DeliveryId],
        claim: &CallClaim,
        now: i64,
    ) {
        let again = now.saturating_add(LOOK_AGAIN_MS);
        let claimed: Vec<DeliveryId> = match claim {
            CallClaim::Begun(attempts) => attempts.iter().map(|(d, _)| d.clone()).collect(),
            CallClaim::Busy => {
                self.lines.hold(served.iter().cloned(), again);
                Vec::new()
            }
            CallClaim::TrunkFull => {
                self.lines.trunk_full(again);
                Vec::new()
            }
            CallClaim::Nobody => Vec::new(),
        };
        self.lines.keep(number, &claimed);
    }

    /// The call to `number` is over (`placed`), or was never placed: the number is free, and
    /// a call that was on the line lets what waited for it look again.
    pub(super) fn close(&mut self, number: &str, placed: bool) {
        self.lines.close(number, placed);
    }

    /// A call ended elsewhere (another instance): what waited for it looks again at once.
    pub(super) fn line_freed(&mut self) {
        self.lines.line_freed();
    }

    /// The member acknowledged another way: the numbers whose ringing call now serves
    /// nobody unconfirmed, to be cancelled.
    pub(super) fn settled(&mut self, alert: &AlertId, member: &MemberId) -> Vec<String> {
        self.lines.settled(alert, member)
    }

    /// The numbers of the calls for the alerts that `which` picks.
    pub(super) fn numbers(&self, which: impl Fn(&AlertId) -> bool) -> Vec<String> {
        self.lines.numbers(which)
    }

    /// Calls on the line.
    pub(super) fn calls(&self) -> usize {
        self.lines.calls()
    }

    /// For a non-urgent alert during the member's quiet hours, when they end.
    fn quiet_until(&self, delivery: &DueDelivery, now: i64) -> Option<i64> {
        if delivery.alert_kind == AlertKind::Urgent {
            return None;
        }
        let hours = delivery
            .recipient
            .quiet_hours
            .map_or(self.quiet_hours, |q| (u32::from(q.start), u32::from(q.end)));
        let allowed = quiet::next_allowed(now, hours, &self.zone);
        (allowed > now).then_some(allowed)
    }
}
