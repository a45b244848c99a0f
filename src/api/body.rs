//! JSON request bodies, read so every way a body can be wrong is answered as a problem
//! document: too large (413), not JSON (415), not parseable or of the wrong shape (422, with
//! the path of the field that is wrong).

use super::problem::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body of type `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let json = media_type(&request)
            .is_some_and(|v| v.eq_ignore_ascii_case("application/json") || v.ends_with("+json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| too_large_or(rejection.status()))?;
        parse(&bytes).map(JsonBody)
    }
}

/// An XML body as bytes (`application/cap+xml`, `application/xml` or `text/xml`), read
/// within the body limit; its content is judged by whoever reads it.
#[derive(Debug, Clone)]
pub struct XmlBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for XmlBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<XmlBody, ApiError> {
        let xml = media_type(&request).is_some_and(|v| {
            v.eq_ignore_ascii_case("application/xml")
                || v.eq_ignore_ascii_case("text/xml")
                || v.ends_with("+xml")
        });
        if !xml {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as XML (Content-Type: application/cap+xml or application/xml)",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| too_large_or(rejection.status()))?;
        Ok(XmlBody(bytes))
    }
}

/// The request's media type, without its parameters (`application/json`).
fn media_type(request: &Request) -> Option<&str> {
    let value = request.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').next().map(str::trim)
}

/// Query parameters of type `T`; a wrong one is a 422 naming it.
#[derive(Debug, Clone)]
pub struct QueryArgs<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryArgs<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<QueryArgs<T>, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|query| QueryArgs(query.0))
            .map_err(|rejection| {
                let text = rejection.body_text();
                let text = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                let (field, reason) = text.split_once(": ").unwrap_or(("query", text));
                ApiError::field(field, reason)
            })
    }
}

/// `T` from JSON text, or which field is wrong and why.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut reader).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let inner = error.into_inner();
        let reason = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("not valid JSON: {inner}")
            }
            _ => strip_position(&inner.to_string()),
        };
        ApiError::field(field, reason)
    })
}

/// The 413 a body over the limit gets; any other failure to read it is a 400.
pub fn too_large_or(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is larger than this gateway accepts (api.max_body)",
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "the body could not be read")
    }
}

/// A WAV file as a body, for the OpenAPI document: bytes, not JSON.
pub struct WavFile;

impl utoipa::PartialSchema for WavFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .content_media_type("audio/wav")
            .description(Some("A WAV file (RIFF/WAVE)"))
            .into()
    }
}

impl utoipa::ToSchema for WavFile {}

/// serde_json's reason without " at line 1 column 40", which the field path replaces.
fn strip_position(reason: &str) -> String {
    match reason.rfind(" at line ") {
        Some(at) => reason[..at].to_owned(),
        None => reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        kind: String,
        texts: std::collections::BTreeMap<String, String>,
    }

    #[test]
    fn a_wrong_field_is_named_by_its_path() {
        let error = parse::<Shape>(br#"{"kind": "urgent", "texts": {"nl": 5}}"#).unwrap_err();
        let problem = error.problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "texts.nl");
        assert!(!problem.errors[0].reason.contains("line"), "{problem:?}");
    }

    #[test]
    fn broken_json_is_said_to_be_broken() {
        let problem = parse::<Shape>(b"{\"kind\": ").unwrap_err().problem();
        assert!(problem.errors[0].reason.starts_with("not valid JSON"));
    }
}
