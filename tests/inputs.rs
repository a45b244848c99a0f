//! Inputs bounded before they are read, through the real binary: a recorded message judged
//! from its header (a forged one refused without reading the gigabytes behind it), an
//! idempotency key that cannot stand for two different alerts (on SQLite, and on PostgreSQL
//! when `BUURTBEL_TEST_POSTGRES` is set), and an expiry within its ceiling. Names and numbers
//! are fictional.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/cli.rs"]
mod cli;

use backends::each_backend;
use cli::{buurtbel, text};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MEMBERS: &str = "name,phone\nJan Voorbeeld,+32470000001\nAnna Voorbeeld,+32470000002\n";

/// Runs `command` to its end: its exit code, standard error and peak resident memory (kB).
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak memory"
)]
fn measured(dir: &Path, command: &mut Command) -> (Option<i32>, String, i64) {
    let stderr = dir.join("stderr.txt");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("start buurtbel");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the child is ours and not yet
    // waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let said = std::fs::read_to_string(&stderr).unwrap_or_default();
    (code, said, usage.ru_maxrss)
}

/// A 16-bit mono PCM header at `rate` whose `data` chunk claims 4 GiB.
fn forged_header(rate: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00");
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.wrapping_mul(2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data\xff\xff\xff\xff");
    out
}

/// Five gigabytes behind a forged header, as a sparse file: nothing of it on disk.
fn forged_wav(path: &Path, rate: u32) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("create");
    file.write_all(&forged_header(rate)).expect("header");
    file.set_len(5 << 30).expect("sparse length");
}

#[test]
fn a_forged_five_gigabyte_wav_is_refused_from_its_header_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sip.toml");
    std::fs::write(
        &config,
        "[sip]\nbind = \"127.0.0.1:0\"\n[trunk]\nproxy = \"127.0.0.1:9\"\ndomain = \"trunk.test\"\n",
    )
    .unwrap();
    let long = dir.path().join("long.wav");
    forged_wav(&long, 8000);
    let odd = dir.path().join("odd-rate.wav");
    forged_wav(&odd, u32::MAX);

    let mut call = Command::new(env!("CARGO_BIN_EXE_buurtbel"));
    call.args(["call", "--to", "1234", "--config"])
        .arg(&config)
        .arg("--wav")
        .arg(&long)
        .env("XDG_CACHE_HOME", dir.path().join("cache"));
    let (code, said, peak_kb) = measured(dir.path(), &mut call);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("long.wav") && said.contains("s of audio"),
        "{said}"
    );
    assert!(said.contains("600 s"), "{said}");
    assert!(peak_kb < 50 * 1024, "peak memory {peak_kb} kB\n{said}");

    let db = format!("sqlite:{}", dir.path().join("chain.db").display());
    let mut send = Command::new(env!("CARGO_BIN_EXE_buurtbel"));
    send.args(["alert", "send", "--database", &db, "--network", "BIN Een"])
        .args(["--kind", "urgent", "--wav-nl"])
        .arg(&odd)
        .env("XDG_CACHE_HOME", dir.path().join("cache"));
    let (code, said, peak_kb) = measured(dir.path(), &mut send);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("odd-rate.wav") && said.contains("Hz"),
        "{said}"
    );
    assert!(peak_kb < 50 * 1024, "peak memory {peak_kb} kB\n{said}");
}

#[test]
fn a_recording_over_the_configured_maximum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("three-seconds.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..24_000 {
        writer.write_sample((i % 100) as i16 * 50).unwrap();
    }
    writer.finalize().unwrap();
    let config = dir.path().join("sip.toml");
    std::fs::write(
        &config,
        "[trunk]\nproxy = \"127.0.0.1:9\"\ndomain = \"trunk.test\"\n\
         [speech]\nmax_recording = \"2s\"\n",
    )
    .unwrap();
    let run = buurtbel(
        dir.path(),
        &[
            "call",
            "--config",
            "sip.toml",
            "--to",
            "1234",
            "--wav",
            "three-seconds.wav",
        ],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let said = text(&run.stderr);
    assert!(
        said.contains("3.0 s of audio; the longest accepted is 2 s"),
        "{said}"
    );
}

/// `alert send` with these arguments against `db`, from `dir`.
fn send(dir: &Path, db: &str, extra: &[&str]) -> Output {
    let mut args = vec!["alert", "send", "--database", db, "--kind", "urgent"];
    args.extend_from_slice(extra);
    buurtbel(dir, &args)
}

fn networks(dir: &Path, db: &str, names: &[&str]) {
    std::fs::write(dir.join("members.csv"), MEMBERS).unwrap();
    for name in names {
        let args = [
            "members",
            "import",
            "--database",
            db,
            "--network",
            name,
            "--create",
            "members.csv",
        ];
        let run = buurtbel(dir, &args);
        assert!(run.status.success(), "{}", text(&run.stderr));
    }
}

/// The id in `alert ID (urgent) sending to N members`.
fn alert_id(run: &Output) -> String {
    let out = text(&run.stdout);
    out.split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no alert id in {out:?}"))
        .to_owned()
}

#[tokio::test]
async fn a_key_sent_again_with_another_alert_is_refused_naming_the_alert() {
    each_backend(|db| async move {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        networks(dir, &db, &["BIN Een", "BIN Twee"]);
        let first_args = [
            "--network",
            "BIN Een",
            "--key",
            "activatie-0001",
            "--text-nl",
            "Verdachte personen in de Kerkstraat.",
        ];
        let first = send(dir, &db, &first_args);
        assert!(first.status.success(), "{}", text(&first.stderr));
        let id = alert_id(&first);

        let again = send(dir, &db, &first_args);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert_eq!(
            text(&again.stdout).lines().next().unwrap_or_default(),
            format!("alert {id} was already sent with this key (sending)")
        );

        let other_text = [
            "--network",
            "BIN Een",
            "--key",
            "activatie-0001",
            "--text-nl",
            "Verdacht voertuig in de Stationsstraat.",
        ];
        let other_network = [
            "--network",
            "BIN Een",
            "--network",
            "BIN Twee",
            "--key",
            "activatie-0001",
            "--text-nl",
            "Verdachte personen in de Kerkstraat.",
        ];
        let drill = [&first_args[..], &["--drill"]].concat();
        for (args, differs) in [
            (&other_text[..], "message (nl)"),
            (&other_network[..], "networks"),
            (&drill[..], "drill"),
        ] {
            let refused = send(dir, &db, args);
            let said = text(&refused.stderr);
            assert_eq!(refused.status.code(), Some(2), "{differs}: {said}");
            assert!(said.contains(&format!("already made alert {id}")), "{said}");
            assert!(said.contains(differs), "{said}");
            assert!(refused.stdout.is_empty(), "{}", text(&refused.stdout));
        }
    })
    .await;
}

#[test]
fn an_expiry_must_be_positive_and_within_the_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = format!("sqlite:{}", dir.join("chain.db").display());
    networks(dir, &db, &["BIN Een"]);
    std::fs::write(
        dir.join("sip.toml"),
        format!(
            "[trunk]\nproxy = \"127.0.0.1:9\"\ndomain = \"trunk.test\"\n\
             [database]\nurl = \"{db}\"\n[chain]\nurgent_expiry = \"10m\"\nmax_expiry = \"1h\"\n"
        ),
    )
    .unwrap();
    let message = ["--network", "BIN Een", "--text-nl", "Een test."];
    for (expires, said) in [
        ("0s", "--expires-in: must be longer than 0"),
        ("8days", "is longer than 7days (chain.max_expiry)"),
    ] {
        let run = send(
            dir,
            &db,
            &[&message[..], &["--expires-in", expires]].concat(),
        );
        assert_eq!(
            run.status.code(),
            Some(2),
            "{expires}: {}",
            text(&run.stderr)
        );
        assert!(text(&run.stderr).contains(said), "{}", text(&run.stderr));
    }
    let configured = ["alert", "send", "--config", "sip.toml", "--kind", "urgent"];
    let over = [&configured[..], &message[..], &["--expires-in", "2h"]].concat();
    let run = buurtbel(dir, &over);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("longer than 1h"),
        "{}",
        text(&run.stderr)
    );
    let within = [&configured[..], &message[..], &["--expires-in", "1h"]].concat();
    let run = buurtbel(dir, &within);
    assert!(run.status.success(), "{}", text(&run.stderr));
}
