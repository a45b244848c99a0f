//! The schema's sequences: which children each CAP element has, in which order, how many.
//! [`children`] sorts an element's children into its [`Slot`]s and reports what the schema
//! forbids (unknown, foreign, misplaced, repeated or missing elements, stray text); the
//! leaf elements' text is read with [`Children::text`].

use roxmltree::Node;

use super::{NAMESPACE, Problems};

/// The XML Signature namespace: a signed alert carries `<Signature>` after its last `<info>`.
pub const XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The XML Encryption namespace, allowed where a signature is.
pub const XMLENC: &str = "http://www.w3.org/2001/04/xmlenc#";

/// At most this many `<info>` elements in one alert (the schema sets no limit; this gateway
/// does, against hostile input).
pub const MAX_INFOS: usize = 64;

/// One element of a schema sequence.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
}

const fn one(name: &'static str) -> Slot {
    Slot {
        name,
        min: 1,
        max: 1,
    }
}

const fn optional(name: &'static str) -> Slot {
    Slot {
        name,
        min: 0,
        max: 1,
    }
}

const fn any(name: &'static str) -> Slot {
    Slot {
        name,
        min: 0,
        max: usize::MAX,
    }
}

const fn some(name: &'static str) -> Slot {
    Slot {
        name,
        min: 1,
        max: usize::MAX,
    }
}

/// `<alert>` (the signature after these is allowed by [`children`]'s `signed`).
pub(super) const ALERT: &[Slot] = &[
    one("identifier"),
    one("sender"),
    one("sent"),
    one("status"),
    one("msgType"),
    optional("source"),
    one("scope"),
    optional("restriction"),
    optional("addresses"),
    any("code"),
    optional("note"),
    optional("references"),
    optional("incidents"),
    Slot {
        name: "info",
        min: 0,
        max: MAX_INFOS,
    },
];

/// `<info>`.
pub(super) const INFO: &[Slot] = &[
    optional("language"),
    some("category"),
    one("event"),
    any("responseType"),
    one("urgency"),
    one("severity"),
    one("certainty"),
    optional("audience"),
    any("eventCode"),
    optional("effective"),
    optional("onset"),
    optional("expires"),
    optional("senderName"),
    optional("headline"),
    optional("description"),
    optional("instruction"),
    optional("web"),
    optional("contact"),
    any("parameter"),
    any("resource"),
    any("area"),
];

/// `<resource>`.
pub(super) const RESOURCE: &[Slot] = &[
    one("resourceDesc"),
    one("mimeType"),
    optional("size"),
    optional("uri"),
    optional("derefUri"),
    optional("digest"),
];

/// `<area>`.
pub(super) const AREA: &[Slot] = &[
    one("areaDesc"),
    any("polygon"),
    any("circle"),
    any("geocode"),
    optional("altitude"),
    optional("ceiling"),
];

/// `<eventCode>`, `<parameter>` and `<geocode>`.
pub(super) const VALUE_PAIR: &[Slot] = &[one("valueName"), one("value")];

/// An element's children sorted into its sequence's slots.
pub(super) struct Children<'a, 'input> {
    path: String,
    slots: &'static [Slot],
    found: Vec<Vec<Node<'a, 'input>>>,
}

/// Sorts `parent`'s children (at `path`) into `slots`, pushing what breaks the sequence.
/// `signed`: XML Signature and Encryption elements may follow the sequence (and are skipped).
pub(super) fn children<'a, 'input>(
    parent: Node<'a, 'input>,
    path: &str,
    slots: &'static [Slot],
    signed: bool,
    problems: &mut Problems,
) -> Children<'a, 'input> {
    let mut found: Vec<Vec<Node<'a, 'input>>> = vec![Vec::new(); slots.len()];
    let mut reached = 0;
    let mut after_signature = false;
    for child in parent.children() {
        if child.is_text() {
            if !child.text().unwrap_or_default().trim().is_empty() {
                problems.push(
                    path,
                    "text between elements: CAP puts text only in leaf elements",
                );
            }
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let tag = child.tag_name();
        let name = tag.name();
        if tag.namespace() != Some(NAMESPACE) {
            if signed && matches!(tag.namespace(), Some(XMLDSIG | XMLENC)) {
                after_signature = true;
            } else {
                problems.push(format!("{path}/{name}"), foreign(name, tag.namespace()));
            }
            continue;
        }
        let Some((at, slot)) = slots.iter().enumerate().find(|(_, s)| s.name == name) else {
            let parent = last_step(path);
            let reason = format!("<{name}> is not an element of <{parent}> in CAP 1.2");
            problems.push(format!("{path}/{name}"), reason);
            continue;
        };
        let list = found.get_mut(at);
        let count = list.as_ref().map_or(0, |list| list.len());
        let here = if slot.max > 1 {
            format!("{path}/{name}[{}]", count + 1)
        } else {
            format!("{path}/{name}")
        };
        if after_signature {
            problems.push(
                here,
                format!("<{name}> after the signature: the signature comes last"),
            );
            continue;
        }
        if let Some(later) = slots.get(reached).filter(|_| at < reached) {
            let reason = format!(
                "<{name}> is out of order: CAP 1.2 puts it before <{}>",
                later.name
            );
            problems.push(here.clone(), reason);
        }
        reached = reached.max(at);
        if count >= slot.max {
            problems.push(here, too_many(*slot));
            continue;
        }
        if let Some(list) = list {
            list.push(child);
        }
    }
    for (slot, list) in slots.iter().zip(&found) {
        if list.len() < slot.min {
            problems.push(path, format!("missing <{}>", slot.name));
        }
    }
    Children {
        path: path.to_owned(),
        slots,
        found,
    }
}

impl<'a, 'input> Children<'a, 'input> {
    /// The elements named `name` (a name of the sequence), in order.
    pub fn all(&self, name: &str) -> &[Node<'a, 'input>] {
        match self.slots.iter().position(|s| s.name == name) {
            Some(at) => self.found.get(at).map_or(&[], Vec::as_slice),
            None => &[],
        }
    }

    /// The parent's path, e.g. `alert/info[1]`.
    pub fn parent(&self) -> &str {
        &self.path
    }

    /// The path of the `index`th (0-based) element named `name`: `alert/info[2]` for a
    /// repeating element, `alert/sent` for one that may appear once.
    pub fn path(&self, name: &str, index: usize) -> String {
        let repeats = self.slots.iter().any(|s| s.name == name && s.max > 1);
        if repeats {
            format!("{}/{name}[{}]", self.path, index + 1)
        } else {
            format!("{}/{name}", self.path)
        }
    }

    /// The trimmed text of the element `name` that appears at most once, `None` when it is
    /// absent or not plain text.
    pub fn text(&self, name: &str, problems: &mut Problems) -> Option<String> {
        let node = self.all(name).first()?;
        text(*node, &self.path(name, 0), problems)
    }

    /// Each element `name` with its path and trimmed text (`None` when not plain text).
    pub fn texts(&self, name: &str, problems: &mut Problems) -> Vec<(String, Option<String>)> {
        let nodes = self.all(name);
        let mut texts = Vec::with_capacity(nodes.len());
        for (index, node) in nodes.iter().enumerate() {
            let path = self.path(name, index);
            let text = text(*node, &path, problems);
            texts.push((path, text));
        }
        texts
    }
}

/// A leaf element's text, trimmed: it may hold text (and comments) only, no attributes of
/// its own.
pub(super) fn text(node: Node<'_, '_>, path: &str, problems: &mut Problems) -> Option<String> {
    no_attributes(node, path, problems);
    if let Some(inner) = node.children().find(|c| c.is_element()) {
        problems.push(
            path,
            format!(
                "<{}> holds text only, not the element <{}>",
                node.tag_name().name(),
                inner.tag_name().name()
            ),
        );
        return None;
    }
    let mut text = String::new();
    for part in node
        .children()
        .filter(Node::is_text)
        .filter_map(|c| c.text())
    {
        text.push_str(part);
    }
    Some(text.trim().to_owned())
}

/// CAP elements have no attributes (those of other namespaces, as `xsi:`, are let be).
pub(super) fn no_attributes(node: Node<'_, '_>, path: &str, problems: &mut Problems) {
    if let Some(attribute) = node.attributes().find(|a| a.namespace().is_none()) {
        problems.push(
            path,
            format!(
                "<{}> takes no attributes; found `{}`",
                node.tag_name().name(),
                attribute.name()
            ),
        );
    }
}

fn foreign(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(namespace) => {
            format!("<{name}> is in the namespace {namespace}, not CAP 1.2 ({NAMESPACE})")
        }
        None => format!("<{name}> has no namespace; CAP 1.2 elements are in {NAMESPACE}"),
    }
}

fn too_many(slot: Slot) -> String {
    if slot.max == 1 {
        format!("more than one <{}>: CAP 1.2 allows one", slot.name)
    } else {
        format!(
            "more than {} <{}>: this gateway reads at most {}",
            slot.max, slot.name, slot.max
        )
    }
}

/// The last step of a path without its index: `info` for `alert/info[2]`.
fn last_step(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}
