//! Runs a test body once per database: on SQLite always, in a file of a fresh temporary
//! folder, and on PostgreSQL too when `BUURTBEL_TEST_POSTGRES` holds a URL (`.ci/run` sets it),
//! in a fresh schema reached through `options=-c search_path=…` and dropped afterwards. Each
//! run has a database of its own, so tests run in parallel and again.

use std::future::Future;

/// Runs `test` on SQLite, then on PostgreSQL if configured, each in a database of its own.
#[allow(dead_code)] // not every test binary runs on both
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("buurtbel.db").display());
    if let Err(panic) = tokio::spawn(test(url)).await {
        eprintln!("failed on SQLite");
        std::panic::resume_unwind(panic.into_panic());
    }
    let Ok(base) = std::env::var("BUURTBEL_TEST_POSTGRES") else {
        return;
    };
    if let Err(panic) = in_fresh_schema(&base, test).await {
        eprintln!("failed on PostgreSQL");
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// Runs `test` on PostgreSQL only, in a fresh schema; skipped (with a note) when
/// `BUURTBEL_TEST_POSTGRES` is not set.
#[allow(dead_code)] // not every test binary needs PostgreSQL alone
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(base) = std::env::var("BUURTBEL_TEST_POSTGRES") else {
        eprintln!("BUURTBEL_TEST_POSTGRES is not set; skipped (.ci/run sets it)");
        return;
    };
    if let Err(panic) = in_fresh_schema(&base, test).await {
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// Runs `test` on a fresh schema of the PostgreSQL at `base`, dropped afterwards.
async fn in_fresh_schema<F, Fut>(base: &str, test: F) -> Result<(), tokio::task::JoinError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let schema = format!("buurtbel_test_{:016x}", rand::random::<u64>());
    admin(base, &format!("CREATE SCHEMA {schema}")).await;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let outcome = tokio::spawn(test(url)).await;
    admin(base, &format!("DROP SCHEMA {schema} CASCADE")).await;
    outcome
}

/// Runs one statement on the PostgreSQL at `url`.
pub async fn admin(url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut connection = sqlx::PgConnection::connect(url).await.expect("PostgreSQL");
    connection.execute(sql).await.expect(sql);
    connection.close().await.expect("close");
}
