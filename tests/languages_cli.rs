//! The languages a network's members need, through the real binary: `members import --create
//! --languages nl,fr` records them, and `alert send` refuses an alert without a text in each
//! (exit 2, the missing languages named) before anything is sent. Names and numbers are
//! fictional.

#[path = "common/cli.rs"]
mod cli;

use cli::{buurtbel, text};

#[test]
fn an_alert_to_a_bilingual_network_needs_both_texts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("chain.db").display());
    std::fs::write(
        dir.path().join("leden.csv"),
        "name,phone,language,consent\nTest Lid Een,+32470000001,fr,2026-05-01\n",
    )
    .unwrap();
    let import = [
        "members",
        "import",
        "--database",
        &db,
        "--network",
        "BIN Tweetalig",
        "--create",
        "--languages",
        "nl,fr",
        "leden.csv",
    ];
    let run = buurtbel(dir.path(), &import);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let send = |texts: &[&str]| {
        let mut args = vec![
            "alert",
            "send",
            "--database",
            &db,
            "--network",
            "BIN Tweetalig",
            "--kind",
            "urgent",
            "--drill",
        ];
        args.extend(texts);
        buurtbel(dir.path(), &args)
    };
    let refused = send(&["--text-nl", "Een test."]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    let error = stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default();
    assert_eq!(
        error,
        "error: the networks need the message in fr: add --text-fr \"…\""
    );
    assert!(text(&refused.stdout).is_empty());

    let sent = send(&["--text-nl", "Een test.", "--text-fr", "Un test."]);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(text(&sent.stdout).contains("sending to 1 member"));

    let export = buurtbel(
        dir.path(),
        &[
            "members",
            "export",
            "--database",
            &db,
            "--network",
            "BIN Tweetalig",
        ],
    );
    assert!(text(&export.stdout).contains(",2026-05-01\n"));
}

#[test]
fn languages_are_checked_and_need_a_new_network() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leden.csv"), "name,phone\nA,+32470000001\n").unwrap();
    let unknown = buurtbel(
        dir.path(),
        &[
            "members",
            "import",
            "--network",
            "BIN X",
            "--create",
            "--languages",
            "nl,es",
            "leden.csv",
        ],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("es"),
        "{}",
        text(&unknown.stderr)
    );
    let without_create = buurtbel(
        dir.path(),
        &[
            "members",
            "import",
            "--network",
            "BIN X",
            "--languages",
            "nl",
            "leden.csv",
        ],
    );
    assert_eq!(without_create.status.code(), Some(2));
    assert!(text(&without_create.stderr).contains("--create"));
}
