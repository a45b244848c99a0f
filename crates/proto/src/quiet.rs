//! Quiet hours: a non-urgent message (a prevention tip, next-day feedback) never rings a
//! member's phone at night. Hours are the member's own (minutes of the day) or the default
//! 21:00–08:00, read on the clock of Europe/Brussels, summer time included. Urgent alerts
//! ignore them: that is what urgent means.

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// The default quiet period, minutes of the day: 21:00 to 08:00.
pub const DEFAULT_QUIET: (u32, u32) = (21 * 60, 8 * 60);

/// The time zone the networks live in.
pub fn brussels() -> TimeZone {
    TimeZone::get("Europe/Brussels").unwrap_or(TimeZone::UTC)
}

/// The earliest moment at or after `now` (epoch ms) outside the quiet period `quiet`
/// (start, end in minutes of the day; a period may run past midnight).
pub fn next_allowed(now: i64, quiet: (u32, u32), zone: &TimeZone) -> i64 {
    let (start, end) = (quiet.0.min(1439), quiet.1.min(1439));
    let Ok(instant) = Timestamp::from_millisecond(now) else {
        return now;
    };
    let local = instant.to_zoned_datetime(zone.clone());
    let minute = local.hour() as u32 * 60 + local.minute() as u32;
    let quiet_now = if start <= end {
        (start..end).contains(&minute)
    } else {
        minute >= start || minute < end
    };
    if !quiet_now {
        return now;
    }
    // The end of the period: today if it is still ahead, else tomorrow.
    let end_time = Time::constant((end / 60) as i8, (end % 60) as i8, 0, 0);
    let day = if minute < end {
        local.date()
    } else {
        local.date().tomorrow().unwrap_or(local.date())
    };
    day.to_datetime(end_time)
        .to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(now)
        .max(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        let zoned: jiff::ZonedDateTime = format!("{text}[Europe/Brussels]").parse().unwrap();
        zoned.timestamp().as_millisecond()
    }

    #[test]
    fn daytime_is_allowed_at_once() {
        let now = at("2026-11-26T14:00");
        assert_eq!(next_allowed(now, DEFAULT_QUIET, &brussels()), now);
    }

    #[test]
    fn evening_and_night_wait_for_eight_in_the_morning() {
        let zone = brussels();
        assert_eq!(
            next_allowed(at("2026-11-26T22:30"), DEFAULT_QUIET, &zone),
            at("2026-11-27T08:00")
        );
        assert_eq!(
            next_allowed(at("2026-11-27T03:10"), DEFAULT_QUIET, &zone),
            at("2026-11-27T08:00")
        );
        assert_eq!(
            next_allowed(at("2026-11-27T08:00"), DEFAULT_QUIET, &zone),
            at("2026-11-27T08:00")
        );
    }

    #[test]
    fn a_members_own_hours_and_a_daytime_period_are_honoured() {
        let zone = brussels();
        let nap = (13 * 60, 15 * 60);
        assert_eq!(
            next_allowed(at("2026-06-01T14:00"), nap, &zone),
            at("2026-06-01T15:00")
        );
        assert_eq!(
            next_allowed(at("2026-06-01T12:59"), nap, &zone),
            at("2026-06-01T12:59")
        );
    }

    #[test]
    fn summer_time_is_local_time() {
        // The night the clocks go forward: 08:00 local is 06:00 UTC.
        let wake = next_allowed(at("2026-03-29T01:30"), DEFAULT_QUIET, &brussels());
        assert_eq!(wake, at("2026-03-29T08:00"));
        let utc: jiff::Timestamp = "2026-03-29T06:00:00Z".parse().unwrap();
        assert_eq!(wake, utc.as_millisecond());
    }
}
