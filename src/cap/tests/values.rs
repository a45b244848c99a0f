//! The value checks on their own: date-times to the millisecond, and the edges of the
//! other checks.

use super::super::{time::cap_time, values};

fn epoch_ms(text: &str) -> i64 {
    match cap_time(text) {
        Ok(time) => time.epoch_ms,
        Err(e) => panic!("{text}: {e}"),
    }
}

#[test]
fn date_times_apply_their_offset() {
    assert_eq!(epoch_ms("1970-01-01T00:00:00-00:00"), 0);
    assert_eq!(epoch_ms("1970-01-01T01:00:00+01:00"), 0);
    assert_eq!(epoch_ms("1969-12-31T19:00:00-05:00"), 0);
    assert_eq!(epoch_ms("2026-03-14T21:05:00+01:00"), 1_773_518_700_000);
    assert_eq!(epoch_ms("2026-03-14T20:05:00+00:00"), 1_773_518_700_000);
    assert_eq!(epoch_ms("2026-03-15T09:50:00+13:45"), 1_773_518_700_000);
    assert_eq!(epoch_ms("2024-02-29T12:00:00-00:00"), 1_709_208_000_000);
    assert_eq!(epoch_ms("2026-03-14T21:05:00+14:00"), 1_773_471_900_000);
    assert_eq!(
        cap_time("2026-03-14T21:05:00-00:00")
            .map(|t| t.text)
            .ok()
            .as_deref(),
        Some("2026-03-14T21:05:00-00:00")
    );
}

#[test]
fn date_times_outside_the_pattern_are_refused() {
    for text in [
        "2025-02-29T12:00:00+01:00",
        "2026-13-01T12:00:00+01:00",
        "2026-03-14T21:60:00+01:00",
        "2026-03-14T21:05:60+01:00",
        "0000-01-01T00:00:00+00:00",
        "2026-03-14T21:05:00+01:60",
        "2026-03-14T21:05:00+14:01",
        "2026-03-14 21:05:00+01:00",
        "2026-03-14T21:05+01:00",
        "2026-03-14T21:05:00+0100",
        "2026-03-14T21:05:00,01:00",
        "+2026-03-14T21:05:00+01:00",
        "2026-03-14T21:05:00+01:00 ",
        "2026-03-14T21:05:00z",
        "2026-03-14T21:05:00+01:00:00",
        "２026-03-14T21:05:00+01:00",
        "",
    ] {
        assert!(cap_time(text).is_err(), "{text}");
    }
}

#[test]
fn polygons_are_closed_rings_of_points() {
    assert!(values::polygon("-90,-180 90,180 0,0 -90,-180").is_ok());
    assert!(values::polygon("51.2,4.4  51.3,4.4\n51.3,4.5\t51.2,4.4").is_ok());
    assert!(values::polygon("51.2,4.4 51.3,4.4 51.3,4.5 51.20,4.40").is_ok());
    for text in [
        "",
        "51.2,4.4",
        "51.2,4.4 51.3,4.4 51.3,4.5 51.2,4.4,1",
        "NaN,4 1,1 2,2 NaN,4",
        "inf,4 1,1 2,2 inf,4",
    ] {
        assert!(values::polygon(text).is_err(), "{text}");
    }
}

#[test]
fn circles_are_a_centre_and_a_radius() {
    assert!(values::circle("51.2225,4.4100 1.5").is_ok());
    assert!(values::circle("51.2225,4.4100 0").is_ok());
    for text in [
        "51.2225,4.4100",
        "51.2225,4.4100 1 2",
        "51.2225 1",
        "51.2,4.4 km",
    ] {
        assert!(values::circle(text).is_err(), "{text}");
    }
}

#[test]
fn decimals_are_xml_schema_decimals() {
    for (text, value) in [("0", 0.0), ("-12.5", -12.5), ("+.5", 0.5), ("3.", 3.0)] {
        assert_eq!(values::decimal(text), Ok(value), "{text}");
    }
    for text in [
        "",
        ".",
        "-",
        "1e3",
        "inf",
        "NaN",
        "1.2.3",
        "0x10",
        &"9".repeat(400),
    ] {
        assert!(values::decimal(text).is_err(), "{text}");
    }
}

#[test]
fn sizes_are_whole_and_not_negative() {
    assert_eq!(values::size("0"), Ok(0));
    assert_eq!(values::size("+28"), Ok(28));
    for text in ["-1", "1.5", "", "+", "18446744073709551616", " 1"] {
        assert!(values::size(text).is_err(), "{text}");
    }
}

#[test]
fn language_tags_have_the_schema_shape() {
    for text in [
        "nl",
        "nl-BE",
        "fr-BE",
        "de-BE",
        "en",
        "en-US",
        "x-klingon",
        "sgn-BE-nl",
        "zh-Hant-TW",
    ] {
        assert!(values::language(text).is_ok(), "{text}");
    }
    for text in [
        "",
        "nl_BE",
        "nl-",
        "-BE",
        "n1",
        "nederlands",
        "nl-BE-toolongsubtag",
        "nl BE",
    ] {
        assert!(values::language(text).is_err(), "{text}");
    }
}

#[test]
fn identifiers_refuse_the_restricted_characters() {
    assert!(values::restricted("urn:oid:2.49.0.1.56.0.2026.1", "an identifier").is_ok());
    for text in ["", "a b", "a,b", "a<b", "a&b", "a\tb", "a\u{a0}b"] {
        assert!(
            values::restricted(text, "an identifier").is_err(),
            "{text:?}"
        );
    }
}

#[test]
fn other_checks_take_what_the_standard_allows() {
    assert!(values::absolute_uri("https://pz-voorbeeld.police.example/bin").is_ok());
    assert!(values::absolute_uri("urn:uuid:8c5d3a0e").is_ok());
    for text in [
        "/bin",
        "pz-voorbeeld/bin",
        "https:",
        "1http://x",
        "https://a b",
    ] {
        assert!(values::absolute_uri(text).is_err(), "{text}");
    }
    assert!(values::mime_type("audio/wav").is_ok());
    assert!(values::mime_type("text/plain; charset=utf-8").is_ok());
    for text in ["wav", "audio/", "/wav", "audio wav/x"] {
        assert!(values::mime_type(text).is_err(), "{text}");
    }
    assert!(values::base64("S2FhcnQg\n dmFu").is_ok());
    assert!(values::base64("S2FhcnQ").is_err());
}
