//! Personal data and secrets: the SQLite database and the speech cache are created readable by
//! their owner only whatever the umask, a database URL is never shown with its password, a
//! PostgreSQL server that refuses connections is reported at once with the cause and the
//! address, and an unwritable home does not stop `say`. Names and numbers are fictional.

#[path = "common/cli.rs"]
mod cli;

use buurtbel::speech::{Language, Speech, SpeechSettings};
use buurtbel::store::{NetworkKind, NewNetwork, Store, StoreError};
use cli::{buurtbel, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file and folder under `dir`, with its mode, but for the built-in engine's data (public,
/// and inside the private folder).
fn modes_under(dir: &Path, found: &mut Vec<(String, bool, u32)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if entry
            .file_name()
            .to_string_lossy()
            .contains("espeak-ng-data")
        {
            continue;
        }
        let is_dir = path.is_dir();
        found.push((path.display().to_string(), is_dir, mode(&path)));
        if is_dir {
            modes_under(&path, found);
        }
    }
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn the_database_and_the_speech_cache_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: umask only changes the mode of files created afterwards; the previous one is
    // put back below.
    let before = unsafe { libc::umask(0) };

    let db = dir.path().join("chain.db");
    let store = Store::open(&format!("sqlite:{}", db.display()))
        .await
        .expect("open");
    let network = NewNetwork {
        name: "BIN Teststraat".into(),
        kind: NetworkKind::Residential,
        police_zone: "Zone Test".into(),
        language: "nl".into(),
        caller_id: "+3220000000".into(),
        ring_timeout_ms: None,
        retry_policy: None,
    };
    store.create_network(network, 0).await.expect("write");
    let files = ["chain.db", "chain.db-wal", "chain.db-shm"];
    let database_modes: Vec<(&str, u32)> = files
        .iter()
        .map(|name| (*name, mode(&dir.path().join(name))))
        .collect();
    store.close().await;

    let cache = dir.path().join("cache").join("buurtbel");
    let speech = Speech::new(SpeechSettings {
        cache_dir: cache.clone(),
        ..SpeechSettings::default()
    })
    .expect("built-in speech");
    speech
        .message("Een test.", Language::Nl, 1.0)
        .expect("spoken");
    let mut cached = vec![(cache.display().to_string(), true, mode(&cache))];
    modes_under(&cache, &mut cached);

    unsafe { libc::umask(before) };
    for (name, mode) in database_modes {
        assert_eq!(mode, 0o600, "{name}: {mode:o}");
    }
    assert!(cached.iter().any(|(path, _, _)| path.ends_with(".wav")));
    for (path, is_dir, mode) in cached {
        let expected = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{path}: {mode:o}");
    }
}

#[tokio::test]
async fn a_refused_postgres_connection_names_the_cause_and_the_address() {
    let port = closed_port();
    let url = format!("postgres://buurtbel:geheim-wachtwoord@127.0.0.1:{port}/bin");
    let error = Store::open(&url).await.expect_err("nothing listens");
    assert!(matches!(error, StoreError::Unreachable { .. }), "{error:?}");
    let said = error.to_string();
    assert!(said.contains("connection refused"), "{said}");
    assert!(said.contains(&format!("127.0.0.1:{port}")), "{said}");
    assert!(!said.contains("geheim"), "{said}");
}

#[test]
fn a_database_url_is_never_printed_with_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let urls = [
        (
            "mysql://beheerder:geheim-wachtwoord@db.example/bin",
            "mysql://beheerder:***@db.example/bin",
        ),
        (
            &format!("postgres://beheerder:geheim-wachtwoord@127.0.0.1:{port}/bin"),
            "connection refused",
        ),
        (
            &format!("postgres://127.0.0.1:{port}/bin?user=beheerder&password=geheim-wachtwoord"),
            "connection refused",
        ),
    ];
    for (url, said) in urls {
        let run = buurtbel(dir.path(), &["members", "export", "--database", url]);
        let stderr = text(&run.stderr);
        assert!(!run.status.success(), "{url}");
        assert!(stderr.contains(said), "{url}: {stderr}");
        assert!(!stderr.contains("geheim"), "{url}: {stderr}");
        assert!(!text(&run.stdout).contains("geheim"), "{url}");
    }
}

#[test]
fn say_speaks_when_the_home_folder_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    // A folder under a regular file cannot be created, not even by root.
    let home = file.join("home");
    let run = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args([
            "say",
            "--lang",
            "nl",
            "--text",
            "Een test.",
            "--out",
            "test.wav",
        ])
        .current_dir(dir.path())
        .env("HOME", &home)
        .env_remove("XDG_CACHE_HOME")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run buurtbel");
    let stderr = text(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(dir.path().join("test.wav").exists());
    assert!(stderr.contains("temporary folder"), "{stderr}");
}
