//! Whether we take an INVITE at all, in RFC 3261 §8.2's order: method, To tag (481),
//! Request-URI scheme (416), `Require` (420), the headers a dialog needs (400), the body's type
//! (415), the SDP offer (488), and the session interval (422). A refused INVITE gets one
//! final response, sent statelessly by the driver; a taken one is read into [`Admission`].

use super::InboundSetup;
use super::build::{self, SUPPORTED};
use super::media::{Negotiated, answer_offer};
use super::session::{self, Requested};
use crate::sip::dialog::Dialog;
use crate::sip::message::{Request, Response};
use crate::sip::method::Method;
use crate::sip::sdp::SdpError;
use crate::sip::uri::Uri;

/// What a taken INVITE tells the call.
#[derive(Debug)]
pub(super) struct Admission {
    pub(super) dialog: Dialog,
    /// The INVITE's top Via branch, which its retransmissions, CANCEL and non-2xx ACK share.
    pub(super) branch: String,
    pub(super) cseq: u32,
    /// `UDP`, `TCP`…: the transport of the top Via, which our own requests use too.
    pub(super) transport: String,
    /// The caller's offer answered; `None` when the INVITE has none and our 2xx offers.
    pub(super) negotiated: Option<Negotiated>,
    /// The session interval the caller refreshes within, when it asked for one.
    pub(super) session: Option<u32>,
}

/// Reads the INVITE, or refuses it with a final response carrying `local_tag`.
pub(super) fn admit(
    invite: &Request,
    setup: &InboundSetup,
    local_tag: &str,
) -> Result<Admission, Box<Response>> {
    let refuse = |status, reason| Box::new(build::reply(invite, status, reason, local_tag, setup));
    if invite.method != Method::Invite {
        return Err(refuse(400, "Bad Request"));
    }
    let (Ok(via), Ok(cseq), Ok(to)) = (
        invite.headers.top_via(),
        invite.headers.cseq(),
        invite.headers.to(),
    ) else {
        return Err(refuse(400, "Bad Request"));
    };
    let Some(branch) = via.branch().filter(|b| !b.is_empty()) else {
        return Err(refuse(400, "Missing Via Branch"));
    };
    if to.tag().is_some() {
        return Err(refuse(481, "Call/Transaction Does Not Exist"));
    }
    if matches!(invite.uri, Uri::Other(_)) {
        return Err(refuse(416, "Unsupported URI Scheme"));
    }
    check_require(invite).map_err(|unsupported| {
        let mut response = refuse(420, "Bad Extension");
        response.headers.push("Unsupported", unsupported.join(", "));
        response
    })?;
    let Ok(dialog) = Dialog::from_invite(invite, local_tag) else {
        return Err(refuse(400, "Bad Request"));
    };
    if !is_sdp_or_empty(invite) {
        let mut response = refuse(415, "Unsupported Media Type");
        response.headers.push("Accept", "application/sdp");
        return Err(response);
    }
    let negotiated = offer(invite, setup).map_err(|error| {
        let mut response = refuse(488, "Not Acceptable Here");
        if let Some(warning) = warning(&error, setup) {
            response.headers.push("Warning", warning);
        }
        response
    })?;
    let session = match Requested::of(invite) {
        Requested::Nothing => None,
        Requested::CallerRefreshes(delta) => Some(delta),
        Requested::TooSmall => return Err(Box::new(session::too_small(*refuse(200, "OK")))),
    };
    Ok(Admission {
        dialog,
        branch: branch.to_owned(),
        cseq: cseq.seq,
        transport: via.transport,
        negotiated,
        session,
    })
}

/// `true` for a body we can read as SDP, or none at all.
pub(super) fn is_sdp_or_empty(request: &Request) -> bool {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    let content_type = request.headers.get("content-type").unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/sdp")
}

/// The extensions `Require` names that we do not support.
fn check_require(invite: &Request) -> Result<(), Vec<String>> {
    let unsupported: Vec<String> = invite
        .headers
        .list("require")
        .into_iter()
        .map(str::trim)
        .filter(|option| !SUPPORTED.iter().any(|s| option.eq_ignore_ascii_case(s)))
        .map(str::to_owned)
        .collect();
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(unsupported)
    }
}

/// The caller's offer answered, or `None` for an INVITE without one.
fn offer(invite: &Request, setup: &InboundSetup) -> Result<Option<Negotiated>, SdpError> {
    if invite.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    answer_offer(&invite.body, &setup.media).map(Some)
}

/// A Warning (§20.43) saying what in the offer we cannot take.
fn warning(error: &SdpError, setup: &InboundSetup) -> Option<String> {
    let agent = setup.contact.as_sip().map(|sip| sip.host()).map_or_else(
        || "buurtbel".to_owned(),
        |host| match host.contains(':') {
            true => format!("[{host}]"),
            false => host,
        },
    );
    let (code, text) = match error {
        SdpError::NoCodec => (305, "Incompatible media format"),
        SdpError::NoAudio => (304, "Media type not available"),
        SdpError::Malformed | SdpError::NoAddress => return None,
    };
    Some(format!("{code} {agent} \"{text}\""))
}
