//! Digest credentials for our own requests. A challenged INVITE or CANCEL goes again as it
//! was, with credentials; a challenged request inside a dialog (our BYE, probe or refresh, a
//! fork's BYE) goes anew with the next CSeq and a new branch. Credentials the trunk refuses are
//! reported with realm and user name, never the password.

use super::Call;
use super::CallEvent;
use crate::sip::dialog::Dialog;
use crate::sip::digest::{Challenge, DigestClient};
use crate::sip::header::Via;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use rand::Rng;

/// What a challenged request inside a dialog is sent anew with.
struct InDialogRetry {
    method: Method,
    via: Via,
    cnonce: String,
}

impl Call {
    /// The request again with credentials for the challenge in `response`, or `None` when we
    /// have no credentials or the server rejected the ones we sent.
    pub(super) fn authorized_retry(
        &mut self,
        request: &Request,
        response: &Response,
    ) -> Option<Request> {
        let digest = self.digest.as_mut()?;
        if digest.handle_challenge(response).is_err() {
            self.auth_gave_up(response);
            return None;
        }
        let cnonce = self.new_cnonce();
        let mut retry = request.clone();
        self.digest.as_mut()?.authorize(&mut retry, &cnonce);
        Some(retry)
    }

    /// A new request of the challenged one's method inside `dialog` (next CSeq, new branch)
    /// with credentials for `response`'s challenge; `None` without credentials, or when the
    /// trunk refused the ones we sent.
    pub(super) fn authorized_in_dialog(
        &mut self,
        dialog: &mut Dialog,
        response: &Response,
    ) -> Option<Request> {
        let retry = self.in_dialog_retry(response)?;
        Some(retry.request(dialog, self.digest.as_mut()?))
    }

    /// The same inside the call's own dialog; `None` before the call has one.
    pub(super) fn authorized_in_call(&mut self, response: &Response) -> Option<Request> {
        self.phase.connected()?;
        let retry = self.in_dialog_retry(response)?;
        let connected = self.phase.connected_mut()?;
        Some(retry.request(&mut connected.dialog, self.digest.as_mut()?))
    }

    /// Digest authentication gave up on `response`'s challenge: the driver logs who was
    /// refused where. Without credentials there is nothing to report but the status.
    pub(super) fn auth_gave_up(&mut self, response: &Response) {
        let Some(credentials) = &self.setup.credentials else {
            return;
        };
        let realm = Challenge::realm_of(response);
        let method = response.headers.cseq().map(|c| c.method.to_string());
        self.events.push_back(CallEvent::AuthRejected {
            status: response.status,
            method: method.unwrap_or_default(),
            realm,
            username: credentials.username.clone(),
        });
    }

    /// A fresh client nonce for an `Authorization` header.
    pub(super) fn new_cnonce(&mut self) -> String {
        format!("{:016x}", self.rng.random::<u64>())
    }

    fn in_dialog_retry(&mut self, response: &Response) -> Option<InDialogRetry> {
        let method = response.headers.cseq().ok()?.method;
        if self.digest.as_mut()?.handle_challenge(response).is_err() {
            self.auth_gave_up(response);
            return None;
        }
        let via = self.new_via();
        let cnonce = self.new_cnonce();
        Some(InDialogRetry {
            method,
            via,
            cnonce,
        })
    }
}

impl InDialogRetry {
    fn request(self, dialog: &mut Dialog, digest: &mut DigestClient) -> Request {
        let mut request = dialog.request(self.method, &self.via);
        digest.authorize(&mut request, &self.cnonce);
        request
    }
}
