//! CAP date-times: `YYYY-MM-DDThh:mm:ss±hh:mm`, as the CAP 1.2 schema's pattern writes
//! them. The standard forbids `Z` (UTC is written `-00:00`); the schema's pattern has no
//! fraction of a second, so neither is accepted here.

use jiff::civil::DateTime;
use jiff::tz::Offset;

use super::CapTime;

const EXAMPLE: &str = "2025-03-14T21:05:00+01:00";
const NUMERIC_OFFSET: &str = "CAP 1.2 requires a numeric offset; UTC is -00:00";

/// Reads a CAP date-time, or says why it is not one.
pub(super) fn cap_time(text: &str) -> Result<CapTime, String> {
    let (local, offset) = split(text)?;
    let number = |at: usize, len: usize| -> i32 {
        local
            .get(at..at + len)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(-1)
    };
    let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2));
    let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2));
    let offset_seconds = offset_seconds(text, offset)?;
    let unreal = || format!("`{text}` is not a real date and time");
    if year == 0 || hour > 23 || minute > 59 || second > 59 {
        return Err(unreal());
    }
    let civil = DateTime::new(
        i16::try_from(year).map_err(|_| unreal())?,
        i8::try_from(month).map_err(|_| unreal())?,
        i8::try_from(day).map_err(|_| unreal())?,
        i8::try_from(hour).map_err(|_| unreal())?,
        i8::try_from(minute).map_err(|_| unreal())?,
        i8::try_from(second).map_err(|_| unreal())?,
        0,
    )
    .map_err(|_| unreal())?;
    let instant = Offset::from_seconds(offset_seconds)
        .and_then(|offset| offset.to_timestamp(civil))
        .map_err(|_| unreal())?;
    Ok(CapTime {
        text: text.to_owned(),
        epoch_ms: instant.as_millisecond(),
    })
}

/// The local part (`YYYY-MM-DDThh:mm:ss`, digits where digits go) and the offset
/// (`±hh:mm`, shape checked).
fn split(text: &str) -> Result<(&str, &str), String> {
    const LOCAL: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let shaped = |part: &str, pattern: &[u8]| {
        part.len() == pattern.len()
            && part.bytes().zip(pattern).all(|(b, p)| match p {
                b'd' => b.is_ascii_digit(),
                b's' => b == b'+' || b == b'-',
                p => b == *p,
            })
    };
    let not_cap = || format!("`{text}` is not a CAP date-time like {EXAMPLE}");
    let (Some(local), Some(offset)) = (text.get(..LOCAL.len()), text.get(LOCAL.len()..)) else {
        return Err(not_cap());
    };
    if !shaped(local, LOCAL) {
        return Err(not_cap());
    }
    if offset.is_empty() {
        return Err(format!("`{text}` has no offset: {NUMERIC_OFFSET}"));
    }
    if offset.eq_ignore_ascii_case("z") {
        return Err(format!("`{text}` ends in `Z`: {NUMERIC_OFFSET}"));
    }
    if offset.starts_with(['.', ',']) {
        return Err(format!(
            "`{text}` has a fraction of a second: CAP 1.2 writes whole seconds, as {EXAMPLE}"
        ));
    }
    if !shaped(offset, b"sdd:dd") {
        return Err(not_cap());
    }
    Ok((local, offset))
}

/// `±hh:mm` in seconds east of UTC, at most 14 hours either way.
fn offset_seconds(text: &str, offset: &str) -> Result<i32, String> {
    let hours: i32 = offset.get(1..3).and_then(|h| h.parse().ok()).unwrap_or(99);
    let minutes: i32 = offset.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(99);
    if minutes > 59 || hours * 60 + minutes > 14 * 60 {
        return Err(format!(
            "`{text}` has the offset {offset}: offsets run from -14:00 to +14:00"
        ));
    }
    let seconds = (hours * 60 + minutes) * 60;
    Ok(if offset.starts_with('-') {
        -seconds
    } else {
        seconds
    })
}
