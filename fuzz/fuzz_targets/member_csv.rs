//! A coordinator's member CSV, any bytes at all: `read_csv` may not panic; a file it accepts
//! holds at least one member, each with a name, one or two E.164 numbers, a
//! speech rate and quiet hours in range; and writing the rows out reads back the same rows,
//! which is what `buurtbel members export` then `import` rely on.
//!
//! `cargo +nightly fuzz run member_csv -- -max_total_time=60`.
#![no_main]

use buurtbel::members::{read_csv, write_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = read_csv(data) else {
        return;
    };
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(!row.name.is_empty());
        assert!((1..=2).contains(&row.phones.len()), "{:?}", row.phones);
        assert!(
            row.phones.iter().all(|p| p.starts_with('+')),
            "{:?}",
            row.phones
        );
        assert!((0.5..=2.0).contains(&row.speech_rate));
        if let Some((start, end)) = row.quiet_hours {
            assert!(start < 1440 && end < 1440);
        }
    }
    let mut written = Vec::new();
    write_csv(&mut written, &rows).expect("writing to memory");
    match read_csv(written.as_slice()) {
        Ok(again) => assert_eq!(again, rows),
        Err(e) => panic!("written rows do not read back: {e}"),
    }
});
