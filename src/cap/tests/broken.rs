//! Broken documents, one fault each: the one problem reported, its element and reason.

use super::*;

/// One broken document: [`BASE`] with `from` replaced by `to` (or `to` alone when `from`
/// is empty), refused with exactly one problem on `element` whose reason holds `reason`.
struct Row {
    from: &'static str,
    to: &'static str,
    element: &'static str,
    reason: &'static str,
}

const fn row(
    from: &'static str,
    to: &'static str,
    element: &'static str,
    reason: &'static str,
) -> Row {
    Row {
        from,
        to,
        element,
        reason,
    }
}

const INFO: &str = "alert/info[1]";
const AREA: &str = "alert/info[1]/area[1]";
const SCOPE: &str = "<scope>Public</scope>";
const EVENT: &str = "<event>Inbraak</event>";
const GEOCODE: &str = "<geocode><valueName>NIS</valueName><value>11002</value></geocode>";
const NAMESPACE_ATTRIBUTE: &str = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">"#;

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Required elements.
    row("<identifier>BE-PZ-1</identifier>", "", "alert", "missing <identifier>"),
    row("<sender>pz-voorbeeld@police.example</sender>", "", "alert", "missing <sender>"),
    row("<sent>2026-03-14T21:05:00+01:00</sent>", "", "alert", "missing <sent>"),
    row("<status>Actual</status>", "", "alert", "missing <status>"),
    row("<msgType>Alert</msgType>", "", "alert", "missing <msgType>"),
    row(SCOPE, "", "alert", "missing <scope>"),
    row("<category>Security</category>", "", INFO, "missing <category>"),
    row(EVENT, "", INFO, "missing <event>"),
    row("<urgency>Immediate</urgency>", "", INFO, "missing <urgency>"),
    row("<severity>Severe</severity>", "", INFO, "missing <severity>"),
    row("<certainty>Observed</certainty>", "", INFO, "missing <certainty>"),
    row("<areaDesc>Wijk Noord</areaDesc>", "", AREA, "missing <areaDesc>"),
    row("<value>11002</value>", "", "alert/info[1]/area[1]/geocode[1]", "missing <value>"),
    row("<valueName>NIS</valueName>", "", "alert/info[1]/area[1]/geocode[1]", "missing <valueName>"),
    // Value lists.
    row("<status>Actual</status>", "<status>Real</status>", "alert/status", "`Real` is not a CAP status (Actual, Exercise, System, Test, Draft)"),
    row("<msgType>Alert</msgType>", "<msgType>Notice</msgType>", "alert/msgType", "`Notice` is not a CAP message type"),
    row(SCOPE, "<scope>public</scope>", "alert/scope", "`public` is not a CAP scope"),
    row("<category>Security</category>", "<category>Crime</category>", "alert/info[1]/category[1]", "`Crime` is not a CAP category"),
    row(EVENT, "<event>Inbraak</event><responseType>Hide</responseType>", "alert/info[1]/responseType[1]", "`Hide` is not a CAP response type"),
    row("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>", "alert/info[1]/urgency", "`Soon` is not a CAP urgency (Immediate, Expected, Future, Past, Unknown)"),
    row("<severity>Severe</severity>", "<severity>High</severity>", "alert/info[1]/severity", "`High` is not a CAP severity"),
    row("<certainty>Observed</certainty>", "<certainty>Sure</certainty>", "alert/info[1]/certainty", "`Sure` is not a CAP certainty"),
    // Date-times.
    row("+01:00</sent>", "Z</sent>", "alert/sent", "CAP 1.2 requires a numeric offset; UTC is -00:00"),
    row("+01:00</sent>", "</sent>", "alert/sent", "has no offset: CAP 1.2 requires a numeric offset"),
    row("2026-03-14T21:05:00+01:00</sent>", "2026-02-30T21:05:00+01:00</sent>", "alert/sent", "not a real date and time"),
    row("21:05:00+01:00</sent>", "24:05:00+01:00</sent>", "alert/sent", "not a real date and time"),
    row("21:05:00+01:00</sent>", "21:05:00.250+01:00</sent>", "alert/sent", "fraction of a second"),
    row("+01:00</sent>", "+15:00</sent>", "alert/sent", "offsets run from -14:00 to +14:00"),
    row("2026-03-14T21:05:00+01:00</sent>", "14/03/2026 21:05</sent>", "alert/sent", "is not a CAP date-time like"),
    row("<certainty>Observed</certainty>", "<certainty>Observed</certainty><expires>morgen</expires>", "alert/info[1]/expires", "not a CAP date-time"),
    // Identifiers and senders.
    row("<identifier>BE-PZ-1</identifier>", "<identifier>BE PZ 1</identifier>", "alert/identifier", "contains white space"),
    row("<identifier>BE-PZ-1</identifier>", "<identifier>BE,PZ,1</identifier>", "alert/identifier", "contains a comma"),
    row("<identifier>BE-PZ-1</identifier>", "<identifier>BE&amp;PZ</identifier>", "alert/identifier", "contains `&`"),
    row("<sender>pz-voorbeeld@police.example</sender>", "<sender> </sender>", "alert/sender", "empty: CAP requires a sender"),
    // The schema's sequences.
    row(SCOPE, "<scope>Public</scope><priority>1</priority>", "alert/priority", "<priority> is not an element of <alert> in CAP 1.2"),
    row(GEOCODE, "<geocode><valueName>NIS</valueName><value>11002</value><label>x</label></geocode>", "alert/info[1]/area[1]/geocode[1]/label", "not an element of <geocode>"),
    row("<identifier>BE-PZ-1</identifier>\n  <sender>pz-voorbeeld@police.example</sender>", "<sender>pz-voorbeeld@police.example</sender><identifier>BE-PZ-1</identifier>", "alert/identifier", "<identifier> is out of order: CAP 1.2 puts it before <sender>"),
    row("<urgency>Immediate</urgency>\n    <severity>Severe</severity>", "<severity>Severe</severity><urgency>Immediate</urgency>", "alert/info[1]/urgency", "out of order"),
    row("<identifier>BE-PZ-1</identifier>", "<identifier>BE-PZ-1</identifier><identifier>BE-PZ-2</identifier>", "alert/identifier", "more than one <identifier>: CAP 1.2 allows one"),
    row(EVENT, "<event>Inbraak <b>nu</b></event>", "alert/info[1]/event", "holds text only, not the element <b>"),
    row(SCOPE, "<scope>Public</scope>vrije tekst", "alert", "text between elements"),
    row("<identifier>BE-PZ-1</identifier>", r#"<identifier lang="nl">BE-PZ-1</identifier>"#, "alert/identifier", "takes no attributes; found `lang`"),
    row(SCOPE, r#"<scope>Public</scope><note xmlns="urn:example:other">x</note>"#, "alert/note", "in the namespace urn:example:other"),
    row("</info>", r#"</info><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/><info/>"#, "alert/info[2]", "after the signature"),
    // The document.
    row(NAMESPACE_ATTRIBUTE, r#"<alert xmlns="urn:example:other">"#, "alert", "in the namespace urn:example:other"),
    row(NAMESPACE_ATTRIBUTE, r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">"#, "alert", "CAP 1.1"),
    row(NAMESPACE_ATTRIBUTE, "<alert>", "alert", "<alert> has no namespace"),
    row("", r#"<alarm xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"#, "document", "the root element is <alarm>"),
    row("", "<!DOCTYPE alert [<!ENTITY x \"x\">]><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">&x;</alert>", "document", "a DOCTYPE (DTD) is not accepted"),
    row("", "identifier=BE-PZ-1", "document", "not well-formed XML"),
    row("</info>", "</inf>", "document", "not well-formed XML: expected 'info' tag, not 'inf' at 19:3"),
    row("", "", "document", "empty"),
    row("", " \n\t", "document", "empty"),
    row(SCOPE, "<scope>Public</scope><note><a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p>x</p></o></n></m></l></k></j></i></h></g></f></e></d></c></b></a></note>", "document", "deeper than 16 levels"),
    // Rules across elements.
    row(SCOPE, "<scope>Restricted</scope>", "alert", "missing <restriction>: a Restricted scope"),
    row(SCOPE, "<scope>Restricted</scope><restriction></restriction>", "alert/restriction", "empty: a Restricted scope"),
    row(SCOPE, "<scope>Private</scope>", "alert", "missing <addresses>: a Private scope"),
    row("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", "alert", "missing <references>: a Cancel names"),
    row("<msgType>Alert</msgType>", "<msgType>Update</msgType>", "alert", "missing <references>: an Update"),
    row("<msgType>Alert</msgType>", "<msgType>Ack</msgType>", "alert", "missing <references>: an Ack"),
    row(SCOPE, "<scope>Public</scope><references>BE-PZ-0</references>", "alert/references", "`BE-PZ-0` is not a reference: CAP writes each as sender,identifier,sent"),
    row(SCOPE, "<scope>Public</scope><references>pz@police.example,BE-PZ-0,2026-03-14T20:00:00Z</references>", "alert/references", "in the reference `pz@police.example,BE-PZ-0,2026-03-14T20:00:00Z`: `2026-03-14T20:00:00Z` ends in `Z`"),
    row(SCOPE, "<scope>Public</scope><references> </references>", "alert/references", "empty"),
    // Values.
    row("<language>nl-BE</language>", "<language>nl_BE</language>", "alert/info[1]/language", "`nl_BE` is not a language tag (RFC 3066)"),
    row("<language>nl-BE</language>", "<language>nederlands</language>", "alert/info[1]/language", "not a language tag"),
    row(GEOCODE, "<polygon>51.2,4.4 51.3,4.4 51.2,4.4</polygon>", "alert/info[1]/area[1]/polygon[1]", "3 points: a polygon needs at least 4"),
    row(GEOCODE, "<polygon>51.2,4.4 51.3,4.4 51.3,4.5 51.2,4.5</polygon>", "alert/info[1]/area[1]/polygon[1]", "the last point is not the first"),
    row(GEOCODE, "<polygon>95,4.4 51.3,4.4 51.3,4.5 95,4.4</polygon>", "alert/info[1]/area[1]/polygon[1]", "the latitude is outside -90..90"),
    row(GEOCODE, "<polygon>51.2;4.4 51.3;4.4 51.3;4.5 51.2;4.4</polygon>", "alert/info[1]/area[1]/polygon[1]", "`51.2;4.4` is not a `lat,lon` point"),
    row(GEOCODE, "<circle>51.2,4.4</circle>", "alert/info[1]/area[1]/circle[1]", "is not a circle"),
    row(GEOCODE, "<circle>51.2,4.4 -1</circle>", "alert/info[1]/area[1]/circle[1]", "negative"),
    row(GEOCODE, "<circle>51.2,181 1</circle>", "alert/info[1]/area[1]/circle[1]", "the longitude is outside -180..180"),
    row(GEOCODE, "<ceiling>300</ceiling>", "alert/info[1]/area[1]/ceiling", "<ceiling> without <altitude>"),
    row(GEOCODE, "<altitude>1e3</altitude>", "alert/info[1]/area[1]/altitude", "`1e3` is not a decimal number"),
    row("<certainty>Observed</certainty>", "<certainty>Observed</certainty><web>pz-voorbeeld/bin</web>", "alert/info[1]/web", "not an absolute URI"),
    row("<area>", "<resource><resourceDesc>Kaart</resourceDesc><mimeType>text/plain</mimeType><size>-1</size></resource><area>", "alert/info[1]/resource[1]/size", "`-1` is not a size in bytes"),
    row("<area>", "<resource><resourceDesc>Kaart</resourceDesc><mimeType>tekst</mimeType></resource><area>", "alert/info[1]/resource[1]/mimeType", "not a MIME type"),
    row("<area>", "<resource><resourceDesc>Kaart</resourceDesc><mimeType>text/plain</mimeType><derefUri>niet base64!</derefUri></resource><area>", "alert/info[1]/resource[1]/derefUri", "not base64"),
    row("<area>", "<resource><mimeType>text/plain</mimeType></resource><area>", "alert/info[1]/resource[1]", "missing <resourceDesc>"),
];

#[test]
fn each_broken_document_names_its_one_problem() {
    assert!(ROWS.len() >= 30);
    for row in ROWS {
        let xml = if row.from.is_empty() {
            row.to.to_owned()
        } else {
            edited(row.from, row.to)
        };
        let problems = match parse(xml.as_bytes()) {
            Ok(_) => panic!("read, though it should not:\n{xml}"),
            Err(e) => e.problems,
        };
        let [problem] = problems.as_slice() else {
            panic!(
                "{} problems, expected one on {}: {problems:#?}\n{xml}",
                problems.len(),
                row.element
            );
        };
        assert_eq!(problem.element, row.element, "{problem:?}\n{xml}");
        assert!(
            problem.reason.contains(row.reason),
            "{:?} does not say {:?}",
            problem.reason,
            row.reason
        );
    }
}

#[test]
fn bytes_that_are_not_utf8_are_refused() {
    let Err(e) = parse(b"<alert>\xff\xfe</alert>") else {
        panic!("read");
    };
    assert_eq!(e.problems[0].element, "document");
    assert!(e.problems[0].reason.contains("not UTF-8"));
}

#[test]
fn every_problem_of_one_document_is_reported() {
    let xml = edited("<status>Actual</status>", "<status>Real</status>")
        .replacen("+01:00</sent>", "Z</sent>", 1)
        .replacen("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>", 1)
        .replacen("<areaDesc>Wijk Noord</areaDesc>", "", 1);
    let Err(e) = parse(xml.as_bytes()) else {
        panic!("read");
    };
    let elements: Vec<&str> = e.problems.iter().map(|p| p.element.as_str()).collect();
    assert_eq!(
        elements,
        ["alert/sent", "alert/status", "alert/info[1]/urgency", AREA]
    );
}
