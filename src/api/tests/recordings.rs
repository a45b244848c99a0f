//! `POST /v1/recordings` and alerts naming them: bounds judged from the header, the body
//! limit, refusals of what is not a WAV, and an alert's recorded message stored as the
//! command line stores one.

use super::{TestApi, tone_wav, upload};
use crate::config::ApiConfig;
use crate::store::{AlertId, MessageBody, Role};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use std::time::Duration;
use tokio_stream::StreamExt;

#[tokio::test]
async fn an_upload_is_kept_audited_and_sent_as_a_recorded_message() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let wav = tone_wav(16000, 1.5);
    let answer = upload(&api, &police, wav).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(answer.body["duration_ms"], 1500);
    let id = answer.body["id"].as_str().unwrap().to_owned();

    let body = json!({"networks": ["BIN Noord"], "kind": "urgent",
        "texts": {"nl": "Verdachte personen gezien."}, "recordings": {"fr": id}});
    let sent = api
        .call(Method::POST, "/v1/alerts", Some(&police), Some(body))
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let alert = AlertId::from(sent.body["id"].as_str().unwrap());
    let messages = api.store.alert_messages(&alert).await.unwrap();
    assert_eq!(messages.len(), 2);
    let MessageBody::Recording(stored) = &messages[0].body else {
        panic!("fr is a recording: {messages:?}");
    };
    assert_eq!(messages[0].language, "fr");
    let decoded = crate::speech::wav::decode_stored(stored, "fr").unwrap();
    assert_eq!(decoded.1, 16000);

    let admin = api.token(Role::Admin, &[]).await;
    let log = api.call(Method::GET, "/v1/audit", Some(&admin), None).await;
    let uploads: Vec<_> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "recording.upload")
        .collect();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["subject"], id.as_str());
}

#[tokio::test]
async fn a_recording_names_one_language_once_and_belongs_to_its_token() {
    let api = TestApi::new().await;
    let police = api.token(Role::Police, &[]).await;
    let other = api.token(Role::Police, &[]).await;
    let id = upload(&api, &police, tone_wav(8000, 1.0)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (token, recordings, field) in [
        (&police, json!({"nl": id}), "recordings.nl"),
        (&police, json!({"xx": id}), "recordings.xx"),
        (&police, json!({"fr": "no-such-id"}), "recordings.fr"),
        (&other, json!({"fr": id}), "recordings.fr"),
    ] {
        let body = json!({"networks": ["BIN Noord"], "kind": "urgent",
            "texts": {"nl": "Een bericht."}, "recordings": recordings});
        let answer = api
            .call(Method::POST, "/v1/alerts", Some(token), Some(body))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{recordings}"
        );
        assert_eq!(
            answer.body["errors"][0]["field"], field,
            "{:?}",
            answer.body
        );
    }
    let body = json!({"networks": ["BIN Noord"], "kind": "urgent", "recordings": {"nl": id}});
    let answer = api
        .call(Method::POST, "/v1/alerts", Some(&police), Some(body))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::CREATED,
        "a recording alone: {:?}",
        answer.body
    );
}

#[tokio::test]
async fn a_header_claiming_too_long_is_refused_before_the_rest_arrives() {
    let api = TestApi::with_speech(ApiConfig::default(), |speech| {
        speech.max_recording = Duration::from_secs(2);
    })
    .await;
    let police = api.token(Role::Police, &[]).await;
    let answer = upload(&api, &police, tone_wav(8000, 3.0)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = answer.body["errors"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("speech.max_recording"), "{reason}");

    // A header promising an hour, followed by a body that never ends: judged on its start.
    let mut forged = tone_wav(8000, 1.0);
    let data = forged.windows(4).position(|w| w == b"data").unwrap() + 4;
    forged[data..data + 4].copy_from_slice(&(8000u32 * 2 * 3600).to_le_bytes());
    let answer = endless_upload(&api, &police, forged).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        answer.body
    );
}

#[tokio::test]
async fn a_header_announcing_more_than_max_body_is_refused_at_once() {
    let api = TestApi::with(ApiConfig {
        max_body: 64 * 1024,
        ..ApiConfig::default()
    })
    .await;
    let police = api.token(Role::Police, &[]).await;
    let mut forged = tone_wav(8000, 1.0);
    let data = forged.windows(4).position(|w| w == b"data").unwrap() + 4;
    forged[data..data + 4].copy_from_slice(&(8000u32 * 2 * 60).to_le_bytes());
    let answer = endless_upload(&api, &police, forged).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{:?}",
        answer.body
    );
}

#[tokio::test]
async fn too_big_not_a_wav_and_viewers_are_refused() {
    let api = TestApi::with(ApiConfig {
        max_body: 32 * 1024,
        ..ApiConfig::default()
    })
    .await;
    let police = api.token(Role::Police, &[]).await;
    let answer = upload(&api, &police, tone_wav(8000, 3.0)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.headers["content-type"], "application/problem+json");

    let answer = upload(
        &api,
        &police,
        b"RIFF\x10\0\0\0WAVEjunk and more junk".to_vec(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = upload(&api, &police, vec![0u8; 5000]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["errors"][0]["field"], "body");

    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/recordings")
        .header("authorization", format!("Bearer {police}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        api.raw(request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );

    let viewer = api.token(Role::Viewer, &[]).await;
    let answer = upload(&api, &viewer, tone_wav(8000, 1.0)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

/// Uploads `head` followed by a body that never ends; the answer must come from the head.
async fn endless_upload(api: &TestApi, token: &str, head: Vec<u8>) -> super::Answer {
    let head = tokio_stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(head))]);
    let body = Body::from_stream(head.chain(tokio_stream::pending()));
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/recordings")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "audio/wav")
        .body(body)
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), api.raw(request))
        .await
        .expect("answered before the body ended")
}
