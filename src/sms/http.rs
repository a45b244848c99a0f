//! The HTTP provider: one JSON POST per message to an aggregator's REST API (`[sms] url`),
//! its body written from `[sms] body` ([`template`]), with the header of `[sms]
//! authorization`, paced to `[sms] per_second` ([`pacing`]) and judged by its status and the
//! id field of its answer ([`answer`]).
//!
//! The aggregator splits long texts itself, so the post carries the whole (already shortened)
//! text, and its answer names one message id. Replies and receipts come back through the
//! aggregator's webhooks to `POST /v1/sms/inbound` (in the API), not through this module.
//!
//! Redirects are not followed (a POST that turns into a GET loses the message). The answer's
//! body is read up to [`MAX_ANSWER`] bytes. Numbers and texts are never logged above debug;
//! an error's text quotes at most 200 characters of a refusal's body, which the provider may
//! have filled with the number: whoever logs an [`SmsError`] logs it at debug, or only its kind.

pub mod answer;
pub mod pacing;
pub mod template;

#[cfg(test)]
mod tests;

use super::{OutgoingSms, SendFuture, SmsError, SmsSender, Submitted};
use crate::config::SmsConfig;
use buurtbel_proto::time::Instant;
use pacing::Pacer;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use std::sync::{Mutex, PoisonError};
use template::{BodyTemplate, TemplateError, Values};

/// The most bytes of an answer read; the rest is not needed to find an id.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Sends each message as one POST.
#[derive(Debug)]
pub struct HttpSender {
    client: reqwest::Client,
    url: reqwest::Url,
    body: BodyTemplate,
    header: Option<(HeaderName, HeaderValue)>,
    id_field: String,
    pacer: Mutex<Pacer>,
}

/// Why `[sms]` does not make an HTTP provider.
#[derive(Debug, thiserror::Error)]
pub enum HttpSetupError {
    /// `sms.url` is missing or not an http(s) URL.
    #[error("sms.url: {0}")]
    Url(String),
    /// `sms.body` is not a usable template.
    #[error("sms.body {0}")]
    Body(#[from] TemplateError),
    /// `sms.authorization` is not `Name: value`; the value is not repeated, it is a secret.
    #[error("sms.authorization: {0}")]
    Authorization(&'static str),
    /// `sms.id_field` is empty.
    #[error("sms.id_field: must name the answer's field that holds the message id")]
    IdField,
    /// The HTTP client could not be built (no TLS roots).
    #[error("the HTTP client for sms.url cannot be built: {0}")]
    Client(#[source] reqwest::Error),
}

impl HttpSender {
    /// The provider `[sms]` describes; every key it uses is checked here, so a wrong one stops
    /// the start instead of the first message.
    pub fn new(config: &SmsConfig) -> Result<HttpSender, HttpSetupError> {
        let url = url(config.url.as_deref())?;
        let body = BodyTemplate::parse(config.body.as_deref().unwrap_or(template::DEFAULT_BODY))?;
        let header = config.authorization.as_deref().map(header).transpose()?;
        if config.id_field.trim().is_empty() {
            return Err(HttpSetupError::IdField);
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("buurtbel/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(HttpSetupError::Client)?;
        Ok(HttpSender {
            client,
            url,
            body,
            header,
            id_field: config.id_field.trim().to_owned(),
            pacer: Mutex::new(Pacer::new(config.per_second)),
        })
    }

    /// Posts `sms` in its slot and judges the answer.
    async fn post(&self, sms: OutgoingSms) -> Result<Submitted, SmsError> {
        self.wait_for_slot(buurtbel_clock::now()).await;
        let outcome = self.exchange(&sms).await;
        log(&sms.reference, &outcome);
        outcome
    }

    async fn exchange(&self, sms: &OutgoingSms) -> Result<Submitted, SmsError> {
        let body = self.body.render(&Values {
            to: &sms.to,
            from: sms.sender.as_str(),
            text: &sms.message.text,
            reference: &sms.reference,
        });
        let mut request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body);
        if let Some((name, value)) = &self.header {
            request = request.header(name.clone(), value.clone());
        }
        let response = request.send().await.map_err(|e| answer::failure(&e))?;
        let status = response.status().as_u16();
        match read(response).await {
            Ok(bytes) => answer::judge(status, &bytes, &self.id_field),
            Err(_) if (200..300).contains(&status) => Err(SmsError::Unconfirmed(format!(
                "HTTP {status}, but its body was lost"
            ))),
            Err(_) => answer::judge(status, b"", &self.id_field),
        }
    }

    async fn wait_for_slot(&self, now: Instant) {
        let wait = self
            .pacer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reserve(now);
        if !wait.is_zero() {
            buurtbel_clock::sleep_until(now + wait).await;
        }
    }
}

impl SmsSender for HttpSender {
    fn send(&self, sms: OutgoingSms) -> SendFuture<'_> {
        Box::pin(self.post(sms))
    }
}

fn url(text: Option<&str>) -> Result<reqwest::Url, HttpSetupError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(HttpSetupError::Url("missing".to_owned()));
    }
    let url = reqwest::Url::parse(text).map_err(|e| HttpSetupError::Url(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpSetupError::Url("must be http or https".to_owned()));
    }
    Ok(url)
}

/// `Name: value`, the value marked sensitive so that it never shows in a debug print.
fn header(text: &str) -> Result<(HeaderName, HeaderValue), HttpSetupError> {
    let (name, value) = text.split_once(':').ok_or(HttpSetupError::Authorization(
        "must be `Name: value`, such as `Authorization: Bearer KEY`",
    ))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| HttpSetupError::Authorization("the header name is not a valid name"))?;
    let mut value = HeaderValue::from_str(value.trim())
        .map_err(|_| HttpSetupError::Authorization("the value holds characters a header cannot"))?;
    if value.is_empty() {
        return Err(HttpSetupError::Authorization("the value is empty"));
    }
    value.set_sensitive(true);
    Ok((name, value))
}

/// The answer's body, up to [`MAX_ANSWER`] bytes.
async fn read(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ANSWER.saturating_sub(bytes.len());
        bytes.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        if bytes.len() >= MAX_ANSWER {
            break;
        }
    }
    Ok(bytes)
}

/// One line per message, naming our reference and never the number or the text.
fn log(reference: &str, outcome: &Result<Submitted, SmsError>) {
    match outcome {
        Ok(submitted) => {
            tracing::info!(reference, message_id = ?submitted.message_ids, "SMS submitted");
        }
        Err(error) => {
            tracing::warn!(reference, error = %shown(error), "SMS not submitted");
            tracing::debug!(reference, error = %error, "SMS provider's answer");
        }
    }
}

/// The error as a log above debug may show it: a refusal without the body it quotes.
fn shown(error: &SmsError) -> String {
    match error {
        SmsError::Refused(reason) => {
            let status = reason.split(':').next().unwrap_or_default();
            SmsError::Refused(status.to_owned()).to_string()
        }
        other => other.to_string(),
    }
}
