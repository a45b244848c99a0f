//! Every state change of the chain, published in-process as it is committed: the live
//! progress of `alert send --follow`, the demo's display and (later) the API's live view all
//! read this stream. A slow reader loses old events (it is told how many), never blocks the
//! chain.

use tokio::sync::broadcast;

/// Events a reader may miss before it is told it lagged.
pub const CAPACITY: usize = 4096;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainEvent {
    /// An alert started sending.
    AlertSending {
        /// The alert.
        alert: String,
    },
    /// Deliveries were created for an alert.
    DeliveriesCreated {
        /// The alert.
        alert: String,
        /// How many so far, in all.
        total: u64,
    },
    /// A call to a member started.
    Calling {
        /// The alert.
        alert: String,
        /// The delivery.
        delivery: String,
        /// Which contact point (0 = first).
        contact: usize,
    },
    /// A call ended (once per call, however many members sharing its number it served).
    CallEnded {
        /// The alert.
        alert: String,
        /// How it ended, in the chain's words (`acknowledged`, `busy`, `no_answer`…).
        outcome: String,
    },
    /// A delivery changed state (after a call, an acknowledgement, a cancel or expiry).
    Delivery {
        /// The alert.
        alert: String,
        /// The delivery.
        delivery: String,
        /// Its new state (`acknowledged`, `busy`, …).
        state: String,
        /// When the next try is, epoch ms, if one is scheduled.
        next_try_at: Option<i64>,
    },
    /// A member acknowledged (during a call or another way).
    Acknowledged {
        /// The alert.
        alert: String,
        /// The member.
        member: String,
        /// `dtmf`, `sms_reply`, `callback` or `api`.
        how: String,
    },
    /// An alert reached an end state (`completed`, `cancelled`, `expired`).
    AlertDone {
        /// The alert.
        alert: String,
        /// Its state.
        state: String,
    },
}

/// The sending side; clone it freely.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<ChainEvent>,
}

impl Default for Events {
    fn default() -> Events {
        Events {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Events {
    /// Publishes; nobody listening is fine.
    pub fn publish(&self, event: ChainEvent) {
        let _ = self.sender.send(event);
    }

    /// A new reader, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.sender.subscribe()
    }
}
