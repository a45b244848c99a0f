//! `alert list --json` and `alert show --json`: one object each, for scripts. The field
//! names are a promise (the README lists them): add fields, never rename one. Values are the
//! stored codes (`no_answer`, `dtmf`), times epoch milliseconds as in `status --json`, and
//! numbers masked as in the text.

use super::Shown;
use crate::number::masked;
use crate::store::{AlertSummary, MemberResult, MessageBody};
use serde::Serialize;
use std::collections::BTreeMap;

/// `{"since": …, "network": …, "alerts": [...]}`.
pub(super) fn list(since: i64, network: Option<&str>, alerts: &[AlertSummary]) -> String {
    let list = List {
        since,
        network,
        alerts: alerts.iter().map(Alert::new).collect(),
    };
    serde_json::to_string(&list).unwrap_or_default()
}

/// The alert's fields, its messages, and with `--members` its members.
pub(super) fn show(shown: &Shown<'_>) -> String {
    let detail = Detail {
        alert: Alert::new(shown.summary),
        expires_at: shown.summary.alert.expires_at,
        created_by: &shown.summary.alert.created_by,
        activation_of: shown
            .summary
            .alert
            .activation_of
            .as_ref()
            .map(|a| a.as_str()),
        messages: shown.messages.iter().map(Message::new).collect(),
        members: shown
            .members
            .map(|members| members.iter().map(Member::new).collect()),
    };
    serde_json::to_string(&detail).unwrap_or_default()
}

#[derive(Serialize)]
struct List<'a> {
    since: i64,
    network: Option<&'a str>,
    alerts: Vec<Alert<'a>>,
}

/// What `list` gives for each alert, and `show` for its one.
#[derive(Serialize)]
struct Alert<'a> {
    id: &'a str,
    created_at: i64,
    kind: &'static str,
    drill: bool,
    state: &'static str,
    networks: &'a [String],
    member_count: i64,
    confirmed: i64,
    deliveries: BTreeMap<&'static str, i64>,
}

#[derive(Serialize)]
struct Detail<'a> {
    #[serde(flatten)]
    alert: Alert<'a>,
    expires_at: Option<i64>,
    created_by: &'a str,
    activation_of: Option<&'a str>,
    messages: Vec<Message<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<Member<'a>>>,
}

#[derive(Serialize)]
struct Message<'a> {
    language: &'a str,
    text: Option<&'a str>,
    recording: bool,
}

#[derive(Serialize)]
struct Member<'a> {
    name: &'a str,
    number: Option<String>,
    state: &'static str,
    tries: i64,
    confirmed_at: Option<i64>,
    confirmed_how: Option<&'static str>,
    last_try_at: Option<i64>,
    last_outcome: Option<&'a str>,
    last_sip_status: Option<u16>,
    last_channel: Option<&'static str>,
}

impl<'a> Alert<'a> {
    fn new(summary: &'a AlertSummary) -> Alert<'a> {
        let alert = &summary.alert;
        Alert {
            id: alert.id.as_str(),
            created_at: alert.created_at,
            kind: alert.kind.as_str(),
            drill: alert.drill,
            state: alert.state.as_str(),
            networks: &summary.network_names,
            member_count: summary.members(),
            confirmed: summary.confirmed(),
            deliveries: summary
                .deliveries
                .iter()
                .map(|(state, n)| (state.as_str(), *n))
                .collect(),
        }
    }
}

impl<'a> Message<'a> {
    fn new(message: &'a crate::store::Message) -> Message<'a> {
        let text = match &message.body {
            MessageBody::Text(text) => Some(text.as_str()),
            MessageBody::Recording(_) => None,
        };
        Message {
            language: &message.language,
            text,
            recording: text.is_none(),
        }
    }
}

impl<'a> Member<'a> {
    fn new(member: &'a MemberResult) -> Member<'a> {
        let last = member.last_try.as_ref();
        Member {
            name: &member.name,
            number: member.number.as_deref().map(masked),
            state: member.state.as_str(),
            tries: member.tries,
            confirmed_at: member.confirmation.map(|c| c.at),
            confirmed_how: member.confirmation.map(|c| c.how.as_str()),
            last_try_at: last.map(|t| t.started_at),
            last_outcome: last.and_then(|t| t.outcome.as_deref()),
            last_sip_status: last.and_then(|t| t.sip_status),
            last_channel: last.map(|t| t.channel.as_str()),
        }
    }
}
