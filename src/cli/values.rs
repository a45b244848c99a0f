//! Flags whose value is one of a few words (`--kind urgent`, `--lang nl`): read with the
//! type's own `FromStr`, so what it accepts the flag accepts (`--lang nl-BE`), and refused
//! with clap's own message listing every value, which `--help` lists too. The words come from
//! the type itself, so a value added to it is listed without touching the command line.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::ffi::OsStr;
use std::marker::PhantomData;
use std::str::FromStr;

/// Parses a flag's value as a `T`, one of `names`.
#[derive(Clone)]
pub struct OneOf<T> {
    names: PossibleValuesParser,
    parsed: PhantomData<fn() -> T>,
}

/// A parser for the values `all`, each written as `name` gives it.
pub fn one_of<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> OneOf<T> {
    OneOf {
        names: PossibleValuesParser::new(all.iter().map(|value| name(*value))),
        parsed: PhantomData,
    }
}

impl<T> TypedValueParser for OneOf<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        if let Some(parsed) = value.to_str().and_then(|text| text.parse().ok()) {
            return Ok(parsed);
        }
        // Not one of the names (those `T` reads): clap's refusal, which lists them.
        let named = self.names.parse_ref(cmd, arg, value)?;
        Err(clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!("`{named}` is listed but not understood\n"),
        ))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        self.names.possible_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Language;
    use crate::store::AlertKind;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Flags {
        #[arg(long, value_parser = one_of(AlertKind::ALL, AlertKind::as_str))]
        kind: Option<AlertKind>,
        #[arg(long, value_parser = one_of(&Language::ALL, Language::code))]
        lang: Option<Language>,
    }

    #[test]
    fn a_value_reads_as_its_type_reads_it() {
        let flags = Flags::try_parse_from(["t", "--kind", "feedback", "--lang", "fr-BE"]).unwrap();
        assert_eq!(flags.kind, Some(AlertKind::Feedback));
        assert_eq!(flags.lang, Some(Language::Fr));
    }

    #[test]
    fn a_refusal_lists_every_value() {
        let error = Flags::try_parse_from(["t", "--kind", "urgnet"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("invalid value 'urgnet' for '--kind <KIND>'"),
            "{error}"
        );
        assert!(
            error.contains("[possible values: urgent, prevention, feedback]"),
            "{error}"
        );
        let error = Flags::try_parse_from(["t", "--lang", "xx"])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("[possible values: nl, fr, de, en]"),
            "{error}"
        );
    }
}
