//! The demo's ending: every member under their final state, the totals, and the same as one
//! JSON object on the last line of standard output with `--json`.

use super::neighbourhood::Neighbour;
use crate::cli::CliError;
use crate::store::{AlertId, DeliveryState, Store};
use serde::Serialize;
use std::path::PathBuf;

/// One member's line.
#[derive(Debug, Serialize)]
pub struct Row {
    member: String,
    behaviour: &'static str,
    expected: &'static str,
    state: String,
    calls: i64,
    keys: String,
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
    other: usize,
    calls_placed: i64,
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
        let mut rows = Vec::new();
        for line in store.deliveries(alert).await? {
            let attempts = store.attempts(&line.delivery.id).await?;
            let keys: String = attempts
                .iter()
                .filter_map(|a| a.result.as_ref()?.digits.clone())
                .collect();
            let behaviour = neighbours
                .iter()
                .find(|n| n.name == line.member_name)
                .map(|n| n.behaviour);
            rows.push(Row {
                member: line.member_name.clone(),
                behaviour: behaviour.map_or("?", |b| b.label()),
                expected: behaviour.map_or("?", |b| b.expected()),
                state: line.delivery.state.to_string(),
                calls: line.delivery.attempts,
                keys,
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
            other,
            calls_placed: rows.iter().map(|r| r.calls).sum(),
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
        println!(
            "{:<9} {:<36} {:<16} {:>5}  keys",
            "member", "phone", "final state", "calls"
        );
        for row in &self.rows {
            let mark = if row.state == row.expected {
                ""
            } else {
                "  (!)"
            };
            println!(
                "{:<9} {:<36} {:<16} {:>5}  {}{mark}",
                row.member, row.behaviour, row.state, row.calls, row.keys
            );
        }
        println!();
        println!(
            "{} members in {:.1} s, {} calls: {} acknowledged, {} voicemail, {} no answer, \
             {} busy, {} answered without confirming, {} failed{}",
            self.members,
            self.seconds,
            self.calls_placed,
            self.acknowledged,
            self.voicemail,
            self.no_answer,
            self.busy,
            self.answered_no_ack,
            self.failed,
            if self.other > 0 {
                format!(", {} other", self.other)
            } else {
                String::new()
            }
        );
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
}
