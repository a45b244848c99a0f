//! OASIS CAP 1.2 alert documents (Common Alerting Protocol, OASIS Standard, 1 July 2010), read
//! and checked without I/O: bytes in, a [`CapAlert`] or every problem found out.
//!
//! This module owns the reading of the XML and the rules of the standard and its schema
//! (`CAP-v1.2.xsd`): the namespace, the order and count of elements, the value lists, the
//! date-time form, identifiers, references, polygons and circles. It knows nothing of
//! networks, members or the store: what an alert asks of the chain is read from a
//! [`CapAlert`] elsewhere (`api::cap_reading`). It reads no clock: whether an alert has
//! expired is for the caller to say.
//!
//! The document is hostile input. No DTD is read (so no entity expansion), the node count and
//! the nesting depth are bounded, and so are the `<info>`, `<area>` and `<geocode>` elements,
//! so the work is bounded by the input's size; nothing here panics on any bytes.
//!
//! Each problem names the element at fault as a path from `alert`, XPath-like and 1-based for
//! the elements that may repeat: `alert/sent`, `alert/info[2]/urgency`,
//! `alert/info[1]/area[3]/polygon[1]`. A missing element is reported on its parent, with the
//! missing child's name in the reason. Problems are collected in one pass, at most
//! [`MAX_PROBLEMS`].

mod document;
mod parse;
mod sequence;
mod time;
mod values;
mod vocabulary;

#[cfg(test)]
mod tests;

pub use document::{MAX_DEPTH, MAX_NODES};
pub use parse::{DEFAULT_LANGUAGE, MAX_AREAS, MAX_GEOCODES};
pub use sequence::MAX_INFOS;
pub use vocabulary::{
    Category, Certainty, MsgType, ResponseType, Scope, Severity, Status, Urgency,
};

/// The XML namespace of CAP 1.2.
pub const NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// At most this many problems are reported for one document.
pub const MAX_PROBLEMS: usize = 50;

/// Reads and checks a CAP 1.2 `<alert>` document.
pub fn parse(xml: &[u8]) -> Result<CapAlert, CapInvalid> {
    let mut problems = Problems::default();
    let alert = document::read(xml, &mut problems);
    match alert {
        Some(alert) if problems.list.is_empty() => Ok(alert),
        _ => Err(problems.into_invalid()),
    }
}

/// A CAP 1.2 alert message: the `<alert>` element with what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct CapAlert {
    /// `<identifier>`: the sender's number for this message.
    pub identifier: String,
    /// `<sender>`: who sent it, globally unique (often an e-mail address).
    pub sender: String,
    /// `<sent>`.
    pub sent: CapTime,
    /// `<status>`.
    pub status: Status,
    /// `<msgType>`.
    pub msg_type: MsgType,
    /// `<source>`: the operator or device that made the message.
    pub source: Option<String>,
    /// `<scope>`.
    pub scope: Scope,
    /// `<restriction>`: who may see it; present when the scope is `Restricted`.
    pub restriction: Option<String>,
    /// `<addresses>`: the intended recipients; present when the scope is `Private`.
    pub addresses: Option<String>,
    /// Each `<code>`, in order.
    pub codes: Vec<String>,
    /// `<note>`.
    pub note: Option<String>,
    /// `<references>`: the earlier messages this one updates, cancels or answers.
    pub references: Vec<Reference>,
    /// `<incidents>`, as given.
    pub incidents: Option<String>,
    /// Each `<info>`, in order.
    pub infos: Vec<Info>,
}

/// A CAP date-time: the text as sent and the instant it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapTime {
    /// As sent, e.g. `2025-03-14T21:05:00+01:00`.
    pub text: String,
    /// The instant in milliseconds since the Unix epoch, the offset applied.
    pub epoch_ms: i64,
}

/// One earlier message, from `<references>` (`sender,identifier,sent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Its `<sender>`.
    pub sender: String,
    /// Its `<identifier>`.
    pub identifier: String,
    /// Its `<sent>`, as written (a valid CAP date-time).
    pub sent: String,
}

/// One `<info>`: the alert in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// 0-based position among the `<info>` elements (`info[index + 1]` in problem paths).
    pub index: usize,
    /// `<language>` as given (an RFC 3066 tag), `en-US` when absent.
    pub language: String,
    /// Each `<category>` (at least one).
    pub categories: Vec<Category>,
    /// `<event>`: the kind of event, in words.
    pub event: String,
    /// Each `<responseType>`.
    pub response_types: Vec<ResponseType>,
    /// `<urgency>`.
    pub urgency: Urgency,
    /// `<severity>`.
    pub severity: Severity,
    /// `<certainty>`.
    pub certainty: Certainty,
    /// `<audience>`.
    pub audience: Option<String>,
    /// Each `<eventCode>`.
    pub event_codes: Vec<ValuePair>,
    /// `<effective>`.
    pub effective: Option<CapTime>,
    /// `<onset>`.
    pub onset: Option<CapTime>,
    /// `<expires>`.
    pub expires: Option<CapTime>,
    /// `<senderName>`.
    pub sender_name: Option<String>,
    /// `<headline>`.
    pub headline: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<instruction>`.
    pub instruction: Option<String>,
    /// `<web>`: an absolute URI.
    pub web: Option<String>,
    /// `<contact>`.
    pub contact: Option<String>,
    /// Each `<parameter>`.
    pub parameters: Vec<ValuePair>,
    /// Each `<resource>`.
    pub resources: Vec<Resource>,
    /// Each `<area>`.
    pub areas: Vec<Area>,
}

/// A `<valueName>` and its `<value>` (`<eventCode>`, `<parameter>`, `<geocode>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuePair {
    /// `<valueName>`, e.g. `NIS`.
    pub value_name: String,
    /// `<value>`, e.g. `11002`.
    pub value: String,
}

/// One `<area>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// `<areaDesc>`: the area in words.
    pub area_desc: String,
    /// Each `<polygon>` as written: WGS 84 `lat,lon` pairs, first and last the same.
    pub polygons: Vec<String>,
    /// Each `<circle>` as written: `lat,lon radius` (km).
    pub circles: Vec<String>,
    /// Each `<geocode>`.
    pub geocodes: Vec<ValuePair>,
    /// `<altitude>` in feet above mean sea level.
    pub altitude: Option<f64>,
    /// `<ceiling>` in feet; only with an altitude.
    pub ceiling: Option<f64>,
}

/// One `<resource>`: a file that goes with the alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `<resourceDesc>`.
    pub resource_desc: String,
    /// `<mimeType>`, e.g. `audio/wav`.
    pub mime_type: String,
    /// `<size>` in bytes.
    pub size: Option<u64>,
    /// `<uri>`.
    pub uri: Option<String>,
    /// `<derefUri>`: the content itself, base64.
    pub deref_uri: Option<String>,
    /// `<digest>`: its SHA-1.
    pub digest: Option<String>,
}

/// A document refused, with every problem found (at least one, at most [`MAX_PROBLEMS`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid CAP 1.2 alert: {}", listed(.problems))]
pub struct CapInvalid {
    /// What is wrong, in document order as far as one pass finds it.
    pub problems: Vec<CapProblem>,
}

/// One thing wrong with a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapProblem {
    /// The element at fault, e.g. `alert/info[1]/urgency`; its parent when it is missing;
    /// `document` when the bytes are not a CAP document at all.
    pub element: String,
    /// What is wrong, in plain English.
    pub reason: String,
}

impl std::fmt::Display for CapProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.element, self.reason)
    }
}

fn listed(problems: &[CapProblem]) -> String {
    let all: Vec<String> = problems.iter().map(CapProblem::to_string).collect();
    all.join("; ")
}

/// The problems found so far, at most [`MAX_PROBLEMS`].
#[derive(Debug, Default)]
struct Problems {
    list: Vec<CapProblem>,
}

impl Problems {
    fn push(&mut self, element: impl Into<String>, reason: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(CapProblem {
                element: element.into(),
                reason: reason.into(),
            });
        }
    }

    /// A problem for a value checked apart from its element: `Err(reason)` becomes a problem
    /// on `element`, `Ok(value)` is handed back.
    fn check<T>(&mut self, element: &str, checked: Result<T, String>) -> Option<T> {
        checked.map_err(|reason| self.push(element, reason)).ok()
    }

    fn into_invalid(mut self) -> CapInvalid {
        if self.list.is_empty() {
            // Not reached: a document without an alert always names why.
            self.push("document", "not a CAP 1.2 alert");
        }
        CapInvalid {
            problems: self.list,
        }
    }
}
