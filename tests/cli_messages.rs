//! What the command line says, through the real binary: a configuration file is checked
//! whole by every command, with the same words; a missing one points at the example; a flag
//! taking one of a few words lists them; one of a thing is not "1 things"; logs are coloured
//! only on a terminal. Names and numbers are fictional.

#[path = "common/cli.rs"]
mod cli;

use cli::{buurtbel, text};
use std::path::Path;
use std::process::Output;

const TRUNK: &str = "[trunk]\nproxy = \"127.0.0.1:9\"\ndomain = \"trunk.test\"\n";

/// The `error: …` line of a refused run, after checking it exited 2.
fn refusal(run: &Output, what: &str) -> String {
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{what}: {stderr}");
    stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_else(|| panic!("{what}: no error line in {stderr}"))
        .to_owned()
}

/// Every command that takes `--config`, reading `sip.toml`.
fn every_command() -> Vec<(&'static str, Vec<&'static str>)> {
    let config = ["--config", "sip.toml"];
    let with = |args: &[&'static str]| [args, &config[..]].concat();
    vec![
        ("call", with(&["call", "--to", "1234"])),
        ("serve", with(&["serve"])),
        ("phones", with(&["phones"])),
        ("members export", with(&["members", "export"])),
        (
            "members import",
            with(&["members", "import", "--network", "BIN Een", "leden.csv"]),
        ),
        (
            "alert send",
            with(&[
                "alert",
                "send",
                "--network",
                "BIN Een",
                "--kind",
                "urgent",
                "--text-nl",
                "Een test.",
            ]),
        ),
        ("alert cancel", with(&["alert", "cancel", "no-such-alert"])),
        ("alert list", with(&["alert", "list"])),
        ("alert show", with(&["alert", "show", "no-such-alert"])),
        ("status", with(&["status"])),
        ("say", with(&["say", "--text", "hallo", "--dry-run"])),
    ]
}

fn write(dir: &Path, name: &str, contents: &str) {
    std::fs::write(dir.join(name), contents).unwrap();
}

#[test]
fn a_typo_anywhere_in_the_configuration_is_refused_by_every_command_alike() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "leden.csv",
        "name,phone\nJan Voorbeeld,+32470000001\n",
    );
    for (typo, said) in [
        (
            "[media]\ncodec = [\"PCMA\"]\n",
            "sip.toml: key `media.codec`: unknown field `codec`",
        ),
        (
            "[database]\nuri = \"sqlite:chain.db\"\n",
            "sip.toml: key `database.uri`: unknown field `uri`",
        ),
        (
            "[speech]\nmessage_repeats = 9\n",
            "sip.toml: key `speech.message_repeats`: must be 1 to 5",
        ),
        ("[sip]\nt1 = 0\n", "sip.toml: key `sip.t2`"),
        (
            "[trunk]\nproxy = \"127.0.0.1:9\"\ndomain = \"\"\n",
            "key `trunk.domain`",
        ),
    ] {
        let file = if typo.starts_with("[trunk]") {
            typo.to_owned()
        } else {
            format!("{TRUNK}{typo}")
        };
        write(dir.path(), "sip.toml", &file);
        let mut lines = Vec::new();
        for (command, args) in every_command() {
            let line = refusal(&buurtbel(dir.path(), &args), command);
            assert!(line.contains(said), "{command}: {line}");
            lines.push((command, line));
        }
        let (_, by_call) = &lines[0];
        for (command, line) in &lines {
            assert_eq!(line, by_call, "{command} says what call says");
        }
    }
}

#[test]
fn a_command_that_places_no_call_needs_no_trunk_but_one_that_does_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.db");
    write(
        dir.path(),
        "sip.toml",
        &format!("[database]\nurl = \"sqlite:{}\"\n", db.display()),
    );
    let export = buurtbel(dir.path(), &["members", "export", "--config", "sip.toml"]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let say = buurtbel(
        dir.path(),
        &[
            "say",
            "--config",
            "sip.toml",
            "--text",
            "hallo",
            "--dry-run",
        ],
    );
    assert!(say.status.success(), "{}", text(&say.stderr));

    let call = buurtbel(
        dir.path(),
        &["call", "--config", "sip.toml", "--to", "1234"],
    );
    let line = refusal(&call, "call");
    assert!(line.contains("sip.toml: key `trunk`: missing"), "{line}");
}

#[test]
fn a_missing_configuration_points_at_the_example() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "leden.csv",
        "name,phone\nJan Voorbeeld,+32470000001\n",
    );
    for (command, args) in every_command() {
        let line = refusal(&buurtbel(dir.path(), &args), command);
        assert_eq!(
            line,
            "error: cannot read sip.toml: no such file; copy sip.example.toml to start \
             (installed: /usr/share/doc/buurtbel/sip.example.toml)",
            "{command}"
        );
    }
}

#[test]
fn alert_send_help_says_what_it_reads_of_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let help = text(&buurtbel(dir.path(), &["alert", "send", "--help"]).stdout);
    let config = help
        .split("--config <CONFIG>")
        .nth(1)
        .expect("--config in the help");
    let config = config.split("--database").next().unwrap_or_default();
    let config = config.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!config.contains("only"), "{config}");
    for section in ["[database]", "[chain]", "[speech]", "checked whole"] {
        assert!(config.contains(section), "{section}: {config}");
    }
}

#[test]
fn a_flag_taking_one_of_a_few_words_lists_them_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (args, said) in [
        (
            &["alert", "send", "--network", "BIN Een", "--kind", "urgnet"][..],
            "invalid value 'urgnet' for '--kind <KIND>'\n  [possible values: urgent, prevention, feedback]",
        ),
        (
            &[
                "members",
                "import",
                "--network",
                "BIN Een",
                "--create",
                "--kind",
                "village",
                "leden.csv",
            ],
            "invalid value 'village' for '--kind <KIND>'\n  [possible values: residential, business, rural]",
        ),
        (
            &[
                "members",
                "import",
                "--network",
                "BIN Een",
                "--create",
                "--language",
                "nederlands",
                "leden.csv",
            ],
            "invalid value 'nederlands' for '--language <LANGUAGE>'\n  [possible values: nl, fr, de, en]",
        ),
        (
            &["say", "--lang", "vlaams", "--text", "hallo", "--dry-run"],
            "invalid value 'vlaams' for '--lang <LANG>'\n  [possible values: nl, fr, de, en]",
        ),
        (
            &[
                "call", "--config", "sip.toml", "--to", "1234", "--lang", "be",
            ],
            "invalid value 'be' for '--lang <LANG>'\n  [possible values: nl, fr, de, en]",
        ),
        (
            &["say", "--engine", "espeak", "--text", "hallo", "--dry-run"],
            "invalid value 'espeak' for '--engine <ENGINE>'\n  [possible values: builtin, espeak-ng, piper, command]",
        ),
    ] {
        let run = buurtbel(dir.path(), args);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(!stderr.contains("is not a"), "{stderr}");
    }
    let regional = buurtbel(
        dir.path(),
        &["say", "--lang", "nl-BE", "--text", "bel 101", "--dry-run"],
    );
    assert!(regional.status.success(), "{}", text(&regional.stderr));
    assert_eq!(text(&regional.stdout).trim(), "bel één nul één");
}

#[test]
fn one_member_and_no_call_are_counted_in_good_english() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("chain.db").display());
    write(
        dir.path(),
        "leden.csv",
        "name,phone\nJan Voorbeeld,+32470000001\n",
    );
    let import = [
        "members",
        "import",
        "--database",
        &db,
        "--network",
        "BIN Een",
    ];
    let run = buurtbel(
        dir.path(),
        &[&import[..], &["--create", "leden.csv"]].concat(),
    );
    assert!(run.status.success(), "{}", text(&run.stderr));

    let send = [
        "alert",
        "send",
        "--database",
        &db,
        "--network",
        "BIN Een",
        "--kind",
        "urgent",
        "--text-nl",
        "Een test.",
        "--key",
        "oefening-1",
    ];
    let run = buurtbel(dir.path(), &send);
    let said = text(&run.stdout);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        said.trim_end().ends_with("(urgent) sending to 1 member"),
        "{said}"
    );
    let id = said.split_whitespace().nth(1).expect("the alert's id");

    let run = buurtbel(dir.path(), &["alert", "cancel", "--database", &db, id]);
    assert_eq!(
        text(&run.stdout).trim(),
        format!("alert {id} cancelled; 0 calls in progress are ending")
    );

    // Followed again under its key: the summary of an alert that called nobody.
    let run = buurtbel(dir.path(), &[&send[..], &["--follow"]].concat());
    let said = text(&run.stdout);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        said.contains(&format!("alert {id} cancelled: nobody was called")),
        "{said}"
    );
}

/// Runs `buurtbel ARGS` on a terminal (through `script`), `NO_COLOR` as given; what the
/// terminal showed. `None` where `script` is missing.
fn on_a_terminal(dir: &Path, args: &str, no_color: Option<&str>) -> Option<String> {
    let mut script = std::process::Command::new("script");
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_buurtbel"));
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env("RUST_LOG", "info")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        script.env("NO_COLOR", value);
    }
    let output = script.output().ok()?;
    assert!(output.status.success(), "{}", text(&output.stdout));
    Some(text(&output.stdout))
}

#[test]
fn logs_are_coloured_only_on_a_terminal_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "leden.csv",
        "name,phone\nJan Voorbeeld,+32470000001\n",
    );
    let import = "members import --database sqlite:chain.db --network 'BIN Een' --create leden.csv";

    let mut piped = std::process::Command::new(env!("CARGO_BIN_EXE_buurtbel"));
    piped
        .args([
            "members",
            "import",
            "--database",
            "sqlite:piped.db",
            "--network",
            "BIN Een",
        ])
        .args(["--create", "leden.csv"])
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR");
    let run = piped.output().expect("run buurtbel");
    let logged = text(&run.stderr);
    assert!(logged.contains("members imported"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "no colour into a pipe: {logged:?}"
    );

    let Some(coloured) = on_a_terminal(dir.path(), import, None) else {
        eprintln!("skipped on a terminal: no `script` program");
        return;
    };
    assert!(coloured.contains("members imported"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}["),
        "colour on a terminal: {coloured:?}"
    );
    let plain = on_a_terminal(dir.path(), import, Some("1")).expect("script ran before");
    assert!(plain.contains("members imported"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain:?}");
}

#[test]
fn serve_names_the_tls_key_whose_file_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "api.crt", "not a certificate\n");
    let api = "[api]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"api.crt\"\ntls_key = \"api.key\"\n";
    write(dir.path(), "sip.toml", &format!("{TRUNK}{api}"));
    let line = refusal(
        &buurtbel(dir.path(), &["serve", "--config", "sip.toml"]),
        "serve",
    );
    assert_eq!(
        line,
        "error: [api] tls_cert = \"api.crt\": holds no certificate (-----BEGIN CERTIFICATE-----)"
    );
    write(dir.path(), "api.crt", &test_certificate());
    let line = refusal(
        &buurtbel(dir.path(), &["serve", "--config", "sip.toml"]),
        "serve",
    );
    assert!(
        line.starts_with("error: [api] tls_key = \"api.key\": cannot read:"),
        "{line}"
    );
}

/// A self-signed certificate for `localhost`, PEM.
fn test_certificate() -> String {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    made.cert.pem()
}
