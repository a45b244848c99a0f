//! `POST /v1/speech/preview`: the text as read and its rendering, as JSON or as the WAV
//! itself; every wrong field named; viewers refused.

use super::TestApi;
use crate::store::Role;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

#[tokio::test]
async fn a_preview_shows_the_text_as_read_and_plays_it() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let body = json!({"text": "Wagen 1-ABC-123 gezien om 14u30.", "language": "nl", "rate": 0.85});
    let answer = api
        .call(
            Method::POST,
            "/v1/speech/preview",
            Some(&police),
            Some(body),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let spoken = answer.body["spoken"].as_str().unwrap();
    assert_eq!(
        spoken,
        crate::speech::normalise::normalise(
            crate::speech::Language::Nl,
            "Wagen 1-ABC-123 gezien om 14u30."
        ),
        "the text as `say --dry-run` shows it"
    );
    assert!(!spoken.contains("1-ABC-123"), "{spoken}");
    let wav = base64::engine::general_purpose::STANDARD
        .decode(answer.body["wav"].as_str().unwrap())
        .unwrap();
    let reader = hound::WavReader::new(std::io::Cursor::new(&wav)).unwrap();
    assert_eq!(reader.spec().sample_rate, 8000);
    let ms = u64::from(reader.duration()) * 1000 / 8000;
    assert_eq!(answer.body["duration_ms"], ms);
    assert!(ms > 1000, "{ms} ms");
    assert_eq!(answer.body["rate"], 0.85);
}

#[tokio::test]
async fn accept_audio_wav_gets_the_file_itself() {
    let api = TestApi::new().await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/speech/preview")
        .header("authorization", format!("Bearer {coordinator}"))
        .header("content-type", "application/json")
        .header("accept", "audio/wav")
        .body(Body::from(
            json!({"text": "Bonjour.", "language": "fr"}).to_string(),
        ))
        .unwrap();
    let response = api.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..4], b"RIFF");
    assert!(hound::WavReader::new(std::io::Cursor::new(&bytes)).is_ok());
}

#[tokio::test]
async fn each_wrong_field_is_named() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    for (body, field) in [
        (json!({"text": "  ", "language": "nl"}), "text"),
        (json!({"text": "x".repeat(201), "language": "nl"}), "text"),
        (json!({"text": "Hallo", "language": "xx"}), "language"),
        (json!({"text": "Hallo", "language": "NL"}), "language"),
        (json!({"text": "Hallo", "rate": 2.5}), "rate"),
        (json!({"text": "Hallo", "rate": 0.1}), "rate"),
        (json!({"language": "nl"}), "body"),
        (json!({"text": "Hallo", "voice": "x"}), "voice"),
    ] {
        let answer = api
            .call(
                Method::POST,
                "/v1/speech/preview",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let named = answer.body["errors"][0]["field"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(named, field, "{body}: {:?}", answer.body);
    }
}

#[tokio::test]
async fn viewers_and_strangers_hear_nothing() {
    let api = TestApi::new().await;
    let viewer = api.token(Role::Viewer, &[]).await;
    let body = json!({"text": "Hallo"});
    let answer = api
        .call(
            Method::POST,
            "/v1/speech/preview",
            Some(&viewer),
            Some(body.clone()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = api
        .call(Method::POST, "/v1/speech/preview", None, Some(body))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_openapi_document_says_wav_where_wav_goes() {
    let api = TestApi::new().await;
    let document = api.call(Method::GET, "/openapi.json", None, None).await;
    let paths = &document.body["paths"];
    let preview = &paths["/v1/speech/preview"]["post"]["responses"]["200"]["content"];
    assert!(preview["application/json"].is_object(), "{preview}");
    assert!(preview["audio/wav"].is_object(), "{preview}");
    let upload = &paths["/v1/recordings"]["post"]["requestBody"]["content"]["audio/wav"];
    assert!(upload.is_object(), "{}", paths["/v1/recordings"]);
    let wav = &document.body["components"]["schemas"]["WavFile"];
    assert_eq!(wav["type"], "string", "{wav}");
    assert_eq!(wav["format"], "binary", "{wav}");
}
