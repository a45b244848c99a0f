//! What the API answers with: alerts with their live totals, deliveries with their attempts.
//! Times are RFC 3339 in UTC; states are the store's words (`acknowledged`, `no_answer`…).

use crate::store::{Alert, AlertSummary, Attempt, DeliveryLine, DeliveryState};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An alert and how far it got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Its id.
    pub id: String,
    /// `urgent`, `prevention` or `feedback`.
    pub kind: String,
    /// `draft`, `sending`, `completed`, `cancelled` or `expired`.
    pub state: String,
    /// An exercise: members hear it as a test.
    pub drill: bool,
    /// Who sent it.
    pub created_by: String,
    /// When it was sent.
    pub created_at: String,
    /// When its state last changed.
    pub updated_at: String,
    /// After this, no more calls.
    pub expires_at: Option<String>,
    /// For feedback: the activation it follows up.
    pub activation_of: Option<String>,
    /// The networks it targets.
    pub networks: Vec<NetworkRef>,
    /// Its deliveries so far.
    pub totals: Totals,
    /// For an urgent alert to a network that asks for it: who asked and who approved (in
    /// the answers about one alert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalView>,
}

/// Who asked for an alert held for approval, and who approved it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalView {
    /// The id of the token that sent it.
    pub requested_by: String,
    /// When.
    pub requested_at: String,
    /// The id of the token that approved it; absent while it waits.
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<String>,
}

impl ApprovalView {
    /// The view of a stored approval.
    pub fn of(approval: &crate::store::Approval) -> ApprovalView {
        ApprovalView {
            requested_by: approval.requested_by.to_string(),
            requested_at: time(approval.requested_at),
            approved_by: approval.approved_by.as_ref().map(ToString::to_string),
            approved_at: approval.approved_at.map(time),
        }
    }
}

/// A network named in an answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NetworkRef {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// An alert's deliveries counted.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Totals {
    /// Members with a delivery so far (all of them once the alert is under way).
    pub members: i64,
    /// Members who confirmed, by any means.
    pub confirmed: i64,
    /// Deliveries by state.
    pub by_state: BTreeMap<String, i64>,
}

impl Totals {
    /// Totals from counts by state.
    pub fn of(counts: &BTreeMap<DeliveryState, i64>) -> Totals {
        Totals {
            members: counts.values().sum(),
            confirmed: counts
                .iter()
                .filter(|(state, _)| state.is_acknowledged())
                .map(|(_, n)| n)
                .sum(),
            by_state: counts
                .iter()
                .map(|(state, n)| (state.as_str().to_owned(), *n))
                .collect(),
        }
    }
}

impl AlertView {
    /// The view of a stored alert with its networks' names and its counts.
    pub fn of(summary: &AlertSummary, names: &BTreeMap<String, String>) -> AlertView {
        let alert = &summary.alert;
        let mut view = AlertView::bare(alert, names);
        view.totals = Totals::of(&summary.deliveries);
        view
    }

    /// The view of an alert without its counts; its networks by name.
    pub fn bare(alert: &Alert, names: &BTreeMap<String, String>) -> AlertView {
        let mut networks: Vec<NetworkRef> = alert
            .networks
            .iter()
            .map(|id| NetworkRef {
                id: id.to_string(),
                name: names.get(id.as_str()).cloned().unwrap_or_default(),
            })
            .collect();
        networks.sort_by(|a, b| a.name.cmp(&b.name));
        AlertView {
            id: alert.id.to_string(),
            kind: alert.kind.as_str().to_owned(),
            state: alert.state.as_str().to_owned(),
            drill: alert.drill,
            created_by: alert.created_by.clone(),
            created_at: time(alert.created_at),
            updated_at: time(alert.updated_at),
            expires_at: alert.expires_at.map(time),
            activation_of: alert.activation_of.as_ref().map(ToString::to_string),
            networks,
            totals: Totals::default(),
            approval: None,
        }
    }
}

/// One member's delivery of an alert.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Its id.
    pub id: String,
    /// The member.
    pub member_id: String,
    /// The member's name.
    pub member_name: String,
    /// Where it is: `pending`, `calling`, `acknowledged`, `busy`, `no_answer`…
    pub state: String,
    /// Calls and SMS begun.
    pub tries: i64,
    /// When the next try is, if one is scheduled.
    pub next_try_at: Option<String>,
    /// When it last changed.
    pub updated_at: String,
    /// Its calls and SMS, first to last (in the deliveries list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<Vec<AttemptView>>,
}

impl DeliveryView {
    /// The view of one line, without attempts.
    pub fn of(line: &DeliveryLine) -> DeliveryView {
        let d = &line.delivery;
        DeliveryView {
            id: d.id.to_string(),
            member_id: d.member_id.to_string(),
            member_name: line.member_name.clone(),
            state: d.state.as_str().to_owned(),
            tries: d.attempts,
            next_try_at: d.next_try_at.map(time),
            updated_at: time(d.updated_at),
            attempts: None,
        }
    }
}

/// One call or SMS.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub seq: i64,
    /// `voice`, `sms`, or `callback` (a message the member heard when they phoned the
    /// call-back line: not a try).
    pub channel: String,
    /// The number dialled (for a call-back, the caller's), E.164; `removed` once
    /// `[retention] attempts` has passed.
    pub number: String,
    /// When it began.
    pub started_at: String,
    /// When it ended; absent while in flight.
    pub ended_at: Option<String>,
    /// How it ended: `acknowledged`, `answered_no_ack`, `busy`, `no_answer`, `voicemail`…
    pub outcome: Option<String>,
    /// The SIP final status.
    pub sip_status: Option<u16>,
    /// How long it rang, ms.
    pub ring_ms: Option<i64>,
    /// How long the member listened, ms.
    pub talk_ms: Option<i64>,
    /// For a text, what its delivery receipt said: `delivered`, `expired`, `undeliverable`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_receipt: Option<String>,
}

impl AttemptView {
    /// The view of a stored attempt.
    pub fn of(attempt: &Attempt) -> AttemptView {
        let result = attempt.result.as_ref();
        AttemptView {
            seq: attempt.seq,
            channel: attempt.channel.as_str().to_owned(),
            number: attempt.number.clone(),
            started_at: time(attempt.started_at),
            ended_at: result.map(|r| time(r.ended_at)),
            outcome: result.map(|r| r.outcome.clone()),
            sip_status: result.and_then(|r| r.sip_status),
            ring_ms: result.and_then(|r| r.ring_ms),
            talk_ms: result.and_then(|r| r.talk_ms),
            sms_receipt: result.and_then(|r| r.sms_receipt.clone()),
        }
    }
}

/// Epoch milliseconds as RFC 3339 in UTC.
pub fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}
