//! The network between the gateway's `Call` and the phone, and the virtual clock that runs
//! them (after quinn-proto's `tests/util.rs` `Pair`).
//!
//! Each direction is a [`Link`]: a latency, and rules that lose, duplicate or delay chosen
//! messages, or all of them at random from a seed. On a stream (TCP) nothing is lost or
//! reordered; each message is cut into small chunks, so both parsers must reassemble.
//! The clock jumps to the earliest of the call's `poll_timeout()`, the phone's next timer,
//! the next delivery and a scheduled hang-up; nothing waits for real time.
//!
//! Every message the gateway sends must be readable by the phone's own parser and carry what
//! RFC 3261 §8.1.1 asks, or the test fails there and then with the message in full.

use crate::clock::{Instant, epoch, since};
use crate::phone::Phone;
use buurtbel_phone::{Message, parse_datagram, parse_stream};
use buurtbel_proto::sip::call::{Call, CallEvent, CallReport, CallSetup};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// The phone's address, which is also the call's next hop.
pub const PHONE: &str = "127.0.0.2:5070";

/// The extra delay of each copy of a message that is delivered; none: it is lost.
pub type Copies = Vec<Duration>;
type Rule = Box<dyn FnMut(&Message) -> Option<Copies>>;

/// One direction of the network.
pub struct Link {
    latency: Duration,
    rules: Vec<Rule>,
}

impl Link {
    /// A link that delivers everything once, `latency` after it was sent.
    pub fn new(latency: Duration) -> Link {
        Link {
            latency,
            rules: Vec::new(),
        }
    }

    /// Loses the first `count` messages that `which` picks.
    pub fn lose(self, count: usize, which: impl Fn(&Message) -> bool + 'static) -> Link {
        self.rule(count, which, Vec::new())
    }

    /// Delivers the first `count` messages that `which` picks twice, the copy `after` later.
    pub fn duplicate(
        self,
        count: usize,
        which: impl Fn(&Message) -> bool + 'static,
        after: Duration,
    ) -> Link {
        self.rule(count, which, vec![Duration::ZERO, after])
    }

    /// Holds back the first `count` messages that `which` picks by `extra`, so later ones
    /// overtake them.
    pub fn delay(
        self,
        count: usize,
        which: impl Fn(&Message) -> bool + 'static,
        extra: Duration,
    ) -> Link {
        self.rule(count, which, vec![extra])
    }

    /// Every other message: lost with `loss` percent, duplicated with `duplicated` percent,
    /// each copy delayed by up to `jitter` more, all drawn from `seed`.
    pub fn random(mut self, seed: u64, loss: u64, duplicated: u64, jitter: Duration) -> Link {
        let mut rng = StdRng::seed_from_u64(seed);
        let jitter_ms = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX).max(1);
        self.rules.push(Box::new(move |_| {
            let copies = match rng.random_range(0..100) {
                p if p < loss => 0,
                p if p < loss + duplicated => 2,
                _ => 1,
            };
            Some(
                (0..copies)
                    .map(|_| Duration::from_millis(rng.random_range(0..jitter_ms)))
                    .collect(),
            )
        }));
        self
    }

    fn rule(
        mut self,
        count: usize,
        which: impl Fn(&Message) -> bool + 'static,
        copies: Copies,
    ) -> Link {
        let mut left = count;
        self.rules.push(Box::new(move |message| {
            let picked = left > 0 && which(message);
            picked.then(|| {
                left -= 1;
                copies.clone()
            })
        }));
        self
    }

    fn copies(&mut self, message: &Message) -> Copies {
        let decided = self.rules.iter_mut().find_map(|rule| rule(message));
        decided.unwrap_or_else(|| vec![Duration::ZERO])
    }
}

/// Who a message in flight is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Gateway,
    Phone,
}

/// The call, the phone, the network between them and the clock.
pub struct Pair {
    start: Instant,
    /// Virtual time since the start.
    pub now: Duration,
    /// The gateway's side, under test.
    pub call: Call,
    /// The far end.
    pub phone: Phone,
    /// Gateway to phone.
    pub to_phone: Link,
    /// Phone to gateway.
    pub to_gateway: Link,
    /// The call hangs up at this moment.
    pub hang_up_at: Option<Duration>,
    /// What the call reported, and when.
    pub events: Vec<(Duration, CallEvent)>,
    /// Every message as it left, for failure messages.
    pub trace: Vec<String>,
    /// Cut messages into chunks of this many bytes: the transport is a stream.
    stream_chunk: Option<usize>,
    in_flight: BTreeMap<(Duration, u64), (To, Vec<u8>)>,
    sent: u64,
    gateway_stream: Vec<u8>,
    phone_stream: Vec<u8>,
}

impl Pair {
    /// Starts the call at time zero against `phone`, 10 ms away each way. A reliable
    /// `setup` makes the transport a stream.
    pub fn new(setup: CallSetup, phone: Phone) -> Pair {
        let start = epoch();
        let stream_chunk = setup.reliable.then_some(7);
        Pair {
            call: Call::new(start, setup),
            start,
            now: Duration::ZERO,
            phone,
            to_phone: Link::new(Duration::from_millis(10)),
            to_gateway: Link::new(Duration::from_millis(10)),
            hang_up_at: None,
            events: Vec::new(),
            trace: Vec::new(),
            stream_chunk,
            in_flight: BTreeMap::new(),
            sent: 0,
            gateway_stream: Vec::new(),
            phone_stream: Vec::new(),
        }
    }

    /// Runs until nothing is left to happen before `until`.
    pub fn run(&mut self, until: Duration) {
        for _ in 0..100_000 {
            self.flush();
            let Some(next) = self.next_moment().filter(|t| *t <= until) else {
                return;
            };
            self.now = self.now.max(next);
            self.step();
        }
        panic!("no progress at {:?}:\n{}", self.now, self.trace.join("\n"));
    }

    /// The instant `at` after the start, for calling into `Call` directly.
    pub fn at(&self, at: Duration) -> Instant {
        self.start + at
    }

    /// The one `Ended` report.
    pub fn report(&self) -> CallReport {
        let ended: Vec<&CallReport> = self
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                CallEvent::Ended(report) => Some(report),
                _ => None,
            })
            .collect();
        match ended.as_slice() {
            [one] => (*one).clone(),
            _ => panic!("not exactly one Ended: {:?}", self.events),
        }
    }

    /// When the call reported an event of this kind, in order.
    pub fn event_times(&self, kind: fn(&CallEvent) -> bool) -> Vec<u64> {
        let times = self.events.iter().filter(|(_, e)| kind(e));
        times.map(|(t, _)| millis(*t)).collect()
    }

    fn next_moment(&self) -> Option<Duration> {
        let call = self.call.poll_timeout().map(|t| since(self.start, t));
        let delivery = self.in_flight.keys().next().map(|(t, _)| *t);
        let moments = [call, delivery, self.phone.poll_timeout(), self.hang_up_at];
        moments.into_iter().flatten().min()
    }

    fn step(&mut self) {
        let now = self.now;
        while let Some(entry) = self.in_flight.first_entry().filter(|e| e.key().0 <= now) {
            let (to, bytes) = entry.remove();
            self.deliver(to, bytes);
        }
        if self.hang_up_at.is_some_and(|t| t <= now) {
            self.hang_up_at = None;
            self.call.hang_up(self.at(now));
        }
        self.phone.handle_timeout(now);
        self.call.handle_timeout(self.at(now));
    }

    /// Moves what both sides queued onto the network, and the call's events into the log.
    fn flush(&mut self) {
        while let Some(transmit) = self.call.poll_transmit() {
            assert_eq!(
                transmit.destination,
                phone_addr(),
                "everything goes to the phone"
            );
            self.send(To::Phone, transmit.bytes);
        }
        while let Some(event) = self.call.poll_event() {
            self.events.push((self.now, event));
        }
        while let Some(message) = self.phone.poll_transmit() {
            self.send(To::Gateway, message.to_bytes());
        }
    }

    fn send(&mut self, to: To, bytes: Vec<u8>) {
        let message = readable_by_phone(&bytes, to);
        self.trace.push(format!(
            "{:>7} ms {to:?} <- {}",
            millis(self.now),
            first_line(&bytes)
        ));
        let link = match to {
            To::Phone => &mut self.to_phone,
            To::Gateway => &mut self.to_gateway,
        };
        let latency = link.latency;
        let pieces: Vec<(Duration, Vec<u8>)> = match self.stream_chunk {
            Some(size) => bytes
                .chunks(size)
                .map(|c| (Duration::ZERO, c.to_vec()))
                .collect(),
            None => link
                .copies(&message)
                .into_iter()
                .map(|extra| (extra, bytes.clone()))
                .collect(),
        };
        for (extra, piece) in pieces {
            self.sent += 1;
            let key = (self.now + latency + extra, self.sent);
            self.in_flight.insert(key, (to, piece));
        }
    }

    fn deliver(&mut self, to: To, bytes: Vec<u8>) {
        match (to, self.stream_chunk) {
            (To::Phone, None) => self.phone.receive(self.now, readable_by_phone(&bytes, to)),
            (To::Phone, Some(_)) => {
                self.phone_stream.extend_from_slice(&bytes);
                while let Some((message, used)) = next_on_phone_stream(&self.phone_stream) {
                    self.phone_stream.drain(..used);
                    self.phone.receive(self.now, message);
                }
            }
            (To::Gateway, None) => {
                let message = buurtbel_proto::sip::parse_datagram(&bytes).unwrap_or_else(|e| {
                    panic!("the gateway cannot read the phone ({e}): {}", text(&bytes))
                });
                self.call
                    .handle_message(self.at(self.now), message, phone_addr());
            }
            (To::Gateway, Some(_)) => {
                self.gateway_stream.extend_from_slice(&bytes);
                while let Some((message, used)) =
                    buurtbel_proto::sip::parse_stream(&self.gateway_stream).unwrap_or_else(|e| {
                        panic!("the gateway cannot read the phone's stream ({e})")
                    })
                {
                    self.gateway_stream.drain(..used);
                    self.call
                        .handle_message(self.at(self.now), message, phone_addr());
                }
            }
        }
    }
}

/// What the gateway sends must be a message the phone reads, with RFC 3261's mandatory
/// headers; what the phone sends is checked the same way, so the harness cannot cheat.
fn readable_by_phone(bytes: &[u8], to: To) -> Message {
    let message = parse_datagram(bytes)
        .unwrap_or_else(|e| panic!("{to:?} gets an unreadable message ({e}):\n{}", text(bytes)));
    if let Err(e) = message.check_mandatory() {
        panic!(
            "{to:?} gets a message without what RFC 3261 asks ({e}):\n{}",
            text(bytes)
        );
    }
    message
}

fn next_on_phone_stream(buffer: &[u8]) -> Option<(Message, usize)> {
    parse_stream(buffer).unwrap_or_else(|e| {
        panic!(
            "the phone cannot read the gateway's stream ({e}): {}",
            text(buffer)
        )
    })
}

/// A duration in whole milliseconds.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn phone_addr() -> SocketAddr {
    PHONE.parse().unwrap_or_else(|e| panic!("{PHONE}: {e}"))
}

fn first_line(bytes: &[u8]) -> String {
    text(bytes).lines().next().unwrap_or_default().to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
