//! `[sms] body`: the JSON an aggregator is posted, with `{to}`, `{from}`, `{text}` and
//! `{reference}` standing for the message's values.
//!
//! A placeholder counts only outside a JSON string, and becomes a complete JSON string
//! literal (escaped by serde_json), so no text a member or coordinator writes can change the
//! shape of the document: `"text": {text}` is right, `"text": "{text}"` sends the braces as
//! written. The template is read once, at start, and checked to be JSON with dummy values.
//!
//! Pure: no I/O.

/// The body when `[sms] body` is not set.
pub const DEFAULT_BODY: &str =
    r#"{"to": {to}, "from": {from}, "text": {text}, "reference": {reference}}"#;

/// A body template, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyTemplate {
    pieces: Vec<Piece>,
}

/// What a message puts into the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Values<'a> {
    /// The member's number, E.164.
    pub to: &'a str,
    /// The sender.
    pub from: &'a str,
    /// The text.
    pub text: &'a str,
    /// Our reference (the attempt's id).
    pub reference: &'a str,
}

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// With its placeholders filled in, the template is not JSON.
    #[error(
        "is not JSON once its placeholders are filled in ({0}); write placeholders bare, as in \"text\": {{text}}"
    )]
    NotJson(String),
    /// A placeholder every message needs is missing (or only inside a string).
    #[error("has no {0} outside a string; every message needs it")]
    Missing(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Field),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    To,
    From,
    Text,
    Reference,
}

const FIELDS: [(&str, Field); 4] = [
    ("{to}", Field::To),
    ("{from}", Field::From),
    ("{text}", Field::Text),
    ("{reference}", Field::Reference),
];

impl BodyTemplate {
    /// Reads `text`, checking that it is JSON once filled in and that it places `{to}` and
    /// `{text}`.
    pub fn parse(text: &str) -> Result<BodyTemplate, TemplateError> {
        let template = BodyTemplate {
            pieces: pieces(text),
        };
        for (name, field) in [("{to}", Field::To), ("{text}", Field::Text)] {
            if !template.pieces.contains(&Piece::Field(field)) {
                return Err(TemplateError::Missing(name));
            }
        }
        let sample = template.render(&Values {
            to: "+32470000001",
            from: "BIN-Test",
            text: "Test \"1\"\n",
            reference: "reference",
        });
        serde_json::from_str::<serde_json::Value>(&sample)
            .map_err(|e| TemplateError::NotJson(e.to_string()))?;
        Ok(template)
    }

    /// The body for one message.
    pub fn render(&self, values: &Values<'_>) -> String {
        let mut body = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => body.push_str(text),
                Piece::Field(field) => body.push_str(&literal(match field {
                    Field::To => values.to,
                    Field::From => values.from,
                    Field::Text => values.text,
                    Field::Reference => values.reference,
                })),
            }
        }
        body
    }
}

/// `text` as a JSON string literal, quotes included.
fn literal(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// The template cut into literal text and the placeholders found outside strings.
fn pieces(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal_from = 0;
    let mut at = 0;
    let mut in_string = false;
    let mut escaped = false;
    let bytes = text.as_bytes();
    while let Some(&byte) = bytes.get(at) {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if let Some((name, field)) = placeholder(text.get(at..).unwrap_or_default()) {
            // Placeholders are ASCII, so `at` and `at + len` fall on character boundaries.
            let before = text.get(literal_from..at).unwrap_or_default();
            if !before.is_empty() {
                pieces.push(Piece::Literal(before.to_owned()));
            }
            pieces.push(Piece::Field(field));
            at += name.len();
            literal_from = at;
            continue;
        }
        at += 1;
    }
    let rest = text.get(literal_from..).unwrap_or_default();
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest.to_owned()));
    }
    pieces
}

fn placeholder(rest: &str) -> Option<(&'static str, Field)> {
    FIELDS.into_iter().find(|(name, _)| rest.starts_with(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Values<'_> {
        Values {
            to: "+32470000001",
            from: "BIN-Kessel",
            text,
            reference: "attempt-1",
        }
    }

    #[test]
    fn the_default_body_carries_every_value_as_a_json_string() {
        let template = BodyTemplate::parse(DEFAULT_BODY).unwrap();
        let text = "Zeg \"OK\"\nof 1 \\ 2 — 🚨 {to}";
        let body: serde_json::Value =
            serde_json::from_str(&template.render(&values(text))).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "to": "+32470000001",
                "from": "BIN-Kessel",
                "text": text,
                "reference": "attempt-1",
            })
        );
    }

    #[test]
    fn a_placeholder_inside_a_string_stays_as_written() {
        let template = BodyTemplate::parse(
            r#"{"note": "say {text} \"{to}\"", "m": {"d": {to}, "t": [{text}]}}"#,
        )
        .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&template.render(&values("hallo"))).unwrap();
        assert_eq!(body["note"], "say {text} \"{to}\"");
        assert_eq!(body["m"]["d"], "+32470000001");
        assert_eq!(body["m"]["t"][0], "hallo");
    }

    #[test]
    fn a_template_that_is_not_json_or_lacks_a_placeholder_is_refused() {
        let cases = [
            (r#"{"to": "{to}", "text": {text}}"#, "{to}"),
            (r#"{"to": {to}}"#, "{text}"),
            (r#"{"to": {to}, "text": {text}"#, "JSON"),
            (r#"{"to": {to}, "text": {text}, "x": {unknown}}"#, "JSON"),
            ("", "{to}"),
        ];
        for (text, named) in cases {
            let error = BodyTemplate::parse(text).unwrap_err().to_string();
            assert!(error.contains(named), "{text}: {error}");
        }
    }

    #[test]
    fn non_ascii_around_placeholders_is_kept() {
        let template = BodyTemplate::parse("{\"é\": {to}, \"€\": {text}}").unwrap();
        let body = template.render(&values("ü"));
        assert_eq!(body, "{\"é\": \"+32470000001\", \"€\": \"ü\"}");
    }
}
