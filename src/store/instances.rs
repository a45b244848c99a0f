//! Instances: every `serve` on a database registers with a lease timed by the database's
//! clock, renews it, and writes only while it holds it.
//!
//! A lease is an instance id and a generation (one more at each start of that id): the
//! fencing token every attempt records. A lease is live while its expiry, on the database's
//! clock, is ahead; once it has passed it is dead for good (a renewal needs a live lease), so
//! a write checked against it can never succeed later. A [`Store`] that carries a lease
//! ([`Store::with_lease`]) checks it at the start of every write transaction, on PostgreSQL
//! with a key-share lock on the instance's row: a take-over, which locks that row `FOR
//! UPDATE`, waits for a write already under way, and every write after it is refused; the
//! lease's renewal, an update of other columns, waits for none of them.
//!
//! The open attempts of a dead lease are orphans ([`Store::orphaned_attempts`]): another
//! instance finishes them as interrupted, as a restart does after a crash; a live
//! instance's calls are never touched. The call-back line's attempts are no tries to resume:
//! the take-over itself ends them `interrupted` (nobody knows what the caller heard, so
//! nobody counts as having heard it) in the transaction that frees their line.

use super::attempts::{InFlight, in_flight_columns, in_flight_from};
use super::model::AttemptChannel;
use super::rows::get;
use super::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::time::Duration;

/// An instance's lease: the fencing token its writes and attempts carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The instance (`[instance] name`, by default the host name).
    pub instance: String,
    /// One more at each start of this instance.
    pub generation: i64,
}

/// What an instance says about itself when it registers.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Its name, unique among the instances on the database.
    pub instance: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// The buurtbel version.
    pub version: String,
    /// The trunk it calls through (the ledger's key).
    pub trunk: String,
}

/// An instance as stored, with its lease seen from the database's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Its name.
    pub id: String,
    /// Its current generation.
    pub generation: i64,
    /// Host and process.
    pub host: String,
    /// Its process id.
    pub pid: i64,
    /// The buurtbel version.
    pub version: String,
    /// The trunk it calls through.
    pub trunk: String,
    /// When this generation started, epoch ms.
    pub started_at: i64,
    /// When it last renewed its lease.
    pub renewed_at: i64,
    /// When its lease expires (or expired).
    pub lease_expires_at: i64,
    /// When it stopped on request, if it did.
    pub stopped_at: Option<i64>,
    /// The instance that took over its calls after its lease expired.
    pub taken_over_by: Option<String>,
    /// When.
    pub taken_over_at: Option<i64>,
    /// The database's clock when this was read.
    pub read_at: i64,
    /// Attempts without an end under this generation.
    pub open_attempts: i64,
    /// Calls on the line under this generation.
    pub calls: i64,
}

impl Instance {
    /// Whether its lease is live.
    pub fn is_live(&self) -> bool {
        self.lease_expires_at > self.read_at
    }
}

impl Backend {
    /// The database's clock, epoch milliseconds, as an SQL expression.
    pub(super) fn clock(self) -> &'static str {
        match self {
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// Locks a row read in a write transaction against `FOR UPDATE` (SQLite's one writer
    /// needs nothing). A key share: an update of other columns (the lease's renewal) does
    /// not wait for it.
    pub(super) fn for_key_share(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR KEY SHARE",
        }
    }

    /// Locks a row for an update later in the transaction.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

const INSTANCE_COLUMNS: &str = "i.id, i.generation, i.host, i.pid, i.version, i.trunk, \
     i.started_at, i.renewed_at, i.lease_expires_at, i.stopped_at, i.taken_over_by, \
     i.taken_over_at";

impl Store {
    /// This store, writing under `lease`: every write transaction first checks that the lease
    /// is live and fails with [`StoreError::LeaseExpired`] when not.
    pub fn with_lease(&self, lease: Lease) -> Store {
        let mut store = self.clone();
        store.lease = Some(std::sync::Arc::new(lease));
        store
    }

    /// The lease this store writes under.
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_deref()
    }

    /// This store on a connection of its own (PostgreSQL; SQLite's pool is shared), for the
    /// lease's renewals, which must not wait behind the calls' statements for a connection.
    pub async fn own_connection(&self) -> Result<Store, StoreError> {
        let Some(url) = self.postgres_url.as_deref() else {
            return Ok(self.clone());
        };
        let mut store = self.clone();
        store.pool = super::connect::postgres_pool_of(url, 1).await?;
        Ok(store)
    }

    /// The database's clock, epoch milliseconds.
    pub async fn database_now(&self) -> Result<i64, StoreError> {
        let sql = format!("SELECT {}", self.backend.clock());
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    /// Registers the instance with a lease of `lease` from now on the database's clock, as
    /// the next generation of its name. Refused ([`StoreError::InstanceHeld`]) while another
    /// process holds a live lease under that name, or, when `alone` (SQLite: one gateway per
    /// file), under any name.
    pub async fn register_instance(
        &self,
        registration: &Registration,
        lease: Duration,
        alone: bool,
    ) -> Result<Lease, StoreError> {
        let clock = self.backend.clock();
        let lease_ms = millis(lease);
        let mut tx = self.pool.begin_with(self.backend.begin_write()).await?;
        let sql = format!(
            "SELECT {INSTANCE_COLUMNS}, {clock} AS read_at, 0 AS open_attempts, 0 AS calls \
             FROM instances i WHERE i.lease_expires_at > {clock}{}",
            self.backend.for_update()
        );
        let live = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        let live: Vec<Instance> = live.iter().map(instance_from).collect::<Result<_, _>>()?;
        let holder = live
            .into_iter()
            .find(|i| i.id == registration.instance || alone);
        if let Some(holder) = holder {
            tx.rollback().await?;
            return Err(StoreError::InstanceHeld(Box::new(holder)));
        }
        let sql = format!(
            "INSERT INTO instances (id, generation, host, pid, version, trunk, started_at, \
             renewed_at, lease_expires_at) VALUES ($1, 1, $2, $3, $4, $5, {clock}, {clock}, \
             {clock} + $6) ON CONFLICT (id) DO UPDATE SET generation = instances.generation + 1, \
             host = $2, pid = $3, version = $4, trunk = $5, started_at = {clock}, \
             renewed_at = {clock}, lease_expires_at = {clock} + $6, stopped_at = NULL, \
             taken_over_by = NULL, taken_over_at = NULL RETURNING generation"
        );
        let generation: i64 = sqlx::query_scalar(&sql)
            .bind(&registration.instance)
            .bind(&registration.host)
            .bind(i64::from(registration.pid))
            .bind(&registration.version)
            .bind(&registration.trunk)
            .bind(lease_ms)
            .fetch_one(&mut *tx)
            .await?;
        self.commit(tx).await?;
        Ok(Lease {
            instance: registration.instance.clone(),
            generation,
        })
    }

    /// Extends the lease to `lease` from now on the database's clock; false when it had
    /// expired already (then it stays dead: the instance must stop).
    pub async fn renew_lease(&self, lease: &Lease, duration: Duration) -> Result<bool, StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "UPDATE instances SET renewed_at = {clock}, lease_expires_at = {clock} + $1 \
             WHERE id = $2 AND generation = $3 AND lease_expires_at > {clock}"
        );
        let renewed = sqlx::query(&sql)
            .bind(millis(duration))
            .bind(&lease.instance)
            .bind(lease.generation)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1;
        Ok(renewed)
    }

    /// Ends the lease now (a graceful stop): another instance may take over at once.
    pub async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "UPDATE instances SET lease_expires_at = {clock}, stopped_at = {clock} \
             WHERE id = $1 AND generation = $2 AND lease_expires_at > {clock}"
        );
        sqlx::query(&sql)
            .bind(&lease.instance)
            .bind(lease.generation)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends the lease of an instance known to be gone (its process no longer exists on this
    /// host), so its calls are taken over without waiting for the expiry. Guarded by the
    /// generation seen: a restart meanwhile is left alone.
    pub async fn expire_lease(&self, dead: &Lease) -> Result<bool, StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "UPDATE instances SET lease_expires_at = {clock} \
             WHERE id = $1 AND generation = $2 AND lease_expires_at > {clock}"
        );
        let moved = sqlx::query(&sql)
            .bind(&dead.instance)
            .bind(dead.generation)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1;
        Ok(moved)
    }

    /// Every registered instance, with its open attempts and calls, by name.
    pub async fn instances(&self) -> Result<Vec<Instance>, StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "SELECT {INSTANCE_COLUMNS}, {clock} AS read_at, \
             (SELECT COUNT(*) FROM attempts t WHERE t.ended_at IS NULL \
              AND t.instance_id = i.id AND t.lease_generation = i.generation) AS open_attempts, \
             (SELECT COUNT(*) FROM calls_in_progress c \
              WHERE c.instance_id = i.id AND c.lease_generation = i.generation) AS calls \
             FROM instances i ORDER BY i.id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(instance_from).collect()
    }

    /// Marks every instance whose lease is dead and that still has open attempts or calls on
    /// the line as taken over by this one, frees its lines and ends its call-back attempts;
    /// the instances taken over. Their other attempts are then [`Store::orphaned_attempts`]
    /// for `by` to finish. The mark locks each row, so a write the dead instance had begun
    /// before its expiry is committed first.
    pub async fn take_over_dead(&self) -> Result<Vec<Lease>, StoreError> {
        let clock = self.backend.clock();
        let by = self.lease().map_or("", |l| l.instance.as_str());
        let mut tx = self.begin_write().await?;
        // Waits for a write the dead instance began while its lease was live (each holds a
        // key share on its row), so none lands after the take-over.
        let sql = format!(
            "SELECT id FROM instances WHERE lease_expires_at <= {clock}{}",
            self.backend.for_update()
        );
        sqlx::query(&sql).fetch_all(&mut *tx).await?;
        let sql = format!(
            "UPDATE instances SET taken_over_by = $1, taken_over_at = {clock} \
             WHERE lease_expires_at <= {clock} AND (EXISTS (SELECT 1 FROM attempts t WHERE t.ended_at IS NULL \
                  AND t.instance_id = instances.id) \
              OR EXISTS (SELECT 1 FROM calls_in_progress c \
                  WHERE c.instance_id = instances.id)) \
             RETURNING id, generation"
        );
        let rows = sqlx::query(&sql).bind(by).fetch_all(&mut *tx).await?;
        let taken: Vec<Lease> = rows
            .iter()
            .map(|row| {
                Ok(Lease {
                    instance: get(row, "id")?,
                    generation: get(row, "generation")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        end_dead_callbacks(&mut tx, self.backend).await?;
        if free_dead_lines(&mut tx, self.backend).await? {
            super::notices::notify_on_commit(&mut tx, self.backend, super::Notice::Line).await?;
        }
        self.commit(tx).await?;
        Ok(taken)
    }

    /// Whether any attempt or call under a dead lease is left to take over: one cheap read,
    /// made after every renewal.
    pub async fn orphans_exist(&self) -> Result<bool, StoreError> {
        let clock = self.backend.clock();
        let sql = format!(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM attempts t WHERE t.ended_at IS NULL \
             AND t.instance_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM instances i \
             WHERE i.id = t.instance_id AND i.generation = t.lease_generation \
             AND i.lease_expires_at > {clock})) OR EXISTS (SELECT 1 FROM calls_in_progress c \
             WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = c.instance_id \
             AND i.generation = c.lease_generation AND i.lease_expires_at > {clock})) \
             THEN 1 ELSE 0 END"
        );
        let found: i64 = sqlx::query_scalar(&sql).fetch_one(&self.pool).await?;
        Ok(found == 1)
    }

    /// Attempts without an end whose lease is dead, oldest first: the calls a crashed or
    /// fenced instance (or this instance's previous run) left. With `unowned`, also those
    /// written without a lease (before instances existed, or by a process without one).
    /// Never the call-back line's, which [`Store::take_over_dead`] ends.
    pub async fn orphaned_attempts(&self, unowned: bool) -> Result<Vec<InFlight>, StoreError> {
        let clock = self.backend.clock();
        let owner = if unowned {
            "t.instance_id IS NULL OR "
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} FROM attempts t JOIN deliveries d ON d.id = t.delivery_id \
             WHERE t.ended_at IS NULL AND t.channel <> $1 \
             AND ({owner}(t.instance_id IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM instances i WHERE i.id = t.instance_id \
              AND i.generation = t.lease_generation AND i.lease_expires_at > {clock}))) \
             ORDER BY t.started_at, t.id",
            in_flight_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(AttemptChannel::Callback.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(in_flight_from).collect()
    }
}

/// Checks, at the start of a write transaction, that `lease` is live; on PostgreSQL the row
/// stays share-locked until the transaction ends.
pub(super) async fn check_lease(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    lease: &Lease,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT id FROM instances WHERE id = $1 AND generation = $2 \
         AND lease_expires_at > {}{}",
        backend.clock(),
        backend.for_key_share()
    );
    let live: Option<String> = sqlx::query_scalar(&sql)
        .bind(&lease.instance)
        .bind(lease.generation)
        .fetch_optional(&mut **tx)
        .await?;
    match live {
        Some(_) => Ok(()),
        None => Err(StoreError::LeaseExpired(lease.instance.clone())),
    }
}

/// Ends the call-back attempts left open under a dead lease (or none, as
/// [`free_dead_lines`] frees a line written without one) as `interrupted`, on the
/// database's clock: their line goes in the same transaction.
async fn end_dead_callbacks(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
) -> Result<(), StoreError> {
    let clock = backend.clock();
    let sql = format!(
        "UPDATE attempts SET ended_at = {clock}, outcome = $1 \
         WHERE channel = $2 AND ended_at IS NULL AND NOT EXISTS (SELECT 1 FROM instances i \
         WHERE i.id = attempts.instance_id AND i.generation = attempts.lease_generation \
         AND i.lease_expires_at > {clock})"
    );
    sqlx::query(&sql)
        .bind(super::callback::INTERRUPTED)
        .bind(AttemptChannel::Callback.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Frees the lines held under dead leases; true when there were any.
async fn free_dead_lines(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
) -> Result<bool, StoreError> {
    let sql = format!(
        "DELETE FROM calls_in_progress WHERE NOT EXISTS (SELECT 1 FROM instances i \
         WHERE i.id = calls_in_progress.instance_id \
         AND i.generation = calls_in_progress.lease_generation \
         AND i.lease_expires_at > {})",
        backend.clock()
    );
    Ok(sqlx::query(&sql).execute(&mut **tx).await?.rows_affected() > 0)
}

fn instance_from(row: &AnyRow) -> Result<Instance, StoreError> {
    Ok(Instance {
        id: get(row, "id")?,
        generation: get(row, "generation")?,
        host: get(row, "host")?,
        pid: get(row, "pid")?,
        version: get(row, "version")?,
        trunk: get(row, "trunk")?,
        started_at: get(row, "started_at")?,
        renewed_at: get(row, "renewed_at")?,
        lease_expires_at: get(row, "lease_expires_at")?,
        stopped_at: get(row, "stopped_at")?,
        taken_over_by: get(row, "taken_over_by")?,
        taken_over_at: get(row, "taken_over_at")?,
        read_at: get(row, "read_at")?,
        open_attempts: get(row, "open_attempts")?,
        calls: get(row, "calls")?,
    })
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
