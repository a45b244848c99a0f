//! The scheduler and the stop channel of each call it has on the line, under the
//! dispatcher's one lock: the scheduler decides which calls to stop, the board asks them.
//! A number's channel lives exactly as long as its call is on the scheduler's line.

use super::schedule::Scheduler;
use crate::chain::caller::Stop;
use crate::store::{AlertId, DueDelivery, MemberId};
use std::collections::HashMap;
use tokio::sync::watch;

/// The scheduler, and how to reach each call on its line.
#[derive(Debug)]
pub(super) struct Board {
    pub(super) schedule: Scheduler,
    stops: HashMap<String, watch::Sender<Stop>>,
}

impl Board {
    pub(super) fn new(schedule: Scheduler) -> Board {
        Board {
            schedule,
            stops: HashMap::new(),
        }
    }

    /// Puts the call to `number` on the line for the deliveries it serves; the receiver
    /// tells the call when to stop. `None` when the number is in use: it must not be dialled.
    pub(super) fn open(
        &mut self,
        number: &str,
        served: &[DueDelivery],
    ) -> Option<watch::Receiver<Stop>> {
        if !self.schedule.open(number, served) {
            return None;
        }
        let (stop, stopped) = watch::channel(Stop::No);
        self.stops.insert(number.to_owned(), stop);
        Some(stopped)
    }

    /// The call to `number` is over (`placed`), or was never placed.
    pub(super) fn close(&mut self, number: &str, placed: bool) {
        self.schedule.close(number, placed);
        self.stops.remove(number);
    }

    /// The member acknowledged another way: a ringing call that now serves nobody
    /// unconfirmed is cancelled.
    pub(super) fn settled(&mut self, alert: &AlertId, member: &MemberId) {
        for number in self.schedule.settled(alert, member) {
            self.ask(&number, Stop::IfRinging);
        }
    }

    /// Asks the calls of the alerts that `which` picks to stop.
    pub(super) fn stop(&self, how: Stop, which: impl Fn(&AlertId) -> bool) {
        for number in self.schedule.numbers(which) {
            self.ask(&number, how);
        }
    }

    /// Asks a call to stop, unless a stronger stop was asked already.
    fn ask(&self, number: &str, how: Stop) {
        let Some(stop) = self.stops.get(number) else {
            return;
        };
        stop.send_if_modified(|current| {
            let stronger = matches!(
                (*current, how),
                (Stop::No, Stop::IfRinging | Stop::Now) | (Stop::IfRinging, Stop::Now)
            );
            if stronger {
                *current = how;
            }
            stronger
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::dispatcher::schedule::tests::due;

    #[test]
    fn a_ringing_shared_call_stops_only_when_nobody_needs_it_and_never_weaker() {
        let schedule = Scheduler::new((0, 0), jiff::tz::TimeZone::UTC);
        let mut board = Board::new(schedule);
        let alert = AlertId::from("alert");
        let household: Vec<DueDelivery> = ["a", "b", "c"]
            .iter()
            .map(|m| due("alert", m, &["+3250000001"]))
            .collect();
        let stop = board.open("+3250000001", &household).expect("free");
        assert!(board.open("+3250000001", &household).is_none());
        board.settled(&alert, &MemberId::from("a"));
        board.settled(&alert, &MemberId::from("b"));
        assert_eq!(*stop.borrow(), Stop::No, "c still needs the call");
        board.settled(&alert, &MemberId::from("c"));
        assert_eq!(*stop.borrow(), Stop::IfRinging);
        board.stop(Stop::Now, |_| true);
        assert_eq!(*stop.borrow(), Stop::Now);
        board.stop(Stop::IfRinging, |_| true);
        assert_eq!(*stop.borrow(), Stop::Now, "never weaker");
        board.close("+3250000001", true);
        assert_eq!(board.schedule.calls(), 0);
    }
}
