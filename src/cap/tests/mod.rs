//! Documents that read: the samples in `tests/data/cap/`, each status and message type, and
//! what CAP and XML allow around the elements (signatures, comments, CDATA, a BOM).

mod broken;
mod full;
mod limits;
mod values;

use super::*;

/// A sample from `tests/data/cap/`.
fn sample(name: &str) -> String {
    let path = format!("{}/tests/data/cap/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The smallest alert the broken documents are made from.
const BASE: &str = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>BE-PZ-1</identifier>
  <sender>pz-voorbeeld@police.example</sender>
  <sent>2026-03-14T21:05:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>nl-BE</language>
    <category>Security</category>
    <event>Inbraak</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <area>
      <areaDesc>Wijk Noord</areaDesc>
      <geocode><valueName>NIS</valueName><value>11002</value></geocode>
    </area>
  </info>
</alert>"#;

/// [`BASE`] with `from` (which must be in it) replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "not in the base document: {from}");
    BASE.replacen(from, to, 1)
}

fn parsed(xml: &str) -> CapAlert {
    match parse(xml.as_bytes()) {
        Ok(alert) => alert,
        Err(e) => panic!("{e}\n{xml}"),
    }
}

#[test]
fn the_base_document_reads() {
    let alert = parsed(BASE);
    assert_eq!(alert.identifier, "BE-PZ-1");
    assert_eq!(alert.infos.len(), 1);
    assert_eq!(alert.infos[0].areas[0].geocodes[0].value, "11002");
}

#[test]
fn the_samples_read() {
    for name in [
        "alert-nl-fr-de-en.xml",
        "test.xml",
        "update.xml",
        "cancel.xml",
    ] {
        let alert = parsed(&sample(name));
        assert_eq!(alert.sender, "pz-voorbeeld@police.example", "{name}");
    }
    assert_eq!(parsed(&sample("test.xml")).status, Status::Test);
    let update = parsed(&sample("update.xml"));
    assert_eq!(update.msg_type, MsgType::Update);
    assert_eq!(update.references.len(), 1);
    let cancel = parsed(&sample("cancel.xml"));
    assert_eq!(cancel.msg_type, MsgType::Cancel);
    assert_eq!(
        cancel.references[1].identifier,
        "BE-PZ-VOORBEELD-2026-0314-002"
    );
    assert_eq!(cancel.references[1].sent, "2026-03-14T21:30:00+01:00");
}

#[test]
fn each_status_reads() {
    for status in Status::ALL {
        let xml = edited(
            "<status>Actual</status>",
            &format!("<status>{}</status>", status.as_str()),
        );
        assert_eq!(parsed(&xml).status, *status);
    }
}

#[test]
fn each_message_type_reads() {
    let references =
        "<references>pz-voorbeeld@police.example,BE-PZ-0,2026-03-14T20:00:00+01:00</references>";
    for msg_type in MsgType::ALL {
        let header = format!("<msgType>{}</msgType>", msg_type.as_str());
        let xml = edited("<msgType>Alert</msgType>", &header).replacen(
            "</scope>",
            &format!("</scope>{references}"),
            1,
        );
        let alert = parsed(&xml);
        assert_eq!(alert.msg_type, *msg_type);
        assert_eq!(alert.references[0].identifier, "BE-PZ-0");
    }
}

#[test]
fn each_value_of_the_info_lists_reads() {
    for category in Category::ALL {
        let xml = edited(
            "<category>Security</category>",
            &format!("<category>{}</category>", category.as_str()),
        );
        assert_eq!(parsed(&xml).infos[0].categories, vec![*category]);
    }
    for urgency in Urgency::ALL {
        let xml = edited(
            "<urgency>Immediate</urgency>",
            &format!("<urgency>{}</urgency>", urgency.as_str()),
        );
        assert_eq!(parsed(&xml).infos[0].urgency, *urgency);
    }
    for severity in Severity::ALL {
        let xml = edited(
            "<severity>Severe</severity>",
            &format!("<severity>{}</severity>", severity.as_str()),
        );
        assert_eq!(parsed(&xml).infos[0].severity, *severity);
    }
    for certainty in Certainty::ALL {
        let xml = edited(
            "<certainty>Observed</certainty>",
            &format!("<certainty>{}</certainty>", certainty.as_str()),
        );
        assert_eq!(parsed(&xml).infos[0].certainty, *certainty);
    }
    let all: String = ResponseType::ALL
        .iter()
        .map(|r| format!("<responseType>{}</responseType>", r.as_str()))
        .collect();
    let xml = edited(
        "<event>Inbraak</event>",
        &format!("<event>Inbraak</event>{all}"),
    );
    assert_eq!(parsed(&xml).infos[0].response_types, ResponseType::ALL);
    assert_eq!(Category::Cbrne.as_str(), "CBRNE");
}

#[test]
fn restricted_and_private_scopes_read_with_what_they_need() {
    let xml = edited(
        "<scope>Public</scope>",
        "<scope>Restricted</scope><restriction>Politie en BIN-coördinatoren</restriction>",
    );
    assert_eq!(
        parsed(&xml).restriction.as_deref(),
        Some("Politie en BIN-coördinatoren")
    );
    let xml = edited(
        "<scope>Public</scope>",
        r#"<scope>Private</scope><addresses>bin-noord@example.invalid "BIN Zuid"</addresses>"#,
    );
    assert_eq!(
        parsed(&xml).addresses.as_deref(),
        Some(r#"bin-noord@example.invalid "BIN Zuid""#)
    );
}

#[test]
fn an_info_without_language_is_in_american_english() {
    let xml = edited("<language>nl-BE</language>", "");
    assert_eq!(parsed(&xml).infos[0].language, "en-US");
}

#[test]
fn an_alert_without_info_reads() {
    let start = BASE.find("<info>").unwrap_or_default();
    let end = BASE.find("</info>").map_or(0, |at| at + "</info>".len());
    let alert = parsed(&format!("{}{}", &BASE[..start], &BASE[end..]));
    assert!(alert.infos.is_empty());
}

#[test]
fn a_signature_after_the_infos_is_let_be() {
    let signature = r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>"#;
    let xml = edited("</info>\n</alert>", &format!("</info>{signature}</alert>"));
    assert_eq!(parsed(&xml), parsed(BASE));
    let encrypted = r#"<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/>"#;
    let xml = edited("</info>\n</alert>", &format!("</info>{encrypted}</alert>"));
    assert_eq!(parsed(&xml), parsed(BASE));
}

#[test]
fn prefixes_comments_cdata_entities_and_a_bom_are_plain_xml() {
    let prefixed = prefix_all(BASE)
        .replacen("xmlns=", "xmlns:cap=", 1)
        .replacen(
            "<cap:event>Inbraak</cap:event>",
            "<cap:event><![CDATA[Inbraak]]> <!-- en diefstal --> &amp; diefstal</cap:event>",
            1,
        );
    let xml = format!("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{prefixed}");
    let alert = parsed(&xml);
    assert_eq!(alert.infos[0].event, "Inbraak  & diefstal");
    assert_eq!(alert.identifier, "BE-PZ-1");
}

/// Every CAP element in `xml` (written without prefix) with the prefix `cap:`.
fn prefix_all(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at + 1]);
        rest = &rest[at + 1..];
        let close = rest.starts_with('/');
        if close {
            out.push('/');
            rest = &rest[1..];
        }
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) && !rest.starts_with("cap:") {
            out.push_str("cap:");
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn attributes_of_other_namespaces_are_let_be() {
    let xml = edited(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">"#,
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:oasis:names:tc:emergency:cap:1.2 CAP-v1.2.xsd">"#,
    );
    parsed(&xml);
}

#[test]
fn text_is_trimmed() {
    let xml = edited(
        "<event>Inbraak</event>",
        "<event>\n      Inbraak\n    </event>",
    );
    assert_eq!(parsed(&xml).infos[0].event, "Inbraak");
}

#[test]
fn problems_read_as_one_line_each() {
    let Err(e) =
        parse(edited("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>").as_bytes())
    else {
        panic!("read");
    };
    assert_eq!(
        e.to_string(),
        "not a valid CAP 1.2 alert: alert/info[1]/urgency: `Soon` is not a CAP urgency \
         (Immediate, Expected, Future, Past, Unknown)"
    );
}
