//! The `webhook-id`s of the inbound messages already kept, for a while: a message sent again
//! (an aggregator that did not see our 204, or someone replaying a recorded request within
//! the signature's tolerance) is answered 204 and not handed on twice.
//!
//! Pure: times (unix seconds) are arguments. Bounded: at most [`MAX_REMEMBERED`] ids; when
//! full, the one that would be forgotten first goes.

use std::collections::HashMap;

/// The most ids remembered at once.
pub const MAX_REMEMBERED: usize = 10_000;

/// The ids kept, each with the second after which it can be forgotten.
#[derive(Debug, Default)]
pub struct Replays {
    kept: HashMap<String, i64>,
}

impl Replays {
    /// Whether the message `id` was kept and is still remembered at `now_s`.
    pub fn was_kept(&self, id: &str, now_s: i64) -> bool {
        self.kept.get(id).is_some_and(|until| *until >= now_s)
    }

    /// Remembers `id` until `until_s`, forgetting what has expired at `now_s`.
    pub fn keep(&mut self, id: &str, until_s: i64, now_s: i64) {
        self.kept.retain(|_, until| *until >= now_s);
        if self.kept.len() >= MAX_REMEMBERED && !self.kept.contains_key(id) {
            let first = self
                .kept
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(id, _)| id.clone());
            if let Some(first) = first {
                self.kept.remove(&first);
            }
        }
        self.kept.insert(id.to_owned(), until_s);
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_remembered_until_its_time_and_then_forgotten() {
        let mut replays = Replays::default();
        assert!(!replays.was_kept("msg_1", 100));
        replays.keep("msg_1", 400, 100);
        assert!(replays.was_kept("msg_1", 400));
        assert!(!replays.was_kept("msg_2", 400));
        assert!(!replays.was_kept("msg_1", 401));
        replays.keep("msg_2", 800, 500);
        assert_eq!(replays.len(), 1, "msg_1 expired and was dropped");
    }

    #[test]
    fn when_full_the_first_to_expire_goes() {
        let mut replays = Replays::default();
        for i in 0..MAX_REMEMBERED {
            replays.keep(&format!("msg_{i}"), 1000 + i as i64, 0);
        }
        replays.keep("msg_new", 5000, 0);
        assert_eq!(replays.len(), MAX_REMEMBERED);
        assert!(!replays.was_kept("msg_0", 0));
        assert!(replays.was_kept("msg_1", 0));
        assert!(replays.was_kept("msg_new", 0));
    }
}
