//! Small helpers shared by the table modules: reading columns without panicking, numbered
//! placeholders for lists, and new ids.
//!
//! `sqlx::QueryBuilder<Any>` writes `?` placeholders, which PostgreSQL refuses, so lists of
//! values are spelled out here as `$n, $n+1, …`; SQLite binds those by number too.

use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};
use std::fmt::Write;
use std::str::FromStr;

/// A column that must decode; sqlx's error already names the column.
pub(super) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T, StoreError>
where
    T: Decode<'r, Any> + Type<Any>,
{
    Ok(row.try_get(column)?)
}

/// A text column holding an enumeration value.
pub(super) fn parse<T: FromStr>(
    row: &AnyRow,
    table: &'static str,
    column: &'static str,
) -> Result<T, StoreError> {
    let text: String = get(row, column)?;
    text.parse().map_err(|_| StoreError::BadValue {
        table,
        column,
        value: text,
    })
}

/// A nullable integer column that must fit a smaller type.
pub(super) fn narrow<T: TryFrom<i64>>(
    row: &AnyRow,
    table: &'static str,
    column: &'static str,
) -> Result<Option<T>, StoreError> {
    let value: Option<i64> = get(row, column)?;
    value
        .map(|v| {
            T::try_from(v).map_err(|_| StoreError::BadValue {
                table,
                column,
                value: v.to_string(),
            })
        })
        .transpose()
}

/// `$first, $first+1, …` for `count` values.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    let mut text = String::new();
    for n in first..first + count {
        let separator = if n == first { "" } else { ", " };
        let _ = write!(text, "{separator}${n}");
    }
    text
}

/// A random id in UUID version 4 form, `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`.
pub(super) fn new_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 1), "$1");
    }

    #[test]
    fn ids_look_like_uuid_v4() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(id, new_id());
    }
}
