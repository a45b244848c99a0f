//! API tokens: a name, a role and the networks it may act on. Only the SHA-256 of each
//! secret is stored; the secret is shown once, when the token is made. A secret is 32 random
//! bytes, so a plain hash (no salt, no stretching) is as strong as the secret itself, and a
//! request's token is found by one indexed read of its hash.

use super::model::{NetworkId, Role, TokenId};
use super::rows::{get, new_id, parse, placeholders};
use super::{Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

/// What every secret starts with, so a leaked one is recognisable in a scan.
pub const SECRET_PREFIX: &str = "bbt_";

/// A token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Its id (not secret).
    pub id: TokenId,
    /// Who or what holds it, e.g. `dispatch-zone-5300`.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The networks it may act on; empty: every network.
    pub networks: Vec<NetworkId>,
    /// Who made it.
    pub created_by: String,
    /// When (epoch ms).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A token to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Who or what holds it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The networks it may act on; empty: every network.
    pub networks: Vec<NetworkId>,
    /// Who makes it.
    pub created_by: String,
}

const COLUMNS: &str = "id, name, role, created_by, created_at, revoked_at";

impl Store {
    /// Makes a token and returns it with its secret, the only time the secret exists.
    pub async fn create_token(
        &self,
        token: NewToken,
        now: i64,
    ) -> Result<(Token, String), StoreError> {
        let secret = new_secret();
        let id = TokenId(new_id());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, role, secret_sha256, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_str())
        .bind(&token.name)
        .bind(token.role.as_str())
        .bind(secret_hash(&secret))
        .bind(&token.created_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for network in &token.networks {
            let known = sqlx::query(
                "INSERT INTO api_token_networks (token_id, network_id) \
                 SELECT $1, id FROM networks WHERE id = $2",
            )
            .bind(id.as_str())
            .bind(network.as_str())
            .execute(&mut *tx)
            .await?;
            if known.rows_affected() == 0 {
                tx.rollback().await?;
                return Err(StoreError::UnknownNetwork(network.clone()));
            }
        }
        self.commit(tx).await?;
        let mut networks = token.networks;
        networks.sort();
        networks.dedup();
        let stored = Token {
            id,
            name: token.name,
            role: token.role,
            networks,
            created_by: token.created_by,
            created_at: now,
            revoked_at: None,
        };
        Ok((stored, secret))
    }

    /// The live (not revoked) token whose secret this is.
    pub async fn token_by_secret(&self, secret: &str) -> Result<Option<Token>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE secret_sha256 = $1 AND revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(secret_hash(secret))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.with_networks(&row).await?)),
            None => Ok(None),
        }
    }

    /// Every token, newest first, revoked ones included.
    pub async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        let mut tokens = Vec::with_capacity(rows.len());
        for row in &rows {
            tokens.push(self.with_networks(row).await?);
        }
        Ok(tokens)
    }

    /// Revokes a token; false when there is no live token with this id.
    pub async fn revoke_token(&self, id: &TokenId, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() > 0 {
            self.count_write();
        }
        Ok(done.rows_affected() > 0)
    }

    /// The networks of these ids that exist, for checking a token's scope.
    pub async fn existing_networks(&self, ids: &[NetworkId]) -> Result<Vec<NetworkId>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM networks WHERE id IN ({}) ORDER BY id",
            placeholders(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(NetworkId(get(r, "id")?))).collect()
    }

    async fn with_networks(&self, row: &AnyRow) -> Result<Token, StoreError> {
        let id = TokenId(get(row, "id")?);
        let rows = sqlx::query(
            "SELECT network_id FROM api_token_networks WHERE token_id = $1 ORDER BY network_id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let networks = rows
            .iter()
            .map(|r| Ok(NetworkId(get(r, "network_id")?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Token {
            id,
            name: get(row, "name")?,
            role: parse(row, "api_tokens", "role")?,
            networks,
            created_by: get(row, "created_by")?,
            created_at: get(row, "created_at")?,
            revoked_at: get(row, "revoked_at")?,
        })
    }
}

/// A new secret: the prefix and 32 bytes from a cryptographic generator seeded by the
/// operating system.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// What is stored of a secret.
fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = new_secret();
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 64);
        assert_ne!(a, new_secret());
        assert_ne!(secret_hash(&a), secret_hash(&new_secret()));
        assert_eq!(secret_hash(&a), secret_hash(&a));
    }
}
