//! Recorded messages uploaded over the HTTP API, each kept under an id until an alert names
//! it. The WAV was judged and decoded before it came here (`speech::wav`), and is stored in
//! its canonical form; an alert that uses it copies it into its own messages, so an upload
//! removed by the retention purge never silences an alert.

use super::model::TokenId;
use super::rows::{get, new_id};
use super::{Store, StoreError};

/// A recording as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecording {
    /// Its id.
    pub id: String,
    /// The canonical WAV file.
    pub wav: Vec<u8>,
    /// How long it plays.
    pub duration_ms: i64,
    /// The token that uploaded it.
    pub uploaded_by: TokenId,
    /// When (epoch ms).
    pub uploaded_at: i64,
}

impl Store {
    /// Keeps an uploaded recording; its new id.
    pub async fn create_recording(
        &self,
        wav: &[u8],
        duration_ms: i64,
        uploaded_by: &TokenId,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO recordings (id, wav, duration_ms, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(wav)
        .bind(duration_ms)
        .bind(uploaded_by.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.count_write();
        Ok(id)
    }

    /// The recording `id` if `token` uploaded it; `None` for another token's, as for one
    /// that does not exist (or no longer does).
    pub async fn recording(
        &self,
        id: &str,
        token: &TokenId,
    ) -> Result<Option<StoredRecording>, StoreError> {
        let row = sqlx::query(
            "SELECT id, wav, duration_ms, uploaded_by, uploaded_at FROM recordings \
             WHERE id = $1 AND uploaded_by = $2",
        )
        .bind(id)
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredRecording {
                id: get(&row, "id")?,
                wav: get(&row, "wav")?,
                duration_ms: get(&row, "duration_ms")?,
                uploaded_by: TokenId(get(&row, "uploaded_by")?),
                uploaded_at: get(&row, "uploaded_at")?,
            })
        })
        .transpose()
    }
}
