//! What the phone saw and sent, for the tests to assert on.

use super::Phone;
use crate::net::millis;
use buurtbel_phone::Message;
use std::time::Duration;

impl Phone {
    /// When each request of `method` from the gateway arrived, in milliseconds.
    pub fn arrivals(&self, method: &str) -> Vec<u64> {
        self.requests(method)
            .iter()
            .map(|(t, _)| millis(*t))
            .collect()
    }

    /// The requests of `method` from the gateway.
    pub fn requests(&self, method: &str) -> Vec<(Duration, &Message)> {
        let wanted = self.received.iter().filter(|(_, m)| m.is_request(method));
        wanted.map(|(t, m)| (*t, m)).collect()
    }

    /// When the phone sent responses with `status` to a `method`, in milliseconds.
    pub fn sent_responses(&self, status: u16, method: &str) -> Vec<u64> {
        let wanted = self.sent.iter().filter(|(_, m)| {
            m.status() == Some(status) && m.headers.cseq().is_ok_and(|c| c.method == method)
        });
        wanted.map(|(t, _)| millis(*t)).collect()
    }
}
