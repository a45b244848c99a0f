//! Reaching the database without exposing it: a SQLite file (and the `-wal` and `-shm` files
//! SQLite creates beside it with the file's own mode) is created readable by its owner only,
//! whatever the umask, since it holds names and telephone numbers; a database URL is shown
//! only through [`redacted_url`], never with its password; and a PostgreSQL server that
//! cannot be reached is reported at once with the cause and the address, instead of after the
//! pool's 30 s of retries.

use super::{ConnectFailure, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long the first connection to PostgreSQL may take before the server is reported
/// unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `url` with any password replaced by `***`: the one form in which a database URL is shown,
/// in errors, logs and start-up lines.
pub fn redacted_url(url: &str) -> String {
    // A password may hold `/`, `?` or `@` unencoded: the user part ends at the last `@`, and
    // the query starts after it.
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (userinfo, after) = match rest.rsplit_once('@') {
        Some((userinfo, after)) => (Some(userinfo), after),
        None => (None, rest),
    };
    let (host_path, query) = match after.split_once('?') {
        Some((host_path, query)) => (host_path, Some(query)),
        None => (after, None),
    };
    let mut shown = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    match userinfo {
        Some(userinfo) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            shown.push_str(&format!("{user}:***@"));
        }
        Some(userinfo) => shown.push_str(&format!("{userinfo}@")),
        None => {}
    }
    shown.push_str(host_path);
    if let Some(query) = query {
        let params: Vec<String> = query.split('&').map(redact_param).collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

/// `password=…` (and `sslpassword=…`, any case) → `password=***`.
fn redact_param(param: &str) -> String {
    match param.split_once('=') {
        Some((name, _)) if name.to_ascii_lowercase().contains("password") => {
            format!("{name}=***")
        }
        _ => param.to_owned(),
    }
}

/// Creates the SQLite file a URL names, empty and owner-only, if it does not exist yet; an
/// existing file keeps the mode its owner gave it. Anything that goes wrong here is left for
/// SQLite to report when it opens the file.
pub(super) fn create_private_sqlite(url: &str) {
    let Ok(options) = sqlx::sqlite::SqliteConnectOptions::from_str(url) else {
        return;
    };
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path.exists() {
        return;
    }
    let _ = create_private_file(path);
}

/// The notice file beside a SQLite database file (`buurtbel.db.notice`); `None` in memory.
pub(super) fn sqlite_notice_file(url: &str) -> Option<std::path::PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() {
        return None;
    }
    let mut name = path.as_os_str().to_owned();
    name.push(".notice");
    Some(name.into())
}

/// Writes `content` to the file, creating it readable by its owner only.
pub(super) fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = match create_private_file(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::OpenOptions::new().write(true).open(path)?
        }
        Err(e) => return Err(e),
    };
    file.write_all(content)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// A pool on PostgreSQL, once one connection has shown the server answers: a refused or
/// unanswered connection is an error within [`CONNECT_TIMEOUT`] naming `host:port` and the
/// cause, where the pool would retry for 30 s and then say only that it timed out.
pub(super) async fn postgres_pool(url: &str) -> Result<AnyPool, StoreError> {
    postgres_pool_of(url, 10).await
}

/// A pool of at most `connections` to a PostgreSQL server; see [`postgres_pool`].
pub(super) async fn postgres_pool_of(url: &str, connections: u32) -> Result<AnyPool, StoreError> {
    let address = postgres_address(url);
    let unreachable = |cause| StoreError::Unreachable {
        address: address.clone(),
        cause,
    };
    let options = AnyConnectOptions::from_str(url)?;
    let first = tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await;
    match first {
        Err(_) => {
            return Err(unreachable(ConnectFailure::Silent(CONNECT_TIMEOUT)));
        }
        Ok(Err(sqlx::Error::Io(error))) => return Err(unreachable(io_cause(error))),
        Ok(Err(error)) => return Err(error.into()),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
        }
    }
    Ok(AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(|connection, _| {
            Box::pin(async move {
                // A gateway paused or cut off in the middle of a transaction must not hold
                // its row locks past its lease: the server ends such a session well before
                // another instance needs the rows to take over.
                sqlx::query("SET idle_in_transaction_session_timeout = '5s'")
                    .execute(connection)
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// `host:port` of a PostgreSQL URL, as the driver reads it (a socket folder for a local one).
fn postgres_address(url: &str) -> String {
    match sqlx::postgres::PgConnectOptions::from_str(url) {
        Ok(options) => format!("{}:{}", options.get_host(), options.get_port()),
        Err(_) => redacted_url(url),
    }
}

/// The cause in the words an operator searches for.
fn io_cause(error: std::io::Error) -> ConnectFailure {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => ConnectFailure::Refused(error),
        _ => ConnectFailure::Io(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let cases = [
            (
                "postgres://buurtbel:geheim@db.example:5432/bin",
                "postgres://buurtbel:***@db.example:5432/bin",
            ),
            (
                "postgresql://u:p%40ss@[::1]/db?sslmode=require&password=geheim",
                "postgresql://u:***@[::1]/db?sslmode=require&password=***",
            ),
            (
                "postgres://db.example/bin?user=u&PassWord=geheim&sslpassword=x",
                "postgres://db.example/bin?user=u&PassWord=***&sslpassword=***",
            ),
            ("postgres://u@db.example/bin", "postgres://u@db.example/bin"),
            ("sqlite:buurtbel.db?mode=rwc", "sqlite:buurtbel.db?mode=rwc"),
            ("mysql://root:geheim@h/db", "mysql://root:***@h/db"),
        ];
        for (url, shown) in cases {
            assert_eq!(redacted_url(url), shown);
        }
        for leaky in [
            "postgres://a:b:c@h/d",
            "postgres://u:ge/heim@h/d",
            "postgres://u:ge?heim@h/d",
            "postgres://u:ge@heim@h/d",
        ] {
            let shown = redacted_url(leaky);
            assert!(!shown.contains("heim") && !shown.contains("b:c"), "{shown}");
            assert!(shown.contains("@h/d"), "{shown}");
        }
    }
}
