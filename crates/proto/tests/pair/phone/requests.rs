//! The phone's own requests in the first fork's dialog: BYE, re-INVITE, UPDATE and INFO,
//! each a client transaction re-sent over UDP by Timer A (INVITE: T1, doubling, until any
//! response) or Timer E (T1, doubling up to T2, until a final response), given up at
//! 64·T1 (Timers B and F). Every 2xx to its re-INVITE gets an ACK of its own, with a new
//! branch (§13.2.2.4), the same CSeq number and method ACK.

use super::{Action, Phone, T1, T2, Timer, answer_sdp};
use buurtbel_phone::Message;
use std::time::Duration;

/// One request of the phone's, until its final response.
pub(super) struct Client {
    request: Message,
    interval: Duration,
    /// Timer B or F.
    give_up: Duration,
    provisional: bool,
    done: bool,
}

impl Phone {
    /// Sends the action's request in the first fork's dialog; nothing before it exists. A
    /// BYE waits until the 2xx is ACKed or given up (RFC 3261 §15): a callee must not end a
    /// dialog the caller has not confirmed yet.
    pub(super) fn act(&mut self, action: Action) {
        let unconfirmed = self
            .answers
            .first()
            .is_some_and(|a| !a.acked && self.now < a.give_up);
        if action == Action::Bye && unconfirmed {
            self.at(T1, Timer::Act(action));
            return;
        }
        self.branches += 1;
        let branch = format!("z9hG4bKphone{}", self.branches);
        let invite = self.invite.clone();
        let Some((answer, invite)) = self.answers.first_mut().zip(invite) else {
            return;
        };
        let mut request = match action {
            Action::Bye => answer.dialog.request("BYE", &branch),
            Action::Update => answer.dialog.request("UPDATE", &branch),
            Action::Reinvite => {
                let mut reinvite = answer.dialog.request("INVITE", &branch);
                reinvite
                    .headers
                    .push("Contact", "<sip:phone@127.0.0.2:5070>");
                reinvite.headers.push("Content-Type", "application/sdp");
                reinvite.body = answer_sdp(&invite).into_bytes();
                reinvite
            }
            Action::Info(key) => {
                let mut info = answer.dialog.request("INFO", &branch);
                info.headers.push("Content-Type", "application/dtmf-relay");
                info.body = format!("Signal={key}\r\nDuration=100\r\n").into_bytes();
                info
            }
        };
        request.headers.push("User-Agent", "buurtbel-pair-phone");
        let index = self.clients.len();
        self.clients.push(Client {
            request: request.clone(),
            interval: T1,
            give_up: self.now + T1 * 64,
            provisional: false,
            done: false,
        });
        self.send(request);
        self.at(T1, Timer::Resend(index));
    }

    pub(super) fn resend(&mut self, index: usize) {
        let now = self.now;
        let Some(client) = self
            .clients
            .get_mut(index)
            .filter(|c| !c.done && now < c.give_up)
        else {
            return;
        };
        let invite = client.request.is_request("INVITE");
        if invite && client.provisional {
            return;
        }
        let request = client.request.clone();
        client.interval = match (invite, client.provisional) {
            (true, _) => client.interval * 2,
            (false, true) => T2,
            (false, false) => (client.interval * 2).min(T2),
        };
        let next = client.interval;
        self.send(request);
        self.at(next, Timer::Resend(index));
    }

    /// A response to one of the phone's requests, matched by top branch and CSeq method.
    pub(super) fn on_response(&mut self, response: &Message) {
        let branch = response.headers.top_branch().ok();
        let cseq = response.headers.cseq().ok();
        let status = response.status().unwrap_or_default();
        let matched = self.clients.iter_mut().find(|c| {
            c.request.headers.top_branch().ok() == branch
                && c.request.headers.cseq().ok().map(|c| c.method)
                    == cseq.as_ref().map(|c| c.method.clone())
        });
        let Some(client) = matched else {
            return;
        };
        if status < 200 {
            client.provisional = true;
            return;
        }
        client.done = true;
        let ack_for = (client.request.is_request("INVITE") && status < 300)
            .then(|| cseq.map(|c| c.number))
            .flatten();
        match ack_for {
            Some(_) if self.script.unacked > 0 => self.script.unacked -= 1,
            Some(number) => self.ack(number),
            None => {}
        }
    }

    fn ack(&mut self, invite_cseq: u32) {
        self.branches += 1;
        let branch = format!("z9hG4bKphone{}", self.branches);
        let Some(answer) = self.answers.first() else {
            return;
        };
        let ack = answer.dialog.ack(invite_cseq, &branch);
        self.send(ack);
    }
}
