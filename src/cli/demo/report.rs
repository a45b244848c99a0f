//! The demo's ending: every member under their final state, the totals, and the same as one
//! JSON object on the last line of standard output with `--json`. The table is for people:
//! states in the words of the totals, keys one by one, and for a member who did not confirm
//! why, as their last call ended; the JSON keeps the stored codes. Calls and texts are counted
//! apart: a member texted after their calls shows both.

use super::neighbourhood::Neighbour;
use crate::cli::{CliError, words};
use crate::store::{AckHow, AlertId, Attempt, AttemptChannel, AttemptResult, DeliveryState, Store};
use serde::Serialize;
use std::path::PathBuf;

/// One member's line.
#[derive(Debug, Serialize)]
pub struct Row {
    member: String,
    /// What the simulated phone was scripted to do.
    behaviour: &'static str,
    expected: &'static str,
    state: String,
    /// Calls placed to the member.
    calls: i64,
    /// Texts the SMS provider took for the member.
    texts: i64,
    /// How the member confirmed (`dtmf`, `sms_reply`…), if they did.
    acknowledged_by: Option<&'static str>,
    keys: String,
    /// How the member's last call ended (`busy`, `no_answer`…) and its SIP status.
    outcome: Option<String>,
    sip_status: Option<u16>,
    #[serde(skip)]
    last: Option<AttemptResult>,
}

/// Everything the demo reports.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The demo's alert is a drill: every call opened with "this is an exercise".
    drill: bool,
    members: usize,
    acknowledged: usize,
    voicemail: usize,
    no_answer: usize,
    busy: usize,
    answered_no_ack: usize,
    failed: usize,
    sms_acknowledged: usize,
    sms_sent: usize,
    other: usize,
    calls_placed: i64,
    /// Texts sent, and replies that confirmed.
    texts_sent: i64,
    sms_replies: usize,
    seconds: f64,
    as_expected: usize,
    heard_member: Option<String>,
    heard_wav: Option<PathBuf>,
    rows: Vec<Row>,
}

impl Report {
    /// Reads the alert's deliveries and attempts.
    pub async fn read(
        store: &Store,
        alert: &AlertId,
        neighbours: &[Neighbour],
        seconds: f64,
        heard: Option<(String, PathBuf)>,
    ) -> Result<Report, CliError> {
        let acknowledgements = store.acknowledgements(alert).await?;
        let mut rows = Vec::new();
        for line in store.deliveries(alert).await? {
            let attempts = store.attempts(&line.delivery.id).await?;
            let acknowledged_by = acknowledgements
                .iter()
                .find(|a| a.member_id == line.delivery.member_id)
                .map(|a| a.how.as_str());
            let keys: String = attempts
                .iter()
                .filter_map(|a| a.result.as_ref()?.digits.clone())
                .collect();
            let last = last_result(&attempts);
            let behaviour = neighbours
                .iter()
                .find(|n| n.name == line.member_name)
                .map(|n| n.behaviour);
            rows.push(Row {
                member: line.member_name.clone(),
                behaviour: behaviour.map_or("?", |b| b.label()),
                expected: behaviour.map_or("?", |b| b.expected()),
                state: line.delivery.state.to_string(),
                calls: calls(&attempts),
                texts: texts_sent(&attempts),
                acknowledged_by,
                keys,
                outcome: last.as_ref().map(|r| r.outcome.clone()),
                sip_status: last.as_ref().and_then(|r| r.sip_status),
                last,
            });
        }
        let count =
            |state: DeliveryState| rows.iter().filter(|r| r.state == state.as_str()).count();
        let named = [
            DeliveryState::Acknowledged,
            DeliveryState::Voicemail,
            DeliveryState::NoAnswer,
            DeliveryState::Busy,
            DeliveryState::AnsweredNoAck,
            DeliveryState::Failed,
            DeliveryState::SmsAcknowledged,
            DeliveryState::SmsSent,
        ];
        let other = rows
            .iter()
            .filter(|r| !named.iter().any(|s| s.as_str() == r.state))
            .count();
        let (heard_member, heard_wav) = heard.unzip();
        let drill = store.alert(alert).await?.is_some_and(|a| a.drill);
        Ok(Report {
            drill,
            members: neighbours.len(),
            acknowledged: count(DeliveryState::Acknowledged),
            voicemail: count(DeliveryState::Voicemail),
            no_answer: count(DeliveryState::NoAnswer),
            busy: count(DeliveryState::Busy),
            answered_no_ack: count(DeliveryState::AnsweredNoAck),
            failed: count(DeliveryState::Failed),
            sms_acknowledged: count(DeliveryState::SmsAcknowledged),
            sms_sent: count(DeliveryState::SmsSent),
            other,
            calls_placed: rows.iter().map(|r| r.calls).sum(),
            texts_sent: rows.iter().map(|r| r.texts).sum(),
            sms_replies: acknowledgements
                .iter()
                .filter(|a| a.how == AckHow::SmsReply)
                .count(),
            seconds: (seconds * 10.0).round() / 10.0,
            as_expected: rows.iter().filter(|r| r.state == r.expected).count(),
            heard_member,
            heard_wav,
            rows,
        })
    }

    /// The table and totals; with `json`, the JSON object last.
    pub fn print(&self, json: bool) {
        if self.drill {
            println!("A drill: every member first heard \"this is an exercise\".");
        }
        self.print_table();
        println!();
        println!("{}", self.totals());
        if let (Some(member), Some(path)) = (&self.heard_member, &self.heard_wav) {
            println!("what {member} heard: {}", path.display());
        }
        if json {
            match serde_json::to_string(self) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("error: the JSON summary: {e}"),
            }
        }
    }

    /// Every member: what their phone was scripted to do, how it ended, and why not
    /// confirmed; `(!)` where the story expected another end.
    fn print_table(&self) {
        println!(
            "{:<9} {:<36} {:<27} {:<16} {:<7} why",
            "member", "simulated behaviour", "final state", "calls", "keys"
        );
        for row in &self.rows {
            let mark = if row.state == row.expected {
                ""
            } else {
                "  (!)"
            };
            let line = format!(
                "{:<9} {:<36} {:<27} {:<16} {:<7} {}{mark}",
                row.member,
                row.behaviour,
                row.state_in_words(),
                row.calls_and_texts(),
                words::keys(&row.keys),
                row.why()
            );
            println!("{}", line.trim_end());
        }
    }

    fn totals(&self) -> String {
        let other = if self.other > 0 {
            format!(", {} other", self.other)
        } else {
            String::new()
        };
        format!(
            "{} in {:.1} s, {}, {}{}: {} acknowledged, {} acknowledged by SMS, {} voicemail, \
             {} no answer, {} busy, {} answered without confirming, {} SMS sent, \
             {} failed{other}",
            words::count(self.members as i64, "member"),
            self.seconds,
            words::count(self.calls_placed, "call"),
            words::count(self.texts_sent, "text"),
            if self.drill { " (a drill)" } else { "" },
            self.acknowledged,
            self.sms_acknowledged,
            self.voicemail,
            self.no_answer,
            self.busy,
            self.answered_no_ack,
            self.sms_sent,
            self.failed,
        )
    }
}

impl Row {
    fn state_in_words(&self) -> &str {
        if self.acknowledged_by == Some("callback") {
            return "acknowledged on call-back";
        }
        match self.state.parse::<DeliveryState>() {
            Ok(state) => words::state(state),
            Err(_) => &self.state,
        }
    }

    /// `3 calls`, `2 calls, 1 text`, `1 text`.
    fn calls_and_texts(&self) -> String {
        match (self.calls, self.texts) {
            (calls, 0) => words::count(calls, "call"),
            (0, texts) => words::count(texts, "text"),
            (calls, texts) => format!(
                "{}, {}",
                words::count(calls, "call"),
                words::count(texts, "text")
            ),
        }
    }

    /// For a member no call reached, how their last call ended: `busy (486)`. A member who
    /// answered (or whose machine did), or who confirmed a text, was reached; their state says
    /// the rest. A member texted after their calls failed is shown why the calls did.
    fn why(&self) -> String {
        let reached = [
            DeliveryState::Acknowledged,
            DeliveryState::SmsAcknowledged,
            DeliveryState::AnsweredNoAck,
            DeliveryState::Voicemail,
        ];
        match &self.last {
            Some(last) if !reached.iter().any(|s| s.as_str() == self.state) => words::why(last),
            _ => String::new(),
        }
    }
}

/// The result of the last call that has one (texts have their own column).
fn last_result(attempts: &[Attempt]) -> Option<AttemptResult> {
    attempts
        .iter()
        .filter(|a| a.channel == AttemptChannel::Voice)
        .filter_map(|a| a.result.clone())
        .max_by_key(|r| r.ended_at)
}

/// Calls placed.
fn calls(attempts: &[Attempt]) -> i64 {
    let calls = attempts
        .iter()
        .filter(|a| a.channel == AttemptChannel::Voice);
    i64::try_from(calls.count()).unwrap_or(i64::MAX)
}

/// Texts the provider took.
fn texts_sent(attempts: &[Attempt]) -> i64 {
    let sent = attempts.iter().filter(|a| {
        a.channel == AttemptChannel::Sms
            && a.result
                .as_ref()
                .is_some_and(|r| r.outcome == DeliveryState::SmsSent.as_str())
    });
    i64::try_from(sent.count()).unwrap_or(i64::MAX)
}
