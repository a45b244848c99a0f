//! What the interop suites read from a finished call: `buurtbel call`'s output and report, and
//! SIPp's verdict, with assertions that print both sides when they fail.

use crate::sipp::{self, SippRun};
use serde_json::Value;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;
use tempfile::TempDir;

/// A temporary folder for a test's files; `INTEROP_KEEP_TRACES=1` keeps it (and says where).
pub fn trace_dir(scenario: &str) -> TempDir {
    let stem = scenario.trim_end_matches(".xml");
    let mut dir = TempDir::with_prefix(format!("interop-{stem}-")).expect("temp dir");
    if std::env::var_os("INTEROP_KEEP_TRACES").is_some() {
        dir.disable_cleanup(true);
        eprintln!("{scenario}: traces kept in {}", dir.path().display());
    }
    dir
}

/// A finished `buurtbel` process.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "--- buurtbel ({})", self.status)?;
        writeln!(f, "--- buurtbel stdout\n{}", self.stdout)?;
        writeln!(f, "--- buurtbel stderr\n{}", self.stderr)
    }
}

/// Runs `buurtbel call --config CONFIG ARGS…`, output into files under `dir`; fails the test
/// when it is still running after `deadline`.
pub fn run_call(config: &Path, args: &[OsString], dir: &Path, deadline: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(["call", "--config"])
        .arg(config)
        .args(args)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(sipp::file(dir, "buurtbel.stdout"))
        .stderr(sipp::file(dir, "buurtbel.stderr"))
        .spawn()
        .expect("start buurtbel");
    let status = sipp::wait_with_deadline(&mut child, deadline);
    let output = Output {
        status: status.unwrap_or_else(|| std::os::unix::process::ExitStatusExt::from_raw(9)),
        stdout: sipp::read(dir, "buurtbel.stdout"),
        stderr: sipp::read(dir, "buurtbel.stderr"),
    };
    assert!(
        status.is_some(),
        "buurtbel still running after {deadline:?}\n{output}"
    );
    output
}

/// What a finished test saw from both sides.
pub struct Run {
    pub buurtbel: Output,
    pub sipp: SippRun,
    /// Keeps the traces until the run is dropped.
    pub _dir: TempDir,
}

impl Run {
    pub fn explain(&self) -> String {
        format!("{}\n{}", self.buurtbel, self.sipp)
    }

    pub fn assert_sipp_passed(&self) {
        assert!(
            self.buurtbel.status.success(),
            "buurtbel exits 0 whatever the outcome\n{}",
            self.explain()
        );
        assert!(
            self.sipp.passed(),
            "SIPp's scenario did not complete\n{}",
            self.explain()
        );
    }

    /// buurtbel's report: the last line of its standard output.
    pub fn report(&self) -> Value {
        let line = self
            .buurtbel
            .stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty());
        line.and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| panic!("no JSON on the last line\n{}", self.explain()))
    }

    pub fn assert_field(&self, key: &str, expected: impl Into<Value>) {
        let report = self.report();
        let expected = expected.into();
        assert_eq!(
            report.get(key),
            Some(&expected),
            "`{key}` in {report}\n{}",
            self.explain()
        );
    }

    pub fn number(&self, key: &str) -> u64 {
        let report = self.report();
        report
            .get(key)
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("`{key}` is not a number in {report}\n{}", self.explain()))
    }

    pub fn assert_between(&self, key: &str, low: u64, high: u64) {
        let value = self.number(key);
        assert!(
            (low..=high).contains(&value),
            "`{key}` = {value}, expected {low}..={high}: {}\n{}",
            self.report(),
            self.explain()
        );
    }
}
