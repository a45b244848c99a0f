//! `buurtbel members import` and `export` end to end: the real binary against a SQLite file in
//! a temporary folder. Every name and number here is fictional.

use buurtbel::members::{MemberRow, read_csv};
use std::path::Path;
use std::process::{Command, Output};

const NETWORK: &str = "BIN Teststraat";

const GOOD: &str = "name,phone,phone2,language,channel\n\
                    Test Lid Een,+3250000001,,nl,voice\n\
                    Test Lid Twee,0470 00 00 02,+3250000003,fr,voice_then_sms\n\
                    Test Lid Drie,+32470000004,,de,sms\n";

fn buurtbel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run buurtbel")
}

fn database(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

fn import(dir: &Path, db: &str, file: &str, extra: &[&str]) -> Output {
    let mut args = vec!["members", "import", "--database", db, "--network", NETWORK];
    args.extend(extra);
    args.push(file);
    buurtbel(dir, &args)
}

fn export(dir: &Path, db: &str) -> Vec<MemberRow> {
    let run = buurtbel(
        dir,
        &["members", "export", "--database", db, "--network", NETWORK],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    read_csv(run.stdout.as_slice()).expect("export reads back")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn names(rows: &[MemberRow]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn import_creates_members_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("members.csv"), GOOD).unwrap();

    let first = import(dir.path(), &db, "members.csv", &["--create"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(
        text(&first.stdout).trim(),
        "BIN Teststraat (new network): 3 created, 0 updated, 0 unchanged; \
         columns separated by commas"
    );

    let again = import(dir.path(), &db, "members.csv", &["--json"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).expect("one object");
    assert_eq!(summary["network"], NETWORK);
    assert_eq!(summary["network_created"], false);
    assert_eq!(
        (
            &summary["created"],
            &summary["updated"],
            &summary["unchanged"]
        ),
        (&0.into(), &0.into(), &3.into())
    );

    let rows = export(dir.path(), &db);
    assert_eq!(
        names(&rows),
        ["Test Lid Drie", "Test Lid Een", "Test Lid Twee"]
    );
    assert_eq!(rows[2].phones, ["+32470000002", "+3250000003"]);
}

/// What a spreadsheet program in a Belgian locale saves: `;` between columns, a decimal
/// comma, a byte-order mark, CRLF line ends, and a `;` inside a quoted name.
const SEMICOLONS: &str = "\u{feff}name;phone;phone2;language;channel;speech_rate\r\n\
                          \"Lid; Test Een\";+3250000001;;nl;voice;0,85\r\n\
                          Test Lid Twee;0470 00 00 02;+3250000003;fr;voice_then_sms;\r\n";

#[test]
fn a_semicolon_file_is_read_and_the_summary_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("leden.csv"), SEMICOLONS).unwrap();
    let run = import(dir.path(), &db, "leden.csv", &["--create"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout).trim(),
        "BIN Teststraat (new network): 2 created, 0 updated, 0 unchanged; \
         columns separated by semicolons"
    );
    let rows = export(dir.path(), &db);
    assert_eq!(names(&rows), ["Lid; Test Een", "Test Lid Twee"]);
    assert_eq!(rows[0].speech_rate, 0.85);
    assert_eq!(rows[1].phones, ["+32470000002", "+3250000003"]);

    let again = import(dir.path(), &db, "leden.csv", &["--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).expect("one object");
    assert_eq!(summary["separator"], ";");
    assert_eq!(summary["unchanged"], 2);

    let bad = "name;phone\r\nTest Lid Een;+3250000001\r\nTest Lid Twee;12\r\n";
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let run = import(dir.path(), &db, "bad.csv", &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("bad.csv:3: phone"),
        "the line as an editor counts it: {stderr}"
    );

    std::fs::write(
        dir.path().join("typo.csv"),
        "name;phonee\nTest Lid Een;+3250000001\n",
    )
    .unwrap();
    let typo = import(dir.path(), &db, "typo.csv", &[]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("typo.csv:1: unknown column `phonee`"),
        "{}",
        text(&typo.stderr)
    );
}

#[test]
fn a_bad_row_is_named_by_its_line_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("members.csv"), GOOD).unwrap();
    let first = import(dir.path(), &db, "members.csv", &["--create"]);
    assert!(first.status.success(), "{}", text(&first.stderr));

    let bad = "name,phone,phone2,language,channel\n\
               Test Lid Vier,+32470000005,,nl,voice\n\
               Test Lid Vijf,12,,nl,voice\n\
               Test Lid Zes,+32470000006,,nl,voice\n";
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let run = import(dir.path(), &db, "bad.csv", &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("bad.csv:3: phone"), "{stderr}");
    assert!(
        !stderr.contains("bad.csv:2:") && !stderr.contains("bad.csv:4:"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing imported"), "{stderr}");
    assert!(run.stdout.is_empty());

    let rows = export(dir.path(), &db);
    assert_eq!(
        names(&rows),
        ["Test Lid Drie", "Test Lid Een", "Test Lid Twee"]
    );
}

#[test]
fn export_then_import_into_a_fresh_database_gives_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let old = database(dir.path(), "old.db");
    let file = "name,phone,phone2,language,channel,speech_rate,quiet_start,quiet_end\n\
                \"Lid, Test Een\",+3250000001,+32470000001,nl,voice,0.85,22:00,07:30\n\
                Test Lid Twee,+32470000002,,en,sms,,,\n";
    std::fs::write(dir.path().join("members.csv"), file).unwrap();
    let run = import(dir.path(), &old, "members.csv", &["--create"]);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let out = buurtbel(
        dir.path(),
        &[
            "members",
            "export",
            "--database",
            &old,
            "--out",
            "export.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "the CSV goes to --out only");
    let exported = std::fs::read(dir.path().join("export.csv")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("export.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "personal data readable by its owner only");
    }

    let fresh = database(dir.path(), "fresh.db");
    let run = import(dir.path(), &fresh, "export.csv", &["--create"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout).trim(),
        "BIN Teststraat (new network): 2 created, 0 updated, 0 unchanged; \
         columns separated by commas"
    );
    let original = read_csv(file.as_bytes()).unwrap();
    assert_eq!(read_csv(exported.as_slice()).unwrap(), original);
    assert_eq!(export(dir.path(), &fresh), original);
}

#[test]
fn an_unknown_network_is_refused_without_create() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("members.csv"), GOOD).unwrap();
    let run = import(dir.path(), &db, "members.csv", &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("no network named `BIN Teststraat`"),
        "{stderr}"
    );
    assert!(stderr.contains("--create"), "{stderr}");

    let run = buurtbel(
        dir.path(),
        &["members", "export", "--database", &db, "--network", NETWORK],
    );
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn the_database_comes_from_the_configuration_or_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("members.csv"), GOOD).unwrap();
    let args = [
        "members",
        "import",
        "--network",
        NETWORK,
        "--create",
        "members.csv",
    ];
    let run = buurtbel(dir.path(), &args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(dir.path().join("buurtbel.db").exists());

    let config = dir.path().join("buurtbel.toml");
    std::fs::write(&config, "[database]\nurl = \"sqlite:configured.db\"\n").unwrap();
    let with_config = [&args[..2], &["--config", "buurtbel.toml"], &args[2..]].concat();
    let run = buurtbel(dir.path(), &with_config);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(dir.path().join("configured.db").exists());
}

#[test]
fn a_missing_file_or_a_bad_header_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    let missing = import(dir.path(), &db, "absent.csv", &["--create"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("absent.csv"));

    std::fs::write(
        dir.path().join("typo.csv"),
        "name,phonee\nTest Lid Een,+3250000001\n",
    )
    .unwrap();
    let typo = import(dir.path(), &db, "typo.csv", &["--create"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("unknown column `phonee`"));
}

/// One landline in three spellings with three names: three members reached through one
/// contact point, and the summary says so.
const HOUSEHOLD: &str = "name,phone,phone2\n\
                         Jan Voorbeeld,0470 00 00 01,\n\
                         Marie Voorbeeld,+32470000001,+32470000009\n\
                         Piet Voorbeeld,0032470000001,\n\
                         Test Lid Vier,+3250000004,\n";

#[test]
fn a_shared_number_is_three_members_and_the_summary_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("members.csv"), HOUSEHOLD).unwrap();
    let run = import(dir.path(), &db, "members.csv", &["--create"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout).trim(),
        "BIN Teststraat (new network): 4 created, 0 updated, 0 unchanged; \
         3 members share 1 number; columns separated by commas"
    );
    let rows = export(dir.path(), &db);
    assert_eq!(
        names(&rows),
        [
            "Jan Voorbeeld",
            "Marie Voorbeeld",
            "Piet Voorbeeld",
            "Test Lid Vier"
        ]
    );
    assert!(rows[..3].iter().all(|r| r.phones[0] == "+32470000001"));
    assert_eq!(rows[1].phones, ["+32470000001", "+32470000009"]);

    let again = import(dir.path(), &db, "members.csv", &["--json"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).expect("one object");
    assert_eq!(
        (
            &summary["created"],
            &summary["unchanged"],
            &summary["shared_numbers"],
            &summary["members_sharing"]
        ),
        (&0.into(), &4.into(), &1.into(), &3.into())
    );
    assert_eq!(export(dir.path(), &db).len(), 4);
}

#[test]
fn a_corrected_file_updates_and_never_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    let first = "member_id,name,phone,language\n\
                 V-1,Jan Voorbeld,0470 00 00 01,nl\n\
                 V-2,Marie Voorbeeld,0470 00 00 01,nl\n\
                 ,Test Lid Drie,+3250000003,nl\n";
    std::fs::write(dir.path().join("members.csv"), first).unwrap();
    let run = import(dir.path(), &db, "members.csv", &["--create"]);
    assert!(run.status.success(), "{}", text(&run.stderr));

    // A name and a language corrected under their member_id, and a name corrected on a
    // number nobody else has.
    let corrected = "member_id,name,phone,language\n\
                     V-1,Jan Voorbeeld,0470 00 00 01,nl\n\
                     V-2,Marie Voorbeeld,0470 00 00 01,fr\n\
                     ,Test Lid Drie Bis,+3250000003,nl\n";
    std::fs::write(dir.path().join("members.csv"), corrected).unwrap();
    let run = import(dir.path(), &db, "members.csv", &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout).trim(),
        "BIN Teststraat: 0 created, 3 updated, 0 unchanged; 2 members share 1 number; \
         columns separated by commas"
    );
    let rows = export(dir.path(), &db);
    assert_eq!(
        names(&rows),
        ["Jan Voorbeeld", "Marie Voorbeeld", "Test Lid Drie Bis"]
    );
    assert_eq!(rows[0].member_id.as_deref(), Some("V-1"));
    assert_eq!(rows[1].language.code(), "fr");
    assert_eq!(rows[2].member_id, None);

    // The export reads back as the same members: nothing new, nothing changed.
    let exported = buurtbel(
        dir.path(),
        &[
            "members",
            "export",
            "--database",
            &db,
            "--network",
            NETWORK,
            "--out",
            "export.csv",
        ],
    );
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let run = import(dir.path(), &db, "export.csv", &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("0 created, 0 updated, 3 unchanged"),
        "{}",
        text(&run.stdout)
    );
}

#[test]
fn the_same_member_twice_names_both_lines_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    let twice = "name,phone\n\
                 Jan Voorbeeld,0470 00 00 01\n\
                 Marie Voorbeeld,0470 00 00 01\n\
                 jan voorbeeld,+32470000001\n";
    std::fs::write(dir.path().join("twice.csv"), twice).unwrap();
    let run = import(dir.path(), &db, "twice.csv", &["--create"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("twice.csv:4: the same member as line 2"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing imported"), "{stderr}");
    let network = buurtbel(
        dir.path(),
        &["members", "export", "--database", &db, "--network", NETWORK],
    );
    assert_eq!(network.status.code(), Some(2), "not even the network");

    std::fs::write(dir.path().join("typo.csv"), "name,phonee\nA,1\n").unwrap();
    let run = import(dir.path(), &db, "typo.csv", &["--create"]);
    assert!(
        text(&run.stderr).contains("typo.csv:1: unknown column `phonee`"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn a_created_network_covers_the_codes_given_and_a_wrong_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), "chain.db");
    std::fs::write(dir.path().join("members.csv"), GOOD).unwrap();
    let wrong = import(
        dir.path(),
        &db,
        "members.csv",
        &["--create", "--nis-codes", "9900"],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("`9900` is not 5 digits"),
        "{}",
        text(&wrong.stderr)
    );
    let run = import(
        dir.path(),
        &db,
        "members.csv",
        &[
            "--create",
            "--nis-codes",
            "99001",
            "--postal-codes",
            "9990,9991",
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let areas = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = buurtbel::store::Store::open(&db).await.expect("open");
        let network = store
            .network_by_name(NETWORK)
            .await
            .unwrap()
            .expect("network");
        store.network_areas(&network.id).await.expect("areas")
    });
    let codes: Vec<(&str, &str)> = areas
        .iter()
        .map(|a| (a.scheme.as_str(), a.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("nis", "99001"), ("postal", "9990"), ("postal", "9991")]
    );
}
