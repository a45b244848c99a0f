//! The process's clock, as the driver reads it: the clock crate (`buurtbel-clock`), the one
//! place anything reads a clock. Its instants are proto's, handed to the state machines, and
//! [`deadline`] turns one into the runtime's to sleep until; see the crate for why `now` reads
//! the runtime's clock.

pub use buurtbel_clock::{
    deadline, elapsed, epoch_ms, from_tokio, now, sleep_blocking, sleep_until, tokio_now, unix_time,
};
