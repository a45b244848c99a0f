//! The numbers the dispatcher is calling, each with the one call on it. A number has at most
//! one call at a time, whatever alert or member it is for: a household landline shared by
//! three members is never rung twice at once, and a member's retry waits while the line is in
//! use for someone else. A call serves one or more deliveries of one alert (the members
//! reached through that number); while it is being set up and on the line those deliveries
//! belong to it and are not taken again.
//!
//! Plain bookkeeping in memory: the database's `calling` state is what survives a crash, and
//! after one nothing is on the line. Which calls to stop is decided here; the shell holds
//! each call's stop channel and asks it.

use crate::store::{AlertId, DeliveryId, MemberId};
use std::collections::HashMap;

/// The calls in progress, by number dialled.
#[derive(Debug)]
pub(super) struct Lines {
    calls: HashMap<String, LineCall>,
    /// Each delivery a call serves, and that call's number.
    serving: HashMap<DeliveryId, String>,
    /// Due deliveries the last look found waiting for their number to be free.
    waiting: usize,
    /// Deliveries whose number or member the ledger found on another instance's or alert's
    /// call, each with when to look again (sooner when any call ends).
    held: HashMap<DeliveryId, i64>,
    /// Until when the trunk's ledger is full (every channel on the line, across instances).
    trunk_full_until: i64,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines {
            calls: HashMap::new(),
            serving: HashMap::new(),
            waiting: 0,
            held: HashMap::new(),
            trunk_full_until: i64::MIN,
        }
    }
}

/// One call and whom it serves.
#[derive(Debug)]
struct LineCall {
    alert: AlertId,
    /// The deliveries it serves whose member has not acknowledged another way.
    open: Vec<(DeliveryId, MemberId)>,
}

impl Lines {
    /// Whether a call to this number is in progress.
    pub(super) fn is_busy(&self, number: &str) -> bool {
        self.calls.contains_key(number)
    }

    /// Whether a call in progress serves this delivery.
    pub(super) fn serves(&self, delivery: &DeliveryId) -> bool {
        self.serving.contains_key(delivery)
    }

    /// Calls in progress.
    pub(super) fn calls(&self) -> usize {
        self.calls.len()
    }

    /// Deliveries the calls in progress serve.
    pub(super) fn deliveries(&self) -> usize {
        self.serving.len()
    }

    /// Due deliveries last found waiting for a busy number.
    pub(super) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Notes how many due deliveries wait for a busy number, so the next look reads that many
    /// more beyond the free channels.
    pub(super) fn set_waiting(&mut self, waiting: usize) {
        self.waiting = waiting;
    }

    /// Puts a call to `number` on the line for these deliveries; false when the number is
    /// busy: the caller must not dial it.
    pub(super) fn open(
        &mut self,
        number: &str,
        alert: &AlertId,
        served: Vec<(DeliveryId, MemberId)>,
    ) -> bool {
        if self.is_busy(number) {
            return false;
        }
        for (delivery, _) in &served {
            self.serving.insert(delivery.clone(), number.to_owned());
        }
        let call = LineCall {
            alert: alert.clone(),
            open: served,
        };
        self.calls.insert(number.to_owned(), call);
        true
    }

    /// Keeps only the deliveries the call could claim; the others (acknowledged or stopped
    /// meanwhile) are no longer its.
    pub(super) fn keep(&mut self, number: &str, claimed: &[DeliveryId]) {
        let Some(call) = self.calls.get_mut(number) else {
            return;
        };
        call.open.retain(|(delivery, _)| claimed.contains(delivery));
        self.serving
            .retain(|delivery, on| on != number || claimed.contains(delivery));
    }

    /// The call to `number` is over (`placed`), or was never placed: the number is free and
    /// its deliveries may be taken again. A call that was on the line may also have held
    /// others up (the same member, the trunk's last channel): they are looked at again.
    pub(super) fn close(&mut self, number: &str, placed: bool) {
        self.calls.remove(number);
        self.serving.retain(|_, on| on != number);
        if placed {
            self.line_freed();
        }
    }

    /// Some call ended, here or in another instance: look again at once at what waited.
    pub(super) fn line_freed(&mut self) {
        self.held.clear();
        self.trunk_full_until = i64::MIN;
    }

    /// The ledger found these deliveries' number or member on another call: leave them until
    /// `until` or until a call ends.
    pub(super) fn hold(&mut self, deliveries: impl IntoIterator<Item = DeliveryId>, until: i64) {
        self.held.extend(deliveries.into_iter().map(|d| (d, until)));
    }

    /// Until when the delivery is held, if it is at `now`.
    pub(super) fn held_until(&self, delivery: &DeliveryId, now: i64) -> Option<i64> {
        self.held
            .get(delivery)
            .copied()
            .filter(|until| *until > now)
    }

    /// The ledger found the trunk full: start no call before `until` or a call's end.
    pub(super) fn trunk_full(&mut self, until: i64) {
        self.trunk_full_until = until;
    }

    /// Until when the trunk is full, if it is at `now`.
    pub(super) fn trunk_full_until(&self, now: i64) -> Option<i64> {
        (self.trunk_full_until > now).then_some(self.trunk_full_until)
    }

    /// The member acknowledged another way (SMS, callback, API): the numbers whose ringing
    /// call now serves nobody unconfirmed, to be cancelled. A call still needed by someone
    /// else sharing the number rings on.
    pub(super) fn settled(&mut self, alert: &AlertId, member: &MemberId) -> Vec<String> {
        let mut unneeded = Vec::new();
        for (number, call) in self.calls.iter_mut().filter(|(_, c)| &c.alert == alert) {
            let before = call.open.len();
            call.open.retain(|(_, m)| m != member);
            if before > 0 && call.open.is_empty() {
                unneeded.push(number.clone());
            }
        }
        unneeded
    }

    /// The numbers of the calls for the alerts that `which` picks.
    pub(super) fn numbers(&self, which: impl Fn(&AlertId) -> bool) -> Vec<String> {
        self.calls
            .iter()
            .filter(|(_, call)| which(&call.alert))
            .map(|(number, _)| number.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household() -> Vec<(DeliveryId, MemberId)> {
        ["a", "b", "c"]
            .iter()
            .map(|m| (DeliveryId::from(*m), MemberId::from(*m)))
            .collect()
    }

    #[test]
    fn a_number_has_one_call_at_a_time() {
        let mut lines = Lines::default();
        let alert = AlertId::from("alert");
        let landline = "+3250000001";
        assert!(lines.open(landline, &alert, household()));
        assert!(lines.is_busy(landline));
        assert!(!lines.open(landline, &AlertId::from("other"), Vec::new()));
        assert_eq!((lines.calls(), lines.deliveries()), (1, 3));
        lines.keep(landline, &[DeliveryId::from("a"), DeliveryId::from("c")]);
        assert!(!lines.serves(&DeliveryId::from("b")));
        lines.close(landline, true);
        assert!(!lines.is_busy(landline));
        assert_eq!((lines.calls(), lines.deliveries()), (0, 0));
    }

    #[test]
    fn a_ringing_shared_call_is_unneeded_only_when_nobody_needs_it() {
        let mut lines = Lines::default();
        let alert = AlertId::from("alert");
        let landline = "+3250000001";
        assert!(lines.open(landline, &alert, household()));
        assert!(lines.settled(&alert, &MemberId::from("a")).is_empty());
        assert!(
            lines.settled(&alert, &MemberId::from("b")).is_empty(),
            "c still needs the call"
        );
        assert_eq!(lines.settled(&alert, &MemberId::from("c")), [landline]);
        assert!(
            lines.settled(&alert, &MemberId::from("c")).is_empty(),
            "once"
        );
        assert_eq!(lines.numbers(|a| a == &alert), [landline]);
        assert!(lines.numbers(|a| a != &alert).is_empty());
    }
}
