//! The bytes as an XML document: UTF-8, well-formed, no DTD, bounded in nodes and depth, with
//! a CAP 1.2 `<alert>` at its root. Problems here are reported on `document` (or `alert` for
//! a root in another namespace) and stop the reading: nothing further would mean anything.

use roxmltree::{Document, Error, Node, ParsingOptions};

use super::{CapAlert, NAMESPACE, Problems, parse};

/// Elements may nest this deep (`alert` is 1); CAP itself needs 5, a signature a few more.
pub const MAX_DEPTH: usize = 16;

/// XML nodes (elements, texts, comments) in one document: room for the largest alert this
/// gateway reads (10 000 geocodes) with its white space.
pub const MAX_NODES: u32 = 250_000;

const CAP_1_1: &str = "urn:oasis:names:tc:emergency:cap:1.1";
const CAP_1_0: &str = "http://www.incident.com/cap/1.0";

/// The alert the bytes hold, or `None` with the problems pushed.
pub(super) fn read(xml: &[u8], problems: &mut Problems) -> Option<CapAlert> {
    let Ok(text) = std::str::from_utf8(xml) else {
        problems.push("document", "not UTF-8 text; CAP documents are XML in UTF-8");
        return None;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        problems.push("document", "empty: expected a CAP 1.2 <alert> document");
        return None;
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let document = match Document::parse_with_options(text, options) {
        Ok(document) => document,
        Err(e) => {
            problems.push("document", unreadable(&e));
            return None;
        }
    };
    let root = document.root_element();
    if let Err(reason) = depth(root) {
        problems.push("document", reason);
        return None;
    }
    if let Err(reason) = root_alert(root) {
        let element = if root.tag_name().name() == "alert" {
            "alert"
        } else {
            "document"
        };
        problems.push(element, reason);
        return None;
    }
    parse::alert(root, problems)
}

fn unreadable(e: &Error) -> String {
    match e {
        Error::DtdDetected => {
            "a DOCTYPE (DTD) is not accepted: CAP documents have none, and a DTD could \
             define entities"
                .to_owned()
        }
        Error::NodesLimitReached => {
            format!("more than {MAX_NODES} XML nodes: too large for one alert")
        }
        e => format!("not well-formed XML: {e}"),
    }
}

/// Refuses elements nested deeper than [`MAX_DEPTH`], walking without recursion.
fn depth(root: Node<'_, '_>) -> Result<(), String> {
    let mut open = vec![(root, 1usize)];
    while let Some((node, depth)) = open.pop() {
        if depth > MAX_DEPTH {
            return Err(format!(
                "elements nested deeper than {MAX_DEPTH} levels; CAP needs 5"
            ));
        }
        open.extend(
            node.children()
                .filter(Node::is_element)
                .map(|c| (c, depth + 1)),
        );
    }
    Ok(())
}

fn root_alert(root: Node<'_, '_>) -> Result<(), String> {
    let name = root.tag_name().name();
    let namespace = root.tag_name().namespace();
    if name != "alert" {
        return Err(format!(
            "the root element is <{name}>, not a CAP <alert> in {NAMESPACE}"
        ));
    }
    match namespace {
        Some(NAMESPACE) => Ok(()),
        Some(CAP_1_1) => Err(format!(
            "<alert> is in {CAP_1_1}, CAP 1.1; this gateway reads CAP 1.2 ({NAMESPACE})"
        )),
        Some(CAP_1_0) => Err(format!(
            "<alert> is in {CAP_1_0}, CAP 1.0; this gateway reads CAP 1.2 ({NAMESPACE})"
        )),
        Some(other) => Err(format!(
            "<alert> is in the namespace {other}, not CAP 1.2 ({NAMESPACE})"
        )),
        None => Err(format!(
            "<alert> has no namespace: CAP 1.2 writes <alert xmlns=\"{NAMESPACE}\">"
        )),
    }
}
