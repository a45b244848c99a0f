//! `buurtbel demo` end to end: the real binary, a temporary database, simulated phones on
//! loopback. Every member must end under the state their phone's behaviour leads to, each
//! counted once, and the WAV of what one member heard must hold the message. The table reads
//! as the totals do: states in words, keys one by one, why a member was not reached, and
//! that it was a drill. The SMS story is told too: a deaf member texted instead of called, a
//! voicemail followed by a text, both confirmed by a reply, and a text after calls that never
//! got through.

use serde_json::Value;
use std::process::Command;

#[test]
fn the_demo_tells_the_whole_story() {
    let output = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(["demo", "--members", "13", "--seed", "3", "--json"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run buurtbel demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let last = stdout.lines().last().expect("a last line");
    let report: Value = serde_json::from_str(last).expect("JSON on the last line");

    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(report["members"], 13);
    assert_eq!(rows.len(), 13, "one row per member");
    for row in rows {
        assert_eq!(row["state"], row["expected"], "{row}\n{stdout}");
    }
    let behaviours: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r["behaviour"].as_str())
        .collect();
    assert_eq!(
        behaviours.len(),
        13,
        "every behaviour is in the story: {behaviours:?}"
    );

    let totals = [
        "acknowledged",
        "voicemail",
        "no_answer",
        "busy",
        "answered_no_ack",
        "failed",
        "sms_acknowledged",
        "sms_sent",
        "other",
    ];
    let counted: u64 = totals.iter().map(|k| report[k].as_u64().expect(k)).sum();
    assert_eq!(counted, 13, "each member counted once");
    assert_eq!(report["other"], 0);
    let calls: i64 = rows
        .iter()
        .map(|r| r["calls"].as_i64().expect("calls"))
        .sum();
    assert_eq!(report["calls_placed"].as_i64(), Some(calls));
    assert!(calls > 13, "retries were made");
    the_sms_members_end_as_their_texts_and_replies_lead(&report, rows);
    the_member_who_missed_the_call_confirms_on_the_call_back_line(rows);

    let wav = report["heard_wav"].as_str().expect("a WAV path");
    let bytes = std::fs::read(wav).expect("the WAV");
    let (samples, rate) = buurtbel::speech::wav::decode_mono(&bytes).expect("a WAV");
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!(seconds > 5.0, "the member heard {seconds:.1} s");
    let loud = samples.iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud * 4 > samples.len(), "mostly speech, not silence");
    assert!(stdout.contains(wav), "the path is printed");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour off a terminal: {stderr:?}"
    );
    the_table_reads_as_the_totals_do(&stdout, rows);
}

/// The table's lines: from its heading to the blank line after it.
fn table(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("member "))
        .take_while(|line| !line.is_empty())
        .collect()
}

fn the_table_reads_as_the_totals_do(stdout: &str, rows: &[Value]) {
    assert!(stdout.starts_with("A drill:"), "{stdout}");
    let totals = stdout
        .lines()
        .find(|line| line.contains(" texts (a drill): "))
        .unwrap_or_else(|| panic!("the totals say it was a drill:\n{stdout}"));
    assert!(totals.starts_with("13 members in "), "{totals}");

    let table = table(stdout);
    let heading: Vec<&str> = table[0]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert!(heading.contains(&"simulated behaviour"), "{heading:?}");
    assert!(!heading.contains(&"phone"), "{heading:?}");
    assert_eq!(heading.last(), Some(&"why"), "{heading:?}");
    assert_eq!(table.len(), rows.len() + 1, "{stdout}");
    for code in ["answered_no_ack", "no_answer", "_"] {
        assert!(
            table.iter().all(|l| !l.contains(code)),
            "{code} in\n{stdout}"
        );
    }

    let line_of = |behaviour: &str| -> &str {
        let row = rows
            .iter()
            .find(|r| r["behaviour"] == behaviour)
            .unwrap_or_else(|| panic!("a member who {behaviour}"));
        let member = row["member"].as_str().expect("a name");
        table
            .iter()
            .find(|l| l.starts_with(member))
            .unwrap_or_else(|| panic!("{member} in the table"))
    };
    for (behaviour, shown) in [
        ("presses 2, then 1", "acknowledged"),
        ("presses 2, then 1", "2, 1"),
        ("listens, presses nothing", "answered without confirming"),
        ("never answers", "no answer"),
        ("never answers", "no answer (487)"),
        ("busy", "busy (486)"),
        ("number out of service", "failed (404)"),
        ("deaf, chose SMS, replies 1", "acknowledged by SMS"),
        ("deaf, chose SMS, replies 1", "1 text"),
        ("answering machine, replies ok", "1 call, 1 text"),
        ("never answers, no reply", "SMS sent"),
        ("never answers, no reply", "no answer (603)"),
    ] {
        let line = line_of(behaviour);
        assert!(line.contains(shown), "{behaviour}: {shown} in {line:?}");
    }
    for reached in [
        "presses 1 when asked",
        "answering machine",
        "listens, presses nothing",
        "deaf, chose SMS, replies 1",
        "answering machine, replies ok",
    ] {
        let line = line_of(reached);
        assert!(!line.contains('('), "a reached member has no why: {line:?}");
    }
    let busy = rows
        .iter()
        .find(|r| r["behaviour"] == "busy")
        .expect("busy");
    assert_eq!(
        (&busy["outcome"], &busy["sip_status"]),
        (&"busy".into(), &486.into())
    );
}

/// The member no call reached phones the network's number afterwards, hears the alert and
/// confirms it there.
fn the_member_who_missed_the_call_confirms_on_the_call_back_line(rows: &[Value]) {
    let back = rows
        .iter()
        .find(|r| r["behaviour"] == "misses it, calls back, presses 1")
        .expect("a member who calls back");
    assert_eq!(back["state"], "acknowledged", "{back}");
    assert_eq!(back["acknowledged_by"], "callback", "{back}");
    assert_eq!(
        back["outcome"], "no_answer",
        "the alert's own calls rang out: {back}"
    );
    assert!(back["calls"].as_i64() > Some(1), "retried first: {back}");
}

/// The deaf member is texted and never called; the member whose voicemail took the call is
/// texted after it; both confirm by replying. The member no call reached is texted once.
fn the_sms_members_end_as_their_texts_and_replies_lead(report: &Value, rows: &[Value]) {
    let row = |behaviour: &str| -> &Value {
        rows.iter()
            .find(|r| r["behaviour"] == behaviour)
            .unwrap_or_else(|| panic!("a member who {behaviour}"))
    };
    let deaf = row("deaf, chose SMS, replies 1");
    assert_eq!(deaf["state"], "sms_acknowledged", "{deaf}");
    assert_eq!(deaf["acknowledged_by"], "sms_reply", "{deaf}");
    assert_eq!(
        (deaf["calls"].as_i64(), deaf["texts"].as_i64()),
        (Some(0), Some(1))
    );

    let machine = row("answering machine, replies ok");
    assert_eq!(machine["state"], "sms_acknowledged", "{machine}");
    assert_eq!(machine["acknowledged_by"], "sms_reply", "{machine}");
    assert_eq!(
        machine["outcome"], "voicemail",
        "the call before the text: {machine}"
    );
    assert_eq!(machine["texts"], 1, "{machine}");

    let silent = row("never answers, no reply");
    assert_eq!(silent["state"], "sms_sent", "{silent}");
    assert_eq!(silent["acknowledged_by"], Value::Null, "{silent}");
    assert_eq!(
        silent["texts"], 1,
        "texted once, after the last call: {silent}"
    );
    assert!(
        silent["calls"].as_i64() > Some(2),
        "the retries came first: {silent}"
    );

    for voice_only in ["answering machine", "never answers", "busy"] {
        assert_eq!(row(voice_only)["texts"], 0, "{voice_only} chose calls only");
    }
    assert_eq!(report["sms_acknowledged"], 2);
    assert_eq!(report["sms_sent"], 1);
    assert_eq!(report["sms_replies"], 2);
    let texts: i64 = rows.iter().filter_map(|r| r["texts"].as_i64()).sum();
    assert_eq!(report["texts_sent"].as_i64(), Some(texts));
    assert_eq!(texts, 3);
}
