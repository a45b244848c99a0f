//! The real `buurtbel` binary run to its end in a folder of the test's, with its speech cache
//! there too, and its output as text.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `buurtbel ARGS` in `dir`, logging at warn.
pub fn buurtbel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run buurtbel")
}

/// Output bytes as text, whatever they hold.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
