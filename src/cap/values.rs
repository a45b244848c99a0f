//! The values of CAP's leaf elements, checked one by one: each check takes the element's
//! trimmed text and gives the value or the reason it is refused (the caller knows the path).

use base64::Engine as _;

use super::{Reference, time};

/// An `<identifier>` or `<sender>` (and their parts in `<references>`): not empty, without
/// white space, commas or the restricted characters `<` and `&`. `what` names it with its
/// article: "an identifier".
pub(super) fn restricted(text: &str, what: &str) -> Result<String, String> {
    let forbidden = |c: char| c.is_whitespace() || matches!(c, ',' | '<' | '&');
    if text.is_empty() {
        return Err(format!("empty: CAP requires {what}"));
    }
    match text.chars().find(|c| forbidden(*c)) {
        None => Ok(text.to_owned()),
        Some(c) => Err(format!(
            "`{text}` contains {}: CAP forbids white space, commas, < and & in {what}",
            match c {
                ',' => "a comma",
                '<' => "`<`",
                '&' => "`&`",
                _ => "white space",
            }
        )),
    }
}

/// A `<language>`: an RFC 3066 tag as XML Schema's `language` type spells it, e.g. `nl-BE`.
pub(super) fn language(text: &str) -> Result<String, String> {
    let mut subtags = text.split('-');
    let primary = subtags.next().unwrap_or_default();
    let subtag = |s: &str, letters_only: bool| {
        (1..=8).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphabetic() || (!letters_only && b.is_ascii_digit()))
    };
    if subtag(primary, true) && subtags.all(|s| subtag(s, false)) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not a language tag (RFC 3066), e.g. nl-BE or fr"
        ))
    }
}

/// `<references>`: white-space-separated `sender,identifier,sent` entries, at least one.
pub(super) fn references(text: &str) -> Result<Vec<Reference>, String> {
    let mut references = Vec::new();
    for entry in text.split_whitespace() {
        let parts: Vec<&str> = entry.split(',').collect();
        let [sender, identifier, sent] = parts.as_slice() else {
            return Err(format!(
                "`{entry}` is not a reference: CAP writes each as sender,identifier,sent"
            ));
        };
        let reference = Reference {
            sender: restricted(sender, "a sender").map_err(|e| in_reference(entry, &e))?,
            identifier: restricted(identifier, "an identifier")
                .map_err(|e| in_reference(entry, &e))?,
            sent: time::cap_time(sent)
                .map_err(|e| in_reference(entry, &e))?
                .text,
        };
        references.push(reference);
    }
    if references.is_empty() {
        return Err("empty: give the earlier messages as sender,identifier,sent".to_owned());
    }
    Ok(references)
}

fn in_reference(entry: &str, reason: &str) -> String {
    format!("in the reference `{entry}`: {reason}")
}

/// A `<polygon>`: at least four WGS 84 `lat,lon` points separated by white space, the first
/// repeated as the last.
pub(super) fn polygon(text: &str) -> Result<(), String> {
    let mut count = 0usize;
    let mut first = None;
    let mut last = None;
    for pair in text.split_whitespace() {
        let point = point(pair)?;
        first.get_or_insert(point);
        last = Some(point);
        count += 1;
    }
    if count < 4 {
        return Err(format!(
            "{count} points: a polygon needs at least 4 `lat,lon` points, the first repeated last"
        ));
    }
    if first != last {
        return Err(
            "the last point is not the first: a polygon is closed by repeating its \
                    first point"
                .to_owned(),
        );
    }
    Ok(())
}

/// A `<circle>`: a WGS 84 `lat,lon` centre, a space and a radius in kilometres (0 or more).
pub(super) fn circle(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [centre, radius] = parts.as_slice() else {
        return Err(format!(
            "`{text}` is not a circle: CAP writes it as `lat,lon radius` (km)"
        ));
    };
    point(centre)?;
    let radius = decimal(radius).map_err(|e| format!("the radius: {e}"))?;
    if radius < 0.0 {
        return Err(format!("the radius {radius} is negative"));
    }
    Ok(())
}

/// A WGS 84 point as `lat,lon` in decimal degrees.
fn point(pair: &str) -> Result<(f64, f64), String> {
    let Some((lat, lon)) = pair.split_once(',') else {
        return Err(format!("`{pair}` is not a `lat,lon` point"));
    };
    let (lat, lon) = match (decimal(lat), decimal(lon)) {
        (Ok(lat), Ok(lon)) => (lat, lon),
        _ => {
            return Err(format!(
                "`{pair}` is not a `lat,lon` point in decimal degrees"
            ));
        }
    };
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("in `{pair}`, the latitude is outside -90..90"));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("in `{pair}`, the longitude is outside -180..180"));
    }
    Ok((lat, lon))
}

/// An XML Schema `decimal`: an optional sign, digits, an optional fraction (no exponent).
pub(super) fn decimal(text: &str) -> Result<f64, String> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let shaped = digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    match text.parse::<f64>() {
        Ok(value) if shaped && value.is_finite() => Ok(value),
        _ => Err(format!("`{text}` is not a decimal number")),
    }
}

/// A `<size>` in bytes: a whole number, 0 or more.
pub(super) fn size(text: &str) -> Result<u64, String> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    match digits.parse::<u64>() {
        Ok(size) if digits.bytes().all(|b| b.is_ascii_digit()) => Ok(size),
        _ => Err(format!(
            "`{text}` is not a size in bytes (a whole number, 0 or more)"
        )),
    }
}

/// A `<web>` address: a full, absolute URI (`https://…`).
pub(super) fn absolute_uri(text: &str) -> Result<String, String> {
    let valid = text.split_once(':').is_some_and(|(scheme, rest)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
            && !rest.contains(char::is_whitespace)
    });
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an absolute URI, e.g. https://police.example/alert"
        ))
    }
}

/// A `<mimeType>`: `type/subtype` (RFC 2046), parameters after `;` let be.
pub(super) fn mime_type(text: &str) -> Result<String, String> {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c))
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    match essence.split_once('/') {
        Some((kind, subtype)) if token(kind) && token(subtype) => Ok(text.to_owned()),
        _ => Err(format!("`{text}` is not a MIME type like audio/wav")),
    }
}

/// A `<derefUri>`: the resource itself in base64 (line breaks allowed).
pub(super) fn base64(text: &str) -> Result<String, String> {
    let packed: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(&packed) {
        Ok(_) => Ok(text.to_owned()),
        Err(e) => Err(format!("not base64 data: {e}")),
    }
}
