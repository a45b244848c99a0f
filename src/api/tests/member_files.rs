//! `/v1/networks/{id}/members.csv`: the member file in and out by the command line's rules,
//! each problem named by its line, nothing imported from a file with any problem.

use super::TestApi;
use crate::members::read_csv;
use crate::store::Role;
use axum::http::{Method, StatusCode};
use serde_json::Value;

const FILE: &str = "member_id;name;phone;phone2;language;consent\n\
                    B-1;Test Lid Een;0470 00 00 21;;fr;2026-05-01\n\
                    B-2;Test Lid Twee;0470 00 00 22;050 00 01 22;nl;\n";

fn lines(answer: &Value) -> Vec<(String, String)> {
    answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                    (text("field"), text("reason"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_file_is_imported_whole_and_exported_with_its_consent() {
    let api = TestApi::new().await;
    let coordinator = api.token(Role::Coordinator, &[&api.north]).await;
    let path = format!("/v1/networks/{}/members.csv", api.north);
    let answer = api
        .text(
            Method::POST,
            &path,
            &coordinator,
            "text/csv; charset=utf-8",
            FILE,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["created"], 2);
    assert_eq!(answer.body["separator"], ";");
    assert_eq!(answer.body["network"], "BIN Noord");
    let again = api
        .text(Method::POST, &path, &coordinator, "text/csv", FILE)
        .await;
    assert_eq!(again.body["unchanged"], 2);

    let export = api.call(Method::GET, &path, Some(&coordinator), None).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers["cache-control"], "no-store");
    assert!(
        export.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = export.body.as_str().expect("CSV text");
    assert!(text.starts_with("member_id,name,phone,phone2,language,channel,speech_rate,quiet_start,quiet_end,consent\n"), "{text}");
    let rows = read_csv(text.as_bytes()).expect("reads back");
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["Test Lid BIN Noord", "Test Lid Een", "Test Lid Twee"]
    );
    assert_eq!(rows[1].consent, Some(jiff::civil::date(2026, 5, 1)));
    assert_eq!(rows[2].phones, ["+32470000022", "+3250000122"]);
    let audited = api.audited().await;
    for action in ["members.import", "members.export"] {
        assert!(audited.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn every_bad_line_is_named_and_nothing_is_imported() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let path = format!("/v1/networks/{}/members.csv", api.north);
    let file = "name,phone,consent\n\
                Test Lid Een,0470 00 00 31,\n\
                ,0470 00 00 32,\n\
                Test Lid Drie,12,\n\
                Test Lid Vier,0470 00 00 34,gisteren\n";
    let answer = api
        .text(Method::POST, &path, &admin, "text/csv", file)
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let found = lines(&answer.body);
    let where_: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(where_, ["line 3", "line 4", "line 5"]);
    assert_eq!(found[0].1, "no name");
    assert!(found[1].1.starts_with("phone: "), "{found:?}");
    assert!(found[2].1.starts_with("consent"), "{found:?}");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("nothing imported")
    );
    assert_eq!(api.store.members(&api.north).await.unwrap().len(), 1);

    let header = api
        .text(
            Method::POST,
            &path,
            &admin,
            "text/csv",
            "name,phonee\nA,1\n",
        )
        .await;
    assert_eq!(lines(&header.body)[0].0, "line 1");
    assert!(lines(&header.body)[0].1.contains("unknown column `phonee`"));
    let empty = api
        .text(Method::POST, &path, &admin, "text/csv", "name,phone\n")
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = api
        .text(Method::POST, &path, &admin, "application/json", FILE)
        .await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(!api.audited().await.contains(&"members.import".to_owned()));
}

#[tokio::test]
async fn a_file_without_the_consent_column_keeps_the_consent_recorded() {
    let api = TestApi::new().await;
    let admin = api.token(Role::Admin, &[]).await;
    let path = format!("/v1/networks/{}/members.csv", api.north);
    let answer = api
        .text(Method::POST, &path, &admin, "text/csv", FILE)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let old = "member_id,name,phone\nB-1,Test Lid Een,0470 00 00 21\n";
    let answer = api.text(Method::POST, &path, &admin, "text/csv", old).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let export = api.call(Method::GET, &path, Some(&admin), None).await;
    let rows = read_csv(export.body.as_str().unwrap().as_bytes()).unwrap();
    let one = rows.iter().find(|r| r.name == "Test Lid Een").unwrap();
    assert_eq!(one.consent, Some(jiff::civil::date(2026, 5, 1)));
}
