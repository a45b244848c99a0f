//! The endpoint: one transport, and a table that routes each incoming message to the call or
//! registration that owns its Call-ID. Requests for no known Call-ID are answered here (200 to
//! OPTIONS keep-alives, 481 to the rest) and never reach a call, but for a new INVITE when
//! the call-back line takes new calls ([`Endpoint::take_new_calls`]): its Call-ID is claimed
//! at once, so a retransmission finds the call it started, and it goes to the line.

use crate::telephony::transport::{Inbound, InboundReceiver, Transport};
use buurtbel_proto::sip::call::response_to;
use buurtbel_proto::sip::message::{Message, Request};
use buurtbel_proto::sip::method::Method;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::mpsc;

/// Messages routed to one owner.
pub type Route = mpsc::UnboundedReceiver<Inbound>;

/// New calls waiting for the line at most; more are answered 503 until it catches up.
const NEW_CALLS_WAITING: usize = 64;

/// An INVITE that starts a call, with the route its Call-ID now has.
#[derive(Debug)]
pub struct NewCall {
    /// The INVITE.
    pub invite: Request,
    /// Where it came from.
    pub source: SocketAddr,
    /// The rest of its call; the Call-ID stays claimed until [`Endpoint::release`].
    pub route: Route,
}

/// A transport plus its Call-ID routing table.
#[derive(Clone)]
pub struct Endpoint {
    transport: Transport,
    routes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Inbound>>>>,
    new_calls: Arc<OnceLock<mpsc::Sender<NewCall>>>,
}

impl Endpoint {
    /// Starts routing what `inbound` yields.
    pub fn start(transport: Transport, inbound: InboundReceiver) -> Endpoint {
        let endpoint = Endpoint {
            transport,
            routes: Arc::new(Mutex::new(HashMap::new())),
            new_calls: Arc::new(OnceLock::new()),
        };
        tokio::spawn(endpoint.clone().dispatch(inbound));
        endpoint
    }

    /// The transport, for sending.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Claims a Call-ID; messages for it arrive on the returned route until [`Endpoint::release`].
    pub fn claim(&self, call_id: &str) -> Route {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().insert(call_id.to_owned(), tx);
        rx
    }

    /// From now on new INVITEs come here instead of being refused; `None` when they already
    /// go elsewhere.
    pub fn take_new_calls(&self) -> Option<mpsc::Receiver<NewCall>> {
        let (tx, rx) = mpsc::channel(NEW_CALLS_WAITING);
        self.new_calls.set(tx).ok()?;
        Some(rx)
    }

    /// Gives a Call-ID back.
    pub fn release(&self, call_id: &str) {
        self.lock().remove(call_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Inbound>>> {
        self.routes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn dispatch(self, mut inbound: InboundReceiver) {
        while let Some(message) = inbound.recv().await {
            let Ok(call_id) = message.message.headers().call_id() else {
                continue;
            };
            let owner = self.lock().get(call_id).cloned();
            let unclaimed = match owner {
                Some(route) => route.send(message).err().map(|e| e.0),
                None => Some(message),
            };
            if let Some(Inbound {
                message: Message::Request(request),
                source,
            }) = unclaimed
            {
                match self.hand_over(request, source) {
                    None => {}
                    Some((request, 503)) => {
                        let busy = response_to(&request, 503, "Service Unavailable", "busy");
                        let _ = self.transport.send(source, busy.to_bytes()).await;
                    }
                    Some((request, _)) => self.answer_stray(request, source).await,
                }
            }
        }
    }

    /// Gives a new INVITE to the line, its Call-ID claimed; else the request back with the
    /// status to answer (503: the line is behind), or 0 when it is no new call.
    fn hand_over(&self, invite: Request, source: SocketAddr) -> Option<(Request, u16)> {
        let Some(new_calls) = self.new_calls.get() else {
            return Some((invite, 0));
        };
        let starts_a_call = invite.method == Method::Invite
            && invite.headers.to().is_ok_and(|to| to.tag().is_none());
        let Ok(call_id) = invite.headers.call_id().map(str::to_owned) else {
            return Some((invite, 0));
        };
        if !starts_a_call {
            return Some((invite, 0));
        }
        let route = self.claim(&call_id);
        let call = NewCall {
            invite,
            source,
            route,
        };
        let refused = new_calls.try_send(call).err()?;
        self.release(&call_id);
        let call = match refused {
            mpsc::error::TrySendError::Full(call) | mpsc::error::TrySendError::Closed(call) => call,
        };
        Some((call.invite, 503))
    }

    async fn answer_stray(&self, request: Request, source: std::net::SocketAddr) {
        let (status, reason) = match request.method {
            Method::Ack => return,
            Method::Options => (200, "OK"),
            _ => (481, "Call/Transaction Does Not Exist"),
        };
        let response = response_to(&request, status, reason, "stray");
        tracing::debug!(method = %request.method, status, %source, "request for no known call");
        if let Err(e) = self.transport.send(source, response.to_bytes()).await {
            tracing::debug!(error = %e, "answering a stray request failed");
        }
    }
}
