//! `alert list` and `alert show` as text: aligned columns, states in words, times in
//! Brussels, numbers masked.

use super::Shown;
use crate::cli::words;
use crate::number::masked;
use crate::store::{
    AlertSummary, AttemptChannel, DeliveryState, MemberResult, Message, MessageBody,
};
use std::fmt::Write;

/// One line per alert under a header, or a line saying there is none.
pub(super) fn list(since: i64, network: Option<&str>, alerts: &[AlertSummary]) -> String {
    if alerts.is_empty() {
        let network = network.map(|n| format!(" to {n}")).unwrap_or_default();
        return format!("no alerts{network} since {}\n", words::time(since));
    }
    let rows: Vec<Vec<String>> = alerts
        .iter()
        .map(|summary| {
            let alert = &summary.alert;
            vec![
                words::time(alert.created_at),
                alert.id.to_string(),
                kind(summary),
                alert.state.to_string(),
                confirmed(summary),
                summary.network_names.join(", "),
            ]
        })
        .collect();
    let head = ["created", "id", "kind", "state", "confirmed", "networks"];
    table(&head, &rows, &[4])
}

/// The alert's header, its counts, and with `--members` a table of members.
pub(super) fn show(shown: &Shown<'_>) -> String {
    let mut out = format!("alert {}\n", shown.summary.alert.id);
    for (label, value) in header(shown) {
        let _ = writeln!(out, "{label:<10} {value}");
    }
    if let Some(members) = shown.members {
        out.push('\n');
        out.push_str(&member_table(members));
    }
    out
}

/// Labelled lines: what was sent, when, by whom, to whom, and how far it got.
fn header(shown: &Shown<'_>) -> Vec<(&'static str, String)> {
    let summary = shown.summary;
    let alert = &summary.alert;
    let created = format!("{} by {}", words::time(alert.created_at), alert.created_by);
    let expires = alert.expires_at.map_or("not set".into(), words::time);
    let mut lines = vec![
        ("kind", kind(summary)),
        ("state", alert.state.to_string()),
        ("created", created),
        ("expires", expires),
    ];
    if let Some(activation) = &alert.activation_of {
        lines.push(("follows up", activation.to_string()));
    }
    lines.push(("networks", summary.network_names.join(", ")));
    lines.extend(messages(shown.messages));
    lines.push(("members", counts(summary)));
    lines.push(("confirmed", confirmed(summary)));
    lines
}

/// `nl: the text` per language, a recording as `recorded message`; the label on the first.
fn messages(messages: &[Message]) -> Vec<(&'static str, String)> {
    let line = |(i, message): (usize, &Message)| {
        let body = match &message.body {
            MessageBody::Text(text) => text.as_str(),
            MessageBody::Recording(_) => "recorded message",
        };
        let label = if i == 0 { "message" } else { "" };
        (label, format!("{}: {body}", message.language))
    };
    messages.iter().enumerate().map(line).collect()
}

/// `urgent` or `urgent, drill`: a drill is said wherever the alert is named.
fn kind(summary: &AlertSummary) -> String {
    let alert = &summary.alert;
    let drill = if alert.drill { ", drill" } else { "" };
    format!("{}{drill}", alert.kind)
}

/// `12 of 50`.
fn confirmed(summary: &AlertSummary) -> String {
    format!("{} of {}", summary.confirmed(), summary.members())
}

/// `50: 40 acknowledged · 6 no answer · …`, largest first.
fn counts(summary: &AlertSummary) -> String {
    let mut parts: Vec<(&DeliveryState, &i64)> = summary.deliveries.iter().collect();
    if parts.is_empty() {
        return "0 (no calls yet)".to_owned();
    }
    parts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = parts
        .iter()
        .map(|(state, n)| format!("{n} {}", words::state(**state)))
        .collect();
    format!("{}: {}", summary.members(), parts.join(" · "))
}

/// One line per member.
fn member_table(members: &[MemberResult]) -> String {
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.number.as_deref().map_or("(no number)".into(), masked),
                words::state(m.state).to_owned(),
                m.tries.to_string(),
                confirmed_or_why_not(m),
            ]
        })
        .collect();
    let head = [
        "member",
        "number",
        "final state",
        "tries",
        "confirmed, or why not",
    ];
    table(&head, &rows, &[3])
}

/// A header and rows in columns as wide as their widest entry, two spaces apart; the
/// `right` columns aligned right, the last one not padded.
fn table(head: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let head: Vec<String> = head.iter().map(|h| (*h).to_owned()).collect();
    let lines: Vec<&Vec<String>> = std::iter::once(&head).chain(rows).collect();
    let widths: Vec<usize> = (0..head.len())
        .map(|column| {
            let cells = lines.iter().filter_map(|line| line.get(column));
            cells.map(|cell| cell.chars().count()).max().unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        let last = line.len().saturating_sub(1);
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, &width))| match column {
                c if c == last => cell.clone(),
                c if right.contains(&c) => format!("{cell:>width$}"),
                _ => format!("{cell:<width$}"),
            })
            .collect();
        out.push_str(&cells.join("  "));
        out.push('\n');
    }
    out
}

/// When and how the member confirmed; else what their last try came to.
fn confirmed_or_why_not(member: &MemberResult) -> String {
    if let Some(confirmation) = member.confirmation {
        let how = words::confirmed_how(confirmation.how);
        return format!("{} by {how}", words::time(confirmation.at));
    }
    let Some(last) = &member.last_try else {
        return "not called".to_owned();
    };
    if last.ended_at.is_none() {
        return format!("on a call since {}", words::time(last.started_at));
    }
    if last.channel == AttemptChannel::Callback {
        return last
            .outcome
            .as_deref()
            .map_or("called back".into(), words::callback);
    }
    let outcome = last
        .outcome
        .as_deref()
        .map_or("ended".into(), words::outcome);
    match last.sip_status {
        Some(status) => format!("{outcome}, {}", words::sip_status(status)),
        None => outcome,
    }
}
