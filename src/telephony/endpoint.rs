//! The endpoint: one transport, and a table that routes each incoming message to the call or
//! registration that owns its Call-ID. Requests for no known Call-ID are answered here (200 to
//! OPTIONS keep-alives, 481 to the rest) and never reach a call.

use crate::telephony::transport::{Inbound, InboundReceiver, Transport};
use buurtbel_proto::sip::call::response_to;
use buurtbel_proto::sip::message::{Message, Request};
use buurtbel_proto::sip::method::Method;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

/// Messages routed to one owner.
pub type Route = mpsc::UnboundedReceiver<Inbound>;

/// A transport plus its Call-ID routing table.
#[derive(Clone)]
pub struct Endpoint {
    transport: Transport,
    routes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Inbound>>>>,
}

impl Endpoint {
    /// Starts routing what `inbound` yields.
    pub fn start(transport: Transport, inbound: InboundReceiver) -> Endpoint {
        let endpoint = Endpoint {
            transport,
            routes: Arc::new(Mutex::new(HashMap::new())),
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
                self.answer_stray(request, source).await;
            }
        }
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
