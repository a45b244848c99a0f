//! Rendered speech on disk, keyed by a SHA-256 of everything the audio depends on (engine and
//! version, voice, language, rate, the normalised text, the post-processing version), so an
//! alert's message is synthesised once for hundreds of calls and a restart reuses it.
//!
//! Files are written to a temporary name and renamed into place: a reader sees a whole file
//! or none. A file that no longer reads (a disk error, a hand edit) is a miss, not an error.
//!
//! A rendering says what an alert said, so folders are created `0700` and files `0600`,
//! whatever the umask.

use super::wav::{WavError, read_8k, write_8k_to};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The folder of rendered speech.
#[derive(Debug, Clone)]
pub struct AudioCache {
    dir: PathBuf,
}

/// Why a rendering was not stored (logged; the audio is used all the same).
#[derive(Debug, thiserror::Error)]
enum StoreFailure {
    /// The folder, the file or the rename.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Writing the samples.
    #[error(transparent)]
    Wav(#[from] WavError),
}

/// A content hash naming one rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// Hashes the parts in order, each length-prefixed so no two lists collide.
    pub fn of(parts: &[&str]) -> CacheKey {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        CacheKey(hash.finalize().into())
    }

    /// Lower-case hex.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl AudioCache {
    /// Uses `dir`, creating it when something is first stored.
    pub fn new(dir: &Path) -> AudioCache {
        AudioCache {
            dir: dir.to_owned(),
        }
    }

    /// The stored samples, if any.
    pub fn load(&self, key: &CacheKey) -> Option<Vec<i16>> {
        let path = self.path(key);
        if !path.exists() {
            return None;
        }
        match read_8k(&path) {
            Ok(samples) => Some(samples),
            Err(error) => {
                tracing::warn!(%error, "unreadable cached speech; rendering again");
                None
            }
        }
    }

    /// Stores samples; a failure is logged and the audio still used.
    pub fn store(&self, key: &CacheKey, samples: &[i16]) {
        if let Err(error) = self.try_store(key, samples) {
            tracing::warn!(%error, dir = %self.dir.display(), "cannot cache rendered speech");
        }
    }

    fn try_store(&self, key: &CacheKey, samples: &[i16]) -> Result<(), StoreFailure> {
        let path = self.path(key);
        if let Some(parent) = path.parent() {
            private_dir(parent)?;
        }
        let staging = path.with_extension(format!("{:016x}.part", rand::random::<u64>()));
        let file = private_file(&staging)?;
        let shown = staging.display().to_string();
        let written = write_8k_to(std::io::BufWriter::new(file), samples, &shown)
            .map_err(StoreFailure::from)
            .and_then(|()| std::fs::rename(&staging, &path).map_err(StoreFailure::from));
        if written.is_err() {
            let _ = std::fs::remove_file(&staging);
        }
        written
    }

    /// Deletes every rendering (and any leftover staging file) last written before `before`
    /// (epoch ms), for the retention purge; how many went. A file that cannot be read or
    /// removed is left for the next purge.
    pub fn purge(&self, before: i64) -> u64 {
        let Ok(folders) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for folder in folders.flatten() {
            let Ok(files) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            for file in files.flatten() {
                if written_before(&file, before) && std::fs::remove_file(file.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        let hex = key.hex();
        self.dir.join(&hex[..2]).join(format!("{hex}.wav"))
    }
}

/// Whether a plain file was last modified before `before` (epoch ms).
fn written_before(file: &std::fs::DirEntry, before: i64) -> bool {
    let Ok(meta) = file.metadata() else {
        return false;
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok());
    meta.is_file() && modified.is_some_and(|ms| ms < before)
}

/// Creates `dir` and any missing parent, each readable by its owner only; folders that exist
/// keep their mode.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates a new file readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(CacheKey::of(&["ab", "c"]), CacheKey::of(&["a", "bc"]));
        assert_eq!(CacheKey::of(&["a", "b"]), CacheKey::of(&["a", "b"]));
    }

    #[test]
    fn stores_loads_and_treats_damage_as_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AudioCache::new(&dir.path().join("speech"));
        let key = CacheKey::of(&["x"]);
        assert_eq!(cache.load(&key), None);
        let samples: Vec<i16> = (0..800).map(|i| (i % 200) as i16 * 10).collect();
        cache.store(&key, &samples);
        assert_eq!(cache.load(&key), Some(samples));
        std::fs::write(cache.path(&key), b"RIFF junk").unwrap();
        assert_eq!(cache.load(&key), None);
        let leftovers = std::fs::read_dir(cache.path(&key).parent().unwrap())
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[test]
    fn the_purge_deletes_only_what_was_written_before_its_moment() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AudioCache::new(&dir.path().join("speech"));
        let (old, new) = (CacheKey::of(&["old"]), CacheKey::of(&["new"]));
        cache.store(&old, &[1, 2, 3]);
        cache.store(&new, &[4, 5, 6]);
        let day_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options()
            .write(true)
            .open(cache.path(&old))
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
        assert_eq!(cache.purge(1_000_001_000), 1);
        assert_eq!(cache.load(&old), None);
        assert_eq!(cache.load(&new), Some(vec![4, 5, 6]));
        assert_eq!(cache.purge(1_000_001_000), 0);
    }
}
