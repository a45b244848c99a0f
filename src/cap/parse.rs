//! The walk from `<alert>` down: each element's children sorted by [`sequence`], each leaf's
//! text checked by [`values`], [`time`] or [`vocabulary`], then the rules that tie elements
//! together (a `Restricted` scope names its restriction, a `Cancel` its references, a
//! ceiling goes with an altitude). Every problem is pushed and the walk goes on, so one pass
//! reports as much as it can; an alert is built only from what checked out.

use roxmltree::Node;

use super::sequence::{self, AREA, Children, INFO, RESOURCE, VALUE_PAIR, no_attributes};
use super::vocabulary::word;
use super::{Area, CapAlert, Info, MsgType, Problems, Resource, Scope, ValuePair, time, values};

/// At most this many `<area>` elements in one alert, all `<info>`s together.
pub const MAX_AREAS: usize = 256;
/// At most this many `<geocode>` elements in one alert, all `<area>`s together.
pub const MAX_GEOCODES: usize = 10_000;

/// The `<language>` of an `<info>` without one.
pub const DEFAULT_LANGUAGE: &str = "en-US";

/// Reads `<alert>` (its name and namespace already checked).
pub(super) fn alert(node: Node<'_, '_>, problems: &mut Problems) -> Option<CapAlert> {
    no_attributes(node, "alert", problems);
    let c = sequence::children(node, "alert", sequence::ALERT, true, problems);
    let identifier = checked(&c, "identifier", problems, |t| {
        values::restricted(t, "an identifier")
    });
    let sender = checked(&c, "sender", problems, |t| {
        values::restricted(t, "a sender")
    });
    let sent = checked(&c, "sent", problems, time::cap_time);
    let status = checked(&c, "status", problems, word);
    let msg_type = checked(&c, "msgType", problems, word::<MsgType>);
    let source = c.text("source", problems);
    let scope = checked(&c, "scope", problems, word::<Scope>);
    let restriction = c.text("restriction", problems);
    let addresses = c.text("addresses", problems);
    let codes = checked_all(&c, "code", problems, |t| Ok(t.to_owned()));
    let note = c.text("note", problems);
    let references = checked(&c, "references", problems, values::references);
    let incidents = c.text("incidents", problems);
    let mut budget = Budget::default();
    let mut infos = Vec::new();
    for (index, node) in c.all("info").iter().enumerate() {
        let path = c.path("info", index);
        infos.extend(info(*node, index, &path, &mut budget, problems));
    }
    let restricts = (restriction.as_deref(), addresses.as_deref());
    refers_as_needed(&c, scope, msg_type, restricts, problems);
    let (Some(identifier), Some(sender), Some(sent), Some(status), Some(msg_type), Some(scope)) =
        (identifier, sender, sent, status, msg_type, scope)
    else {
        return None;
    };
    Some(CapAlert {
        identifier,
        sender,
        sent,
        status,
        msg_type,
        source,
        scope,
        restriction,
        addresses,
        codes,
        note,
        references: references.unwrap_or_default(),
        incidents,
        infos,
    })
}

fn info(
    node: Node<'_, '_>,
    index: usize,
    path: &str,
    budget: &mut Budget,
    problems: &mut Problems,
) -> Option<Info> {
    no_attributes(node, path, problems);
    let c = sequence::children(node, path, INFO, false, problems);
    let language = checked(&c, "language", problems, values::language);
    let categories = checked_all(&c, "category", problems, word);
    let event = c.text("event", problems);
    let response_types = checked_all(&c, "responseType", problems, word);
    let urgency = checked(&c, "urgency", problems, word);
    let severity = checked(&c, "severity", problems, word);
    let certainty = checked(&c, "certainty", problems, word);
    let audience = c.text("audience", problems);
    let event_codes = pairs(&c, "eventCode", problems, &mut |_, _| true);
    let effective = checked(&c, "effective", problems, time::cap_time);
    let onset = checked(&c, "onset", problems, time::cap_time);
    let expires = checked(&c, "expires", problems, time::cap_time);
    let sender_name = c.text("senderName", problems);
    let headline = c.text("headline", problems);
    let description = c.text("description", problems);
    let instruction = c.text("instruction", problems);
    let web = checked(&c, "web", problems, values::absolute_uri);
    let contact = c.text("contact", problems);
    let parameters = pairs(&c, "parameter", problems, &mut |_, _| true);
    let resources = each(&c, "resource", problems, resource);
    let mut areas = Vec::new();
    for (at, node) in c.all("area").iter().enumerate() {
        let area_path = c.path("area", at);
        if !budget.area(&area_path, problems) {
            break;
        }
        areas.extend(area(*node, &area_path, budget, problems));
    }
    let (Some(event), Some(urgency), Some(severity), Some(certainty)) =
        (event, urgency, severity, certainty)
    else {
        return None;
    };
    Some(Info {
        index,
        language: language.unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned()),
        categories,
        event,
        response_types,
        urgency,
        severity,
        certainty,
        audience,
        event_codes,
        effective,
        onset,
        expires,
        sender_name,
        headline,
        description,
        instruction,
        web,
        contact,
        parameters,
        resources,
        areas,
    })
}

fn resource(node: Node<'_, '_>, path: &str, problems: &mut Problems) -> Option<Resource> {
    no_attributes(node, path, problems);
    let c = sequence::children(node, path, RESOURCE, false, problems);
    let resource_desc = c.text("resourceDesc", problems);
    let mime_type = checked(&c, "mimeType", problems, values::mime_type);
    let size = checked(&c, "size", problems, values::size);
    let uri = c.text("uri", problems);
    let deref_uri = checked(&c, "derefUri", problems, values::base64);
    let digest = c.text("digest", problems);
    Some(Resource {
        resource_desc: resource_desc?,
        mime_type: mime_type?,
        size,
        uri,
        deref_uri,
        digest,
    })
}

fn area(
    node: Node<'_, '_>,
    path: &str,
    budget: &mut Budget,
    problems: &mut Problems,
) -> Option<Area> {
    no_attributes(node, path, problems);
    let c = sequence::children(node, path, AREA, false, problems);
    let area_desc = c.text("areaDesc", problems);
    let polygons = checked_all(&c, "polygon", problems, |t| {
        values::polygon(t).map(|()| t.to_owned())
    });
    let circles = checked_all(&c, "circle", problems, |t| {
        values::circle(t).map(|()| t.to_owned())
    });
    let geocodes = pairs(&c, "geocode", problems, &mut |path, problems| {
        budget.geocode(path, problems)
    });
    let altitude = checked(&c, "altitude", problems, values::decimal);
    let ceiling = checked(&c, "ceiling", problems, values::decimal);
    if !c.all("ceiling").is_empty() && c.all("altitude").is_empty() {
        problems.push(
            c.path("ceiling", 0),
            "<ceiling> without <altitude>: CAP gives a ceiling only with an altitude",
        );
    }
    Some(Area {
        area_desc: area_desc?,
        polygons,
        circles,
        geocodes,
        altitude,
        ceiling,
    })
}

/// Each `<eventCode>`, `<parameter>` or `<geocode>` named `name`, while `admit` lets more in.
fn pairs(
    c: &Children<'_, '_>,
    name: &str,
    problems: &mut Problems,
    admit: &mut dyn FnMut(&str, &mut Problems) -> bool,
) -> Vec<ValuePair> {
    let mut pairs = Vec::new();
    for (index, node) in c.all(name).iter().enumerate() {
        let path = c.path(name, index);
        if !admit(&path, problems) {
            break;
        }
        no_attributes(*node, &path, problems);
        let inner = sequence::children(*node, &path, VALUE_PAIR, false, problems);
        let value_name = inner.text("valueName", problems);
        let value = inner.text("value", problems);
        if let (Some(value_name), Some(value)) = (value_name, value) {
            pairs.push(ValuePair { value_name, value });
        }
    }
    pairs
}

/// Each structured child `name`, read by `read`.
fn each<T>(
    c: &Children<'_, '_>,
    name: &str,
    problems: &mut Problems,
    read: fn(Node<'_, '_>, &str, &mut Problems) -> Option<T>,
) -> Vec<T> {
    let mut all = Vec::new();
    for (index, node) in c.all(name).iter().enumerate() {
        all.extend(read(*node, &c.path(name, index), problems));
    }
    all
}

/// The element `name` (at most one), its text checked; `None` when absent or refused.
fn checked<T>(
    c: &Children<'_, '_>,
    name: &str,
    problems: &mut Problems,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let text = c.text(name, problems)?;
    problems.check(&c.path(name, 0), check(&text))
}

/// Each element `name`, its text checked; those refused are left out (and reported).
fn checked_all<T>(
    c: &Children<'_, '_>,
    name: &str,
    problems: &mut Problems,
    check: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut all = Vec::new();
    for (path, text) in c.texts(name, problems) {
        if let Some(text) = text {
            all.extend(problems.check(&path, check(&text)));
        }
    }
    all
}

/// The rules across `<alert>`'s children: a `Restricted` scope needs its restriction, a
/// `Private` one its addresses, and a message about earlier ones their references.
fn refers_as_needed(
    c: &Children<'_, '_>,
    scope: Option<Scope>,
    msg_type: Option<MsgType>,
    (restriction, addresses): (Option<&str>, Option<&str>),
    problems: &mut Problems,
) {
    match scope {
        Some(Scope::Restricted) => {
            let why = "a Restricted scope says who may see the alert";
            needed(c, "restriction", restriction, why, problems);
        }
        Some(Scope::Private) => {
            let why = "a Private scope names its recipients";
            needed(c, "addresses", addresses, why, problems);
        }
        _ => {}
    }
    if let Some(kind) = msg_type.and_then(answering) {
        let why = format!("{kind} names the earlier messages it concerns");
        // Its own check refuses an empty one.
        needed(c, "references", None, &why, problems);
    }
}

/// A message type that refers to earlier messages, with its article.
fn answering(kind: MsgType) -> Option<&'static str> {
    match kind {
        MsgType::Alert => None,
        MsgType::Update => Some("an Update"),
        MsgType::Cancel => Some("a Cancel"),
        MsgType::Ack => Some("an Ack"),
        MsgType::Error => Some("an Error"),
    }
}

/// A rule of one element on another: `name` must be there, and its `text` (when given) not
/// empty.
fn needed(
    c: &Children<'_, '_>,
    name: &str,
    text: Option<&str>,
    why: &str,
    problems: &mut Problems,
) {
    if c.all(name).is_empty() {
        problems.push(c.parent(), format!("missing <{name}>: {why}"));
    } else if text == Some("") {
        problems.push(c.path(name, 0), format!("empty: {why}"));
    }
}

/// What the alert has used of its limits on `<area>` and `<geocode>` elements.
#[derive(Debug, Default)]
struct Budget {
    areas: usize,
    geocodes: usize,
}

impl Budget {
    /// Counts one more `<area>`; `false` (reported once) past [`MAX_AREAS`].
    fn area(&mut self, path: &str, problems: &mut Problems) -> bool {
        self.areas += 1;
        over(self.areas, MAX_AREAS, "area", path, problems)
    }

    /// Counts one more `<geocode>`; `false` (reported once) past [`MAX_GEOCODES`].
    fn geocode(&mut self, path: &str, problems: &mut Problems) -> bool {
        self.geocodes += 1;
        over(self.geocodes, MAX_GEOCODES, "geocode", path, problems)
    }
}

fn over(count: usize, max: usize, name: &str, path: &str, problems: &mut Problems) -> bool {
    if count == max + 1 {
        problems.push(
            path,
            format!("more than {max} <{name}> in one alert: this gateway reads at most {max}"),
        );
    }
    count <= max
}
