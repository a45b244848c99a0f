//! What a CAP 1.2 alert asks of the chain, read without I/O: the kind (from `<urgency>`),
//! a drill (`Exercise`), the text per language (`<headline>`, `<description>` and
//! `<instruction>` joined), the earliest `<expires>`, the networks named with the
//! `buurtbel:networks` parameter, and the NIS and postal codes of each `<area>`.
//!
//! Every problem names the CAP element at fault, as `alert/info[2]/area[1]/geocode[3]`
//! (1-based, like XPath).

use super::problem::FieldProblem;
use crate::cap::{CapAlert, Info, Status, Urgency};
use crate::speech::Language;
use crate::store::{AlertKind, AreaScheme, NetworkArea};

/// The `<parameter>` whose value names networks, comma-separated.
pub const NETWORKS_PARAMETER: &str = "buurtbel:networks";

/// What the alert asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Urgent when an `<info>` says `Immediate` or `Expected`, else prevention.
    pub kind: AlertKind,
    /// `<status>Exercise</status>`.
    pub drill: bool,
    /// What is spoken, per language, with the `<info>` it came from (0-based).
    pub texts: Vec<Spoken>,
    /// `<language>`s the chain does not speak, left out.
    pub ignored_languages: Vec<String>,
    /// The earliest `<expires>` (epoch ms) and its element.
    pub expires: Option<(i64, String)>,
    /// Networks named with [`NETWORKS_PARAMETER`], with the element that named each.
    pub named: Vec<(String, String)>,
    /// Each `<area>` with the codes a network may cover.
    pub areas: Vec<AreaCodes>,
}

/// One language's message.
#[derive(Debug, Clone, PartialEq)]
pub struct Spoken {
    /// The language.
    pub language: Language,
    /// What is read.
    pub text: String,
    /// Its `<info>` element, e.g. `alert/info[2]`.
    pub element: String,
}

/// The codes of one `<area>`.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCodes {
    /// Its element, e.g. `alert/info[1]/area[2]`.
    pub element: String,
    /// The NIS and postal codes among its geocodes (others are left to other systems).
    pub codes: Vec<NetworkArea>,
}

/// Reads the alert; texts longer than `max_chars` are refused, never cut.
pub fn read(alert: &CapAlert, max_chars: usize) -> Result<Reading, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut reading = Reading {
        kind: AlertKind::Prevention,
        drill: alert.status == Status::Exercise,
        texts: Vec::new(),
        ignored_languages: Vec::new(),
        expires: None,
        named: Vec::new(),
        areas: Vec::new(),
    };
    for info in &alert.infos {
        let element = format!("alert/info[{}]", info.index + 1);
        if matches!(info.urgency, Urgency::Immediate | Urgency::Expected) {
            reading.kind = AlertKind::Urgent;
        }
        if let Some(expires) = &info.expires {
            let earlier = reading
                .expires
                .as_ref()
                .is_none_or(|(at, _)| expires.epoch_ms < *at);
            if earlier {
                reading.expires = Some((expires.epoch_ms, format!("{element}/expires")));
            }
        }
        read_networks(info, &element, &mut reading, &mut problems);
        match language(&info.language) {
            Some(language) => {
                if reading.texts.iter().any(|t| t.language == language) {
                    problems.push(problem(
                        &format!("{element}/language"),
                        format!(
                            "a second <info> in `{}`: give one message per language",
                            language.code()
                        ),
                    ));
                    continue;
                }
                let text = spoken(info);
                if let Err(e) = crate::speech::render::check_text(&text, max_chars) {
                    problems.push(problem(
                        &element,
                        format!("headline, description and instruction as spoken: {e}"),
                    ));
                    continue;
                }
                reading.texts.push(Spoken {
                    language,
                    text,
                    element,
                });
            }
            None => reading.ignored_languages.push(info.language.clone()),
        }
    }
    if problems.is_empty() {
        Ok(reading)
    } else {
        Err(problems)
    }
}

/// The chain's language for a CAP `<language>` (RFC 3066): `nl-BE` and `nl` are Dutch.
pub fn language(tag: &str) -> Option<Language> {
    let primary = tag.split('-').next()?.to_ascii_lowercase();
    let language = primary.parse::<Language>().ok()?;
    (language.code() == primary).then_some(language)
}

/// The headline (else the event), the description and the instruction, as one text.
fn spoken(info: &Info) -> String {
    let headline = info.headline.as_deref().unwrap_or(&info.event);
    [
        Some(headline),
        info.description.as_deref(),
        info.instruction.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|part| !part.is_empty())
    .map(sentence)
    .collect::<Vec<_>>()
    .join(" ")
}

/// The part ending as a sentence, so the parts are read as sentences.
fn sentence(part: &str) -> String {
    if part.ends_with(['.', '!', '?', ':', ';', '…']) {
        part.to_owned()
    } else {
        format!("{part}.")
    }
}

fn read_networks(
    info: &Info,
    element: &str,
    reading: &mut Reading,
    problems: &mut Vec<FieldProblem>,
) {
    for (i, parameter) in info.parameters.iter().enumerate() {
        if !parameter
            .value_name
            .trim()
            .eq_ignore_ascii_case(NETWORKS_PARAMETER)
        {
            continue;
        }
        let at = format!("{element}/parameter[{}]/value", i + 1);
        let names: Vec<&str> = parameter
            .value
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            problems.push(problem(&at, "names no network".to_owned()));
        }
        for name in names {
            if !reading.named.iter().any(|(n, _)| n == name) {
                reading.named.push((name.to_owned(), at.clone()));
            }
        }
    }
    for (a, area) in info.areas.iter().enumerate() {
        let area_element = format!("{element}/area[{}]", a + 1);
        let mut codes = Vec::new();
        for (g, geocode) in area.geocodes.iter().enumerate() {
            let Some(scheme) = scheme(&geocode.value_name) else {
                continue;
            };
            let code = geocode.value.trim();
            let digits = match scheme {
                AreaScheme::Nis => 5,
                AreaScheme::Postal => 4,
            };
            if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(problem(
                    &format!("{area_element}/geocode[{}]/value", g + 1),
                    format!("`{code}` is not a {} code ({digits} digits)", label(scheme)),
                ));
                continue;
            }
            let area = NetworkArea {
                scheme,
                code: code.to_owned(),
            };
            if !codes.contains(&area) {
                codes.push(area);
            }
        }
        reading.areas.push(AreaCodes {
            element: area_element,
            codes,
        });
    }
}

/// The kind of code a `<geocode><valueName>` names, if one networks cover.
pub fn scheme(value_name: &str) -> Option<AreaScheme> {
    let name: String = value_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match name.as_str() {
        "nis" | "nis5" | "ins" | "niscode" | "inscode" | "refnis" | "nisins" => {
            Some(AreaScheme::Nis)
        }
        "postcode" | "postalcode" | "codepostal" | "zip" | "zipcode" | "postal" | "plz" => {
            Some(AreaScheme::Postal)
        }
        _ => None,
    }
}

/// The scheme as people write it.
pub fn label(scheme: AreaScheme) -> &'static str {
    match scheme {
        AreaScheme::Nis => "NIS",
        AreaScheme::Postal => "postal",
    }
}

fn problem(element: &str, reason: String) -> FieldProblem {
    FieldProblem {
        field: element.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests;
