//! The four languages a BIN speaks.

use std::fmt;
use std::str::FromStr;

/// A language of a member, a message or a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Dutch (Flemish listeners).
    Nl,
    /// French (Belgian listeners: septante, nonante).
    Fr,
    /// German (the German-speaking Community).
    De,
    /// English.
    En,
}

impl Language {
    /// Every language, in the order the country lists them.
    pub const ALL: [Language; 4] = [Language::Nl, Language::Fr, Language::De, Language::En];

    /// The ISO 639-1 code: `nl`, `fr`, `de`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::Fr => "fr",
            Language::De => "de",
            Language::En => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is not nl, fr, de or en.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}` (nl, fr, de or en)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Accepts the code in any case, with or without a region (`nl-BE`, `fr_be`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let base = s.split(['-', '_']).next().unwrap_or("");
        match base.to_ascii_lowercase().as_str() {
            "nl" => Ok(Language::Nl),
            "fr" => Ok(Language::Fr),
            "de" => Ok(Language::De),
            "en" => Ok(Language::En),
            _ => Err(UnknownLanguage(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_regions_are_accepted() {
        for lang in Language::ALL {
            assert_eq!(lang.code().parse::<Language>(), Ok(lang));
        }
        assert_eq!("fr-BE".parse::<Language>(), Ok(Language::Fr));
        assert_eq!("NL_be".parse::<Language>(), Ok(Language::Nl));
        assert!("xx".parse::<Language>().is_err());
        assert!("".parse::<Language>().is_err());
    }
}
