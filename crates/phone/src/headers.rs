//! Header lines in the order they came, compact names expanded (RFC 3261 §7.3.3), names
//! compared without regard to case.

use crate::address::split_list;

/// The header lines of a message, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Appends a line; a compact name (`v`, `f`, `t`, `i`…) is written out in full.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((full_name(name).to_owned(), value.into()));
    }

    /// Replaces every line of this name by one.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.push(name, value);
    }

    /// Removes every line of this name.
    pub fn remove(&mut self, name: &str) {
        let name = full_name(name);
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first line's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    /// Every line's value, in order, not split at commas.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = full_name(name).to_owned();
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.as_str())
    }

    /// Every element of a list header (`Via`, `Contact`, `Allow`…) across its lines: split
    /// at commas outside quotes and angle brackets, trimmed, empty ones dropped.
    pub fn values<'a>(&'a self, name: &str) -> Vec<&'a str> {
        self.all(name)
            .flat_map(split_list)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The lines in order: (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The value of the last line, for folding a continuation onto it.
    pub(crate) fn last_value_mut(&mut self) -> Option<&mut String> {
        self.0.last_mut().map(|(_, v)| v)
    }
}

/// The full name of a compact form (RFC 3261 §7.3.3, RFC 3265, 3515, 3892, 4028, 3841,
/// 4474); any other name as given.
fn full_name(name: &str) -> &str {
    let [letter] = name.as_bytes() else {
        return name;
    };
    match letter.to_ascii_lowercase() {
        b'a' => "Accept-Contact",
        b'b' => "Referred-By",
        b'c' => "Content-Type",
        b'd' => "Request-Disposition",
        b'e' => "Content-Encoding",
        b'f' => "From",
        b'i' => "Call-ID",
        b'j' => "Reject-Contact",
        b'k' => "Supported",
        b'l' => "Content-Length",
        b'm' => "Contact",
        b'n' => "Identity-Info",
        b'o' => "Event",
        b'r' => "Refer-To",
        b's' => "Subject",
        b't' => "To",
        b'u' => "Allow-Events",
        b'v' => "Via",
        b'x' => "Session-Expires",
        b'y' => "Identity",
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_full_names_are_one_header() {
        let mut headers = Headers::default();
        headers.push("v", "SIP/2.0/UDP a;branch=z9hG4bK1");
        headers.push(
            "VIA",
            "SIP/2.0/UDP b;branch=z9hG4bK2, SIP/2.0/UDP c;branch=z9hG4bK3",
        );
        headers.push("i", "call-1");
        headers.push("Allow-Events", "x");
        assert_eq!(headers.values("via").len(), 3);
        assert_eq!(headers.get("Call-Id"), Some("call-1"));
        assert_eq!(headers.get("u"), Some("x"));
        let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Via", "VIA", "Call-ID", "Allow-Events"]);
        headers.remove("call-id");
        assert_eq!(headers.get("i"), None);
    }
}
