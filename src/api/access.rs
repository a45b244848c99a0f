//! Who may do what: the whole role × action matrix in one function, and the networks a token
//! may act on.
//!
//! | action                   | admin | police | coordinator | viewer |
//! | ------------------------ | ----- | ------ | ----------- | ------ |
//! | read alerts and totals   | yes   | yes    | yes         | yes    |
//! | send an urgent alert     | yes   | yes    | no          | no     |
//! | send a prevention tip    | yes   | no     | yes         | no     |
//! | send feedback            | yes   | yes    | yes         | no     |
//! | cancel an urgent alert   | yes   | yes    | no          | no     |
//! | cancel a non-urgent one  | yes   | yes    | yes         | no     |
//! | read the audit log       | yes   | no     | no          | no     |
//! | read networks            | yes   | yes    | yes         | yes    |
//! | create a network         | yes   | no     | no          | no     |
//! | set a network's areas    | yes   | no     | no          | no     |
//! | read members             | yes   | no     | yes         | no     |
//! | add or change a member   | yes   | no     | yes         | no     |
//! | erase a member           | yes   | no     | yes         | no     |
//! | import a member CSV      | yes   | no     | yes         | no     |
//! | export a member CSV      | yes   | no     | yes         | no     |
//! | preview a message        | yes   | yes    | yes         | no     |
//! | upload a recording       | yes   | yes    | yes         | no     |
//! | manage webhooks          | yes   | yes    | yes         | no     |
//!
//! Previewing and uploading are what precedes sending: a role that may send some alert may
//! do both. They concern no network (nothing is sent), so they are not limited to any.
//!
//! Webhooks (add, list with what they sent, remove, read their events) are how a network's
//! own systems hear of its alerts: a role that sends to the network may point them somewhere.
//! They carry member ids (never names or numbers), so a viewer may not.
//!
//! Every other action but the audit log and creating a network is further limited to the
//! token's networks: an alert is seen when one of its networks is the token's, and sent or
//! cancelled only when all of them are; a network is seen, its members read, added, imported
//! or exported, and its webhooks managed, when it is the token's; a member is read or changed
//! when one of their networks is the token's, and erased only when all of them are. A token
//! without networks covers every network.

use crate::store::{AlertKind, NetworkId, Role, Token};

/// Something a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Alerts, their deliveries, events and reports.
    ReadAlerts,
    /// Send an alert of this kind.
    Send(AlertKind),
    /// Cancel an alert of this kind.
    Cancel(AlertKind),
    /// The audit log.
    ReadAudit,
    /// Networks: their names, languages, caller IDs.
    ReadNetworks,
    /// Create a network.
    CreateNetwork,
    /// Members: names, numbers, consent.
    ReadMembers,
    /// Add a member, change one, suspend or resume one.
    ChangeMembers,
    /// Erase a member's personal data.
    EraseMember,
    /// Import a member CSV.
    ImportMembers,
    /// Export a member CSV.
    ExportMembers,
    /// Hear a message as the engine renders it.
    Preview,
    /// Upload a recorded message.
    Upload,
    /// Add, list and remove a network's webhooks, and read what they sent.
    ManageWebhooks,
}

impl Action {
    /// Every action, for the matrix tests.
    pub const ALL: [Action; 18] = [
        Action::ReadAlerts,
        Action::Send(AlertKind::Urgent),
        Action::Send(AlertKind::Prevention),
        Action::Send(AlertKind::Feedback),
        Action::Cancel(AlertKind::Urgent),
        Action::Cancel(AlertKind::Prevention),
        Action::Cancel(AlertKind::Feedback),
        Action::ReadAudit,
        Action::ReadNetworks,
        Action::CreateNetwork,
        Action::ReadMembers,
        Action::ChangeMembers,
        Action::EraseMember,
        Action::ImportMembers,
        Action::ExportMembers,
        Action::Preview,
        Action::Upload,
        Action::ManageWebhooks,
    ];

    /// Whether the action touches members' personal data.
    pub fn on_members(self) -> bool {
        matches!(
            self,
            Action::ReadMembers
                | Action::ChangeMembers
                | Action::EraseMember
                | Action::ImportMembers
                | Action::ExportMembers
        )
    }
}

/// Whether `role` may do `action` at all.
pub fn allows(role: Role, action: Action) -> bool {
    use AlertKind::{Feedback, Prevention, Urgent};
    use Role::{Admin, Coordinator, Police, Viewer};
    match (role, action) {
        (Admin, _) => true,
        (_, Action::ReadAlerts | Action::ReadNetworks) => true,
        (Coordinator, action) if action.on_members() => true,
        (Police, Action::Send(Urgent | Feedback)) => true,
        (Coordinator, Action::Send(Prevention | Feedback)) => true,
        (Police, Action::Cancel(_)) => true,
        (Coordinator, Action::Cancel(Prevention | Feedback)) => true,
        (Police | Coordinator, Action::Preview | Action::Upload) => true,
        (Police | Coordinator, Action::ManageWebhooks) => true,
        (Police | Coordinator | Viewer, _) => false,
    }
}

/// Whether the token covers one of `networks` (to see an alert).
pub fn sees_any(token: &Token, networks: &[NetworkId]) -> bool {
    token.networks.is_empty() || networks.iter().any(|n| token.networks.contains(n))
}

/// The first of `networks` the token does not cover (to send to or cancel them all).
pub fn first_outside<'a>(token: &Token, networks: &'a [NetworkId]) -> Option<&'a NetworkId> {
    if token.networks.is_empty() {
        return None;
    }
    networks.iter().find(|n| !token.networks.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_read_the_audit_log_and_viewers_only_read() {
        for role in Role::ALL {
            assert_eq!(allows(*role, Action::ReadAudit), *role == Role::Admin);
            assert!(allows(*role, Action::ReadAlerts));
        }
        for action in Action::ALL {
            let seen = matches!(action, Action::ReadAlerts | Action::ReadNetworks);
            assert_eq!(allows(Role::Viewer, action), seen, "{action:?}");
            assert!(allows(Role::Admin, action));
        }
    }

    #[test]
    fn only_admins_and_coordinators_touch_members_and_only_admins_create_networks() {
        for action in Action::ALL.into_iter().filter(|a| a.on_members()) {
            assert!(allows(Role::Coordinator, action), "{action:?}");
            assert!(!allows(Role::Police, action), "{action:?}");
            assert!(!allows(Role::Viewer, action), "{action:?}");
        }
        for role in Role::ALL {
            assert_eq!(
                allows(*role, Action::CreateNetwork),
                *role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn coordinators_never_send_or_cancel_urgent_alerts() {
        assert!(!allows(Role::Coordinator, Action::Send(AlertKind::Urgent)));
        assert!(!allows(
            Role::Coordinator,
            Action::Cancel(AlertKind::Urgent)
        ));
        assert!(!allows(Role::Police, Action::Send(AlertKind::Prevention)));
    }
}
