//! The JSON bodies a webhook receives, fixed when the event is written. They name alerts,
//! deliveries and members by id only (and the coordinator's own member id, which the network
//! gave): never a name or a number.

use crate::store::{AlertSummary, ConfirmationSeen, WebhookEvent};
use serde::Serialize;
use std::collections::BTreeMap;

/// `alert.completed` or `alert.cancelled`.
#[derive(Debug, Clone, Serialize)]
pub struct AlertEnded<'a> {
    /// The event.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event's id (also `webhook-id`).
    pub id: &'a str,
    /// When the alert ended (RFC 3339, UTC).
    pub occurred_at: String,
    /// The alert.
    pub alert: EndedAlert,
}

/// An alert that ended, with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct EndedAlert {
    /// Its id.
    pub id: String,
    /// `urgent`, `prevention` or `feedback`.
    pub kind: &'static str,
    /// `completed`, `expired` or `cancelled`.
    pub state: &'static str,
    /// An exercise.
    pub drill: bool,
    /// The networks it went to, by name.
    pub networks: Vec<String>,
    /// When it was sent.
    pub created_at: String,
    /// When it ended.
    pub ended_at: String,
    /// Its deliveries counted, as the API's alert view counts them.
    pub totals: Totals,
    /// The CAP message that made it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<CapOrigin>,
}

/// The CAP `<alert>` an alert came from: the sender's own names for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapOrigin {
    /// `<sender>`.
    pub sender: String,
    /// `<identifier>`.
    pub identifier: String,
}

/// An alert's deliveries counted: the fields of the API's `totals`.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Members with a delivery.
    pub members: i64,
    /// Members who confirmed, by any means.
    pub confirmed: i64,
    /// Deliveries by state.
    pub by_state: BTreeMap<String, i64>,
}

/// `delivery.acknowledged`.
#[derive(Debug, Clone, Serialize)]
pub struct Acknowledged<'a> {
    /// The event.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event's id (also `webhook-id`).
    pub id: &'a str,
    /// When the member confirmed.
    pub occurred_at: String,
    /// The alert.
    pub alert: AlertRef,
    /// The member's delivery.
    pub delivery: DeliveryRef<'a>,
    /// When the member confirmed (RFC 3339, UTC).
    pub acknowledged_at: String,
    /// `dtmf`, `sms_reply`, `callback` or `api`.
    pub how: &'static str,
}

/// The alert a confirmation answers.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRef {
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: &'static str,
    /// An exercise.
    pub drill: bool,
    /// The CAP message that made it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<CapOrigin>,
}

/// The delivery a member confirmed, as the webhook's network knows the member.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRef<'a> {
    /// The delivery's id.
    pub id: String,
    /// The member's id in buurtbel.
    pub member_id: String,
    /// The coordinator's own id for the member in this network, if the member file gave one.
    pub external_id: Option<String>,
    /// The network, by name.
    pub network: &'a str,
}

/// The event an ended alert makes: `alert.cancelled` or `alert.completed` (expired too).
pub fn event_of(summary: &AlertSummary) -> WebhookEvent {
    match summary.alert.state {
        crate::store::AlertState::Cancelled => WebhookEvent::AlertCancelled,
        _ => WebhookEvent::AlertCompleted,
    }
}

/// The body of an alert's end, event `uid`.
pub fn alert_ended(uid: &str, summary: &AlertSummary, cap: Option<&CapOrigin>) -> String {
    let alert = &summary.alert;
    let body = AlertEnded {
        kind: event_of(summary).as_str(),
        id: uid,
        occurred_at: time(alert.updated_at),
        alert: EndedAlert {
            id: alert.id.to_string(),
            kind: alert.kind.as_str(),
            state: alert.state.as_str(),
            drill: alert.drill,
            networks: summary.network_names.clone(),
            created_at: time(alert.created_at),
            ended_at: time(alert.updated_at),
            totals: Totals {
                members: summary.members(),
                confirmed: summary.confirmed(),
                by_state: summary
                    .deliveries
                    .iter()
                    .map(|(state, n)| (state.as_str().to_owned(), *n))
                    .collect(),
            },
            cap: cap.cloned(),
        },
    };
    to_text(&body)
}

/// The body of a confirmation, event `uid`, for a webhook of the network named `network`.
pub fn acknowledged(
    uid: &str,
    seen: &ConfirmationSeen,
    network: &str,
    cap: Option<&CapOrigin>,
) -> String {
    let body = Acknowledged {
        kind: WebhookEvent::DeliveryAcknowledged.as_str(),
        id: uid,
        occurred_at: time(seen.acknowledged_at),
        alert: AlertRef {
            id: seen.alert_id.to_string(),
            kind: seen.alert_kind.as_str(),
            drill: seen.drill,
            cap: cap.cloned(),
        },
        delivery: DeliveryRef {
            id: seen.delivery_id.to_string(),
            member_id: seen.member_id.to_string(),
            external_id: seen.external_id.clone(),
            network,
        },
        acknowledged_at: time(seen.acknowledged_at),
        how: seen.how.as_str(),
    };
    to_text(&body)
}

/// RFC 3339 in UTC, as the API writes times.
fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

fn to_text(body: &impl Serialize) -> String {
    // These structs hold strings, numbers and maps with string keys: serialising cannot fail.
    serde_json::to_string(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        AckHow, Alert, AlertId, AlertKind, AlertState, DeliveryId, DeliveryState, MemberId,
        NetworkId,
    };
    use serde_json::{Value, json};

    const T: i64 = 1_700_000_000_000;

    fn summary(state: AlertState) -> AlertSummary {
        AlertSummary {
            alert: Alert {
                id: AlertId::from("a-1"),
                kind: AlertKind::Urgent,
                activation_of: None,
                created_by: "Agent Test".into(),
                state,
                created_at: T,
                updated_at: T + 60_000,
                expires_at: None,
                drill: true,
                idempotency_key: None,
                networks: vec![NetworkId::from("n-1")],
            },
            network_names: vec!["BIN Proef".into()],
            deliveries: [(DeliveryState::Acknowledged, 2), (DeliveryState::Busy, 1)].into(),
        }
    }

    #[test]
    fn an_alert_that_ended_carries_its_counts_and_no_member() {
        let body: Value =
            serde_json::from_str(&alert_ended("e-1", &summary(AlertState::Expired), None))
                .expect("json");
        assert_eq!(
            body,
            json!({
                "type": "alert.completed",
                "id": "e-1",
                "occurred_at": "2023-11-14T22:14:20Z",
                "alert": {
                    "id": "a-1", "kind": "urgent", "state": "expired", "drill": true,
                    "networks": ["BIN Proef"],
                    "created_at": "2023-11-14T22:13:20Z", "ended_at": "2023-11-14T22:14:20Z",
                    "totals": {"members": 3, "confirmed": 2,
                               "by_state": {"acknowledged": 2, "busy": 1}},
                },
            })
        );
        assert_eq!(
            event_of(&summary(AlertState::Cancelled)),
            WebhookEvent::AlertCancelled
        );
    }

    #[test]
    fn a_confirmation_names_the_delivery_and_the_networks_own_member_id() {
        let seen = ConfirmationSeen {
            alert_id: AlertId::from("a-1"),
            alert_kind: AlertKind::Urgent,
            drill: false,
            delivery_id: DeliveryId::from("d-1"),
            member_id: MemberId::from("m-1"),
            how: AckHow::Dtmf,
            acknowledged_at: T,
            network_id: NetworkId::from("n-1"),
            external_id: Some("V-17".into()),
        };
        let cap = CapOrigin {
            sender: "pz-test@police.example".into(),
            identifier: "PZ-TEST-1".into(),
        };
        let text = acknowledged("e-2", &seen, "BIN Proef", Some(&cap));
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            body,
            json!({
                "type": "delivery.acknowledged",
                "id": "e-2",
                "occurred_at": "2023-11-14T22:13:20Z",
                "alert": {"id": "a-1", "kind": "urgent", "drill": false,
                          "cap": {"sender": "pz-test@police.example", "identifier": "PZ-TEST-1"}},
                "delivery": {"id": "d-1", "member_id": "m-1", "external_id": "V-17",
                             "network": "BIN Proef"},
                "acknowledged_at": "2023-11-14T22:13:20Z",
                "how": "dtmf",
            })
        );
    }
}
