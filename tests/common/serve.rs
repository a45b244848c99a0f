#![allow(dead_code)] // each test binary uses part of it
//! Real `buurtbel` processes for the end-to-end tests: one-shot commands, a `serve` whose
//! output goes to files (killed, frozen or stopped on request), short recorded prompts, and
//! deadlines that fail with the server's log.

use buurtbel::telephony::clock;
use buurtbel::time::Instant;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// How long a stopped server may take to exit.
pub const UNTIL_EXIT: Duration = Duration::from_secs(30);

/// Short recorded prompts (300 ms tones), so the spoken message ends about 1.5 s after the
/// answer and a 1 pressed from 2 s on comes after it, when it confirms.
pub fn write_prompts(voices: &Path) {
    write_tones(
        voices,
        &[("intro", 500.0), ("menu", 600.0), ("thanks", 700.0)],
    );
}

/// Each named prompt recorded as a 300 ms tone of its pitch (Hz), in Dutch.
pub fn write_tones(voices: &Path, prompts: &[(&str, f32)]) {
    let nl = voices.join("nl");
    std::fs::create_dir_all(&nl).expect("voices folder");
    for &(name, hz) in prompts {
        buurtbel::speech::wav::write_8k(&nl.join(format!("{name}.wav")), &tone(hz, 2_400))
            .expect("write a prompt");
    }
}

/// `samples` of a sine at `hz`, at 8 kHz.
pub fn tone(hz: f32, samples: u32) -> Vec<i16> {
    (0..samples)
        .map(|n| (6_000.0 * (std::f32::consts::TAU * hz * n as f32 / 8_000.0).sin()) as i16)
        .collect()
}

/// Runs `buurtbel ARGS… --config CONFIG MORE…` to the end; its standard output.
pub fn buurtbel(dir: &Path, config: &Path, args: &[&str], more: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
        .args(args)
        .arg("--config")
        .arg(config)
        .args(more)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run buurtbel");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(
        output.status.success(),
        "buurtbel {args:?} failed ({}):\n{}{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// A running `buurtbel serve`, its output in files; killed if the test ends first.
pub struct Server {
    child: Option<Child>,
    stderr: PathBuf,
}

impl Server {
    pub fn start(dir: &Path, config: &Path, name: &str) -> Server {
        let file = |ext: &str| std::fs::File::create(dir.join(format!("{name}.{ext}")));
        let child = Command::new(env!("CARGO_BIN_EXE_buurtbel"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .current_dir(dir)
            .env("RUST_LOG", "info,buurtbel=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(file("stdout").expect("stdout file"))
            .stderr(file("stderr").expect("stderr file"))
            .spawn()
            .expect("start buurtbel serve");
        Server {
            child: Some(child),
            stderr: dir.join(format!("{name}.stderr")),
        }
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reap the killed server");
    }

    /// SIGTERM, and waits for the server to exit on its own.
    pub async fn stop(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait_for_exit("SIGTERM").await
    }

    /// SIGSTOP: the process is frozen (as by a long pause of its machine) until [`Server::thaw`].
    pub fn freeze(&mut self) {
        self.signal(libc::SIGSTOP);
    }

    /// SIGCONT after [`Server::freeze`].
    pub fn thaw(&mut self) {
        self.signal(libc::SIGCONT);
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn signal(&mut self, signal: libc::c_int) {
        let child = self.child.as_mut().expect("running");
        let pid = libc::pid_t::try_from(child.id()).expect("a pid");
        // SAFETY: signals a child of ours that has not been reaped, so the pid is still its.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(
            sent,
            0,
            "signal {signal}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Waits for the server to exit by itself (after `what`), at most [`UNTIL_EXIT`].
    pub async fn wait_for_exit(&mut self, what: &str) -> ExitStatus {
        let started = clock::now();
        loop {
            if let Some(status) = self.exited() {
                self.child = None;
                return status;
            }
            assert!(
                clock::elapsed(started) < UNTIL_EXIT,
                "serve still running {UNTIL_EXIT:?} after {what}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The HTTP API's base URL, from the `serving` line of its log.
    pub async fn api_address(&mut self) -> String {
        let deadline = Deadline::new(Duration::from_secs(60), "serve to listen".to_owned());
        loop {
            let log = self.whole_log();
            if let Some(at) = log.find(" api=") {
                let address: String = log[at + 5..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                return format!("http://{address}");
            }
            deadline.wait(self).await;
        }
    }

    /// Its whole log.
    pub fn whole_log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        child.try_wait().expect("look at the server")
    }

    /// The end of its log, for failure messages.
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(80)..].join("\n");
        format!("--- {} (last 80 lines)\n{tail}", self.stderr.display())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A wait for something the server does, polled every 100 ms.
pub struct Deadline {
    started: Instant,
    limit: Duration,
    what: String,
}

impl Deadline {
    pub fn new(limit: Duration, what: String) -> Deadline {
        Deadline {
            started: clock::now(),
            limit,
            what,
        }
    }

    /// Sleeps before the next look; fails with the server's log when the deadline has passed
    /// or the server exited.
    pub async fn wait(&self, server: &mut Server) {
        let what = &self.what;
        if let Some(status) = server.exited() {
            panic!(
                "serve exited ({status}) while waiting for {what}\n{}",
                server.log()
            );
        }
        assert!(
            clock::elapsed(self.started) < self.limit,
            "waited {:?} for {what}\n{}",
            self.limit,
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
