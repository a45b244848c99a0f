//! A live progress bar over an alert's deliveries, read from the database: `alert send
//! --follow` and the demo both show it on standard error until the alert is done.
//!
//! The bar counts a member as settled once their delivery is in its final state (no call in
//! flight, no try scheduled), and every other member as in progress, whatever word their
//! state has for now (`busy` with a retry to come is in progress). Both come from one read,
//! so they always add up to the members.
//!
//! Nothing else is written through the bar's line: log lines go through [`LogWriter`], which
//! sets the bar aside for each line and draws it again below, and the bar is cleared before
//! the caller prints its summary. indicatif draws only on a terminal.

use super::{CliError, words};
use crate::store::{AlertId, AlertState, DeliveryState, DeliveryTally, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Shows progress until the alert is no longer sending; returns its state then. With
/// `serve_hint`, says after 10 s without a single delivery that no server seems to run.
pub async fn watch(
    store: &Store,
    alert: &AlertId,
    members: u64,
    every: Duration,
    serve_hint: bool,
) -> Result<Option<AlertState>, CliError> {
    let bar = ProgressBar::new(members);
    bar.set_style(style());
    let _shown = Shown::new(&bar);
    let started = crate::telephony::clock::now();
    let mut hinted = !serve_hint;
    loop {
        let tally = store.delivery_tally(alert).await?;
        // The words carry the counts, so a frame drawn between the two calls (or one the
        // rate limit skips) never shows a count that disagrees with them; the bar may lag.
        bar.set_message(progress(&tally, members));
        bar.set_position(u64::try_from(tally.settled_count()).unwrap_or(0));
        let state = store.alert(alert).await?.map(|a| a.state);
        if state != Some(AlertState::Sending) {
            bar.finish_and_clear();
            return Ok(state);
        }
        let created = tally.settled_count() + tally.open_count();
        if created == 0
            && !hinted
            && crate::telephony::clock::elapsed(started) > Duration::from_secs(10)
        {
            bar.suspend(|| {
                eprintln!("no calls yet: is `buurtbel serve` running against this database?")
            });
            hinted = true;
        }
        tokio::time::sleep(every).await;
    }
}

/// `12 acknowledged · 3 answered without confirming`, largest first, in words.
pub fn tally(counts: &BTreeMap<DeliveryState, i64>) -> String {
    let mut parts: Vec<(&DeliveryState, &i64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    parts.sort_by(|a, b| b.1.cmp(a.1));
    parts
        .iter()
        .map(|(state, n)| format!("{n} {}", words::state(**state)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The bar's words: how many members are settled, by final state, then how many are in
/// progress (members without a delivery yet among them) and how many of those are on a call.
fn progress(tally: &DeliveryTally, members: u64) -> String {
    let settled = tally.settled_count();
    let in_progress = i64::try_from(members).unwrap_or(i64::MAX) - settled;
    let mut parts = vec![
        format!("{settled}/{members} settled"),
        self::tally(&tally.settled),
    ];
    if in_progress > 0 {
        let calling = tally
            .open
            .get(&DeliveryState::Calling)
            .copied()
            .unwrap_or(0);
        parts.push(match calling {
            0 => format!("{in_progress} in progress"),
            n => format!("{in_progress} in progress ({n} calling)"),
        });
    }
    parts.retain(|part| !part.is_empty());
    parts.join(" · ")
}

fn style() -> ProgressStyle {
    // `wide_msg` is cut to the terminal's width: the bar stays one line.
    ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The bar on the screen, if one is: log lines are written above it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Registers a bar as the one on the screen while it lives.
struct Shown;

impl Shown {
    fn new(bar: &ProgressBar) -> Shown {
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
        Shown
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Where log lines go: standard error, with the progress bar on the screen (if any) set
/// aside for each line and drawn again below it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::new())
    }
}

/// One log line, gathered and written whole when dropped.
pub struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner()).clone();
        emit(shown.as_ref(), &self.0, &mut std::io::stderr());
    }
}

/// Writes a log line to `out`, with `bar` cleared meanwhile and drawn again after.
fn emit(bar: Option<&ProgressBar>, line: &[u8], out: &mut impl Write) {
    let mut write = || {
        // A log line that cannot be written has nowhere else to go.
        let _ = out.write_all(line).and_then(|()| out.flush());
    };
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::{ProgressDrawTarget, TermLike};
    use std::sync::Arc;

    /// A terminal as a list of lines with a cursor row: what a person would see.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<(Vec<String>, usize)>>);

    impl Screen {
        fn put(&self, text: &str) {
            let mut screen = self.0.lock().unwrap();
            let (lines, row) = &mut *screen;
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    *row += 1;
                }
                if lines.len() <= *row {
                    lines.resize(*row + 1, String::new());
                }
                match part.rsplit_once('\r') {
                    Some((_, after)) => lines[*row] = after.to_owned(),
                    None => lines[*row].push_str(part),
                }
            }
        }

        fn lines(&self) -> Vec<String> {
            let screen = self.0.lock().unwrap();
            screen.0.iter().map(|l| l.trim_end().to_owned()).collect()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
            let mut screen = self.0.lock().unwrap();
            screen.1 = screen.1.saturating_sub(n);
            Ok(())
        }
        fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
            self.0.lock().unwrap().1 += n;
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, text: &str) -> std::io::Result<()> {
            self.put(&format!("{text}\n"));
            Ok(())
        }
        fn write_str(&self, text: &str) -> std::io::Result<()> {
            self.put(text);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            let mut screen = self.0.lock().unwrap();
            let (lines, row) = &mut *screen;
            if let Some(line) = lines.get_mut(*row) {
                line.clear();
            }
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Write for Screen {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.put(&String::from_utf8_lossy(bytes));
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_log_line_goes_above_the_bar_not_through_it() {
        let screen = Screen::default();
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let bar = ProgressBar::with_draw_target(Some(10), target);
        bar.set_style(style());
        bar.set_message("3/10 settled");
        bar.set_position(3);
        assert!(screen.lines().last().unwrap().contains("3/10 settled"));

        emit(Some(&bar), b"WARN a log line\n", &mut screen.clone());
        bar.set_message("4/10 settled");
        let lines = screen.lines();
        let log = lines.iter().position(|l| l == "WARN a log line");
        let drawn = lines.iter().position(|l| l.contains("4/10 settled"));
        assert!(
            matches!((log, drawn), (Some(l), Some(b)) if l < b),
            "{lines:#?}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.contains("settled")).count(),
            1,
            "{lines:#?}"
        );
    }

    #[test]
    fn without_a_bar_a_log_line_is_written_as_it_is() {
        let mut out = Vec::new();
        emit(None, b"INFO a line\n", &mut out);
        assert_eq!(out, b"INFO a line\n");
    }

    fn tally_of(settled: &[(DeliveryState, i64)], open: &[(DeliveryState, i64)]) -> DeliveryTally {
        DeliveryTally {
            settled: settled.iter().copied().collect(),
            open: open.iter().copied().collect(),
        }
    }

    #[test]
    fn only_final_states_are_settled_and_the_rest_is_in_progress() {
        let tally = tally_of(
            &[
                (DeliveryState::Acknowledged, 45),
                (DeliveryState::AnsweredNoAck, 2),
                (DeliveryState::Busy, 1),
            ],
            &[(DeliveryState::Calling, 1), (DeliveryState::Busy, 1)],
        );
        assert_eq!(
            progress(&tally, 50),
            "48/50 settled · 45 acknowledged · 2 answered without confirming · 1 busy · \
             2 in progress (1 calling)"
        );
        let waiting = tally_of(&[], &[(DeliveryState::Pending, 5)]);
        assert_eq!(progress(&waiting, 20), "0/20 settled · 20 in progress");
        let done = tally_of(&[(DeliveryState::Acknowledged, 3)], &[]);
        assert_eq!(progress(&done, 3), "3/3 settled · 3 acknowledged");
    }
}
