//! Where a webhook may point: an `http` or `https` URL with a host, no user name or password
//! (a secret in a URL ends up in logs and lists), no fragment, at most [`MAX_URL`] characters.
//! A query string is allowed: some receivers take their own token there.

use reqwest::Url;

/// The longest URL taken.
pub const MAX_URL: usize = 2000;

/// Why a URL cannot be a webhook's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Longer than [`MAX_URL`].
    #[error("longer than {MAX_URL} characters")]
    TooLong,
    /// Not a URL at all.
    #[error("not a URL like https://example.org/hooks/buurtbel")]
    NotUrl,
    /// Another scheme.
    #[error("must be http or https, not `{0}`")]
    Scheme(String),
    /// A user name or password.
    #[error("must not carry a user name or password; put a token in the path or query")]
    Userinfo,
    /// A `#fragment`, which is never sent.
    #[error("must not have a #fragment")]
    Fragment,
}

/// The URL, checked.
pub fn check_url(text: &str) -> Result<Url, UrlProblem> {
    let text = text.trim();
    if text.chars().count() > MAX_URL {
        return Err(UrlProblem::TooLong);
    }
    let url = Url::parse(text).map_err(|_| UrlProblem::NotUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlProblem::Scheme(url.scheme().to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlProblem::NotUrl);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Userinfo);
    }
    if url.fragment().is_some() {
        return Err(UrlProblem::Fragment);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_with_a_host_are_taken() {
        let url = check_url(" https://hooks.example.org/buurtbel?key=abc ").expect("ok");
        assert_eq!(url.as_str(), "https://hooks.example.org/buurtbel?key=abc");
        assert!(check_url("http://127.0.0.1:8081/hook").is_ok());
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL));
        let cases = [
            (long.as_str(), UrlProblem::TooLong),
            ("hooks.example.org/x", UrlProblem::NotUrl),
            ("", UrlProblem::NotUrl),
            ("ftp://example.org/x", UrlProblem::Scheme("ftp".into())),
            ("file:///etc/passwd", UrlProblem::Scheme("file".into())),
            ("https://user:pw@example.org/x", UrlProblem::Userinfo),
            ("https://user@example.org/x", UrlProblem::Userinfo),
            ("https://example.org/x#top", UrlProblem::Fragment),
        ];
        for (url, problem) in cases {
            assert_eq!(check_url(url), Err(problem), "{url}");
        }
    }
}
