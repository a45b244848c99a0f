//! Who does what on `buurtbel phones`: the demo's behaviours by name, a behaviours file that
//! gives them to numbers, the demo's mix dealt out to a network's members, and each
//! behaviour as a phone script that reacts to what it hears (an alert's length is not known
//! in advance, so a key "when asked" is pressed in the pause after the menu, not at a time).

use super::super::CliError;
use super::super::demo::neighbourhood::{self, Behaviour};
use crate::number::{NumberError, to_e164};
use crate::sim::{Cue, PhoneScript, PressMethod};
use crate::store::Member;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The behaviours a behaviours file may name, and what each is.
pub const NAMES: [(&str, Behaviour); 8] = [
    ("confirms", Behaviour::ConfirmsWhenAsked),
    ("too-early-then-confirms", Behaviour::TooEarlyThenConfirms),
    ("repeats-then-confirms", Behaviour::RepeatsThenConfirms),
    ("busy", Behaviour::Busy),
    ("never-answers", Behaviour::NeverAnswers),
    ("answering-machine", Behaviour::AnsweringMachine),
    ("ignores-menu", Behaviour::IgnoresMenu),
    ("out-of-service", Behaviour::OutOfService),
];

/// What is wrong with an entry of a behaviours file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptProblem {
    /// A behaviour by a name that is none of [`NAMES`].
    #[error("`{0}` is not a behaviour; one of {names}", names = behaviour_names())]
    UnknownBehaviour(String),
    /// A number that is not one.
    #[error(transparent)]
    Number(#[from] NumberError),
    /// A number that is none of the network's members'.
    #[error("{0} is not a number of any member of the network")]
    NotAMember(String),
}

/// Speech a person hears before cutting in with a key too early: within the intro.
const TOO_EARLY: Duration = Duration::from_secs(1);

/// One number's phone, as the report line names it.
#[derive(Debug, Clone)]
pub struct Phone {
    /// The member's name, when the number is one of a network's.
    pub member: Option<String>,
    /// What it does.
    pub behaviour: Behaviour,
}

/// What every number does: the listed ones, and the rest.
#[derive(Debug, Clone)]
pub struct Cast {
    /// By number (E.164).
    pub phones: HashMap<String, Phone>,
    /// Every other number.
    pub default: Behaviour,
}

impl Cast {
    /// Any number answers and confirms.
    pub fn everyone_confirms() -> Cast {
        Cast {
            phones: HashMap::new(),
            default: Behaviour::ConfirmsWhenAsked,
        }
    }

    /// The demo's mix dealt to `members` (in the order given), `seed` deciding who does what.
    /// A member whose landline is busy and whose mobile confirms gets that on their first and
    /// further numbers; every other member's numbers all do the same.
    pub fn deal(&mut self, members: &[Member], seed: u64) {
        let dealt = neighbourhood::neighbours(members.len(), seed);
        for (member, neighbour) in members.iter().zip(dealt) {
            for (i, point) in member.contact_points.iter().enumerate() {
                let behaviour = match neighbour.behaviour {
                    Behaviour::BusyMobileConfirms if i == 0 => Behaviour::Busy,
                    Behaviour::BusyMobileConfirms => Behaviour::ConfirmsWhenAsked,
                    other => other,
                };
                let phone = Phone {
                    member: Some(member.name.clone()),
                    behaviour,
                };
                self.phones.insert(point.number.clone(), phone);
            }
        }
    }

    /// Applies a behaviours file over what is dealt: its default and its numbers. With
    /// `members`, a number that is none of theirs is refused, as a likely typo.
    pub fn apply(&mut self, file: &Path, members: Option<&[Member]>) -> Result<(), CliError> {
        let text = std::fs::read_to_string(file).map_err(|source| CliError::Read {
            path: file.to_owned(),
            source,
        })?;
        let script: ScriptFile =
            toml::from_str(&text).map_err(|source| CliError::ScriptSyntax {
                path: file.to_owned(),
                source: Box::new(source),
            })?;
        let refused = |key: &str, problem| CliError::Script {
            path: file.to_owned(),
            key: key.to_owned(),
            problem,
        };
        if let Some(name) = &script.default {
            self.default = behaviour_named(name).map_err(|e| refused("default", e))?;
        }
        for (number, name) in &script.numbers {
            let key = format!("numbers.\"{number}\"");
            let behaviour = behaviour_named(name).map_err(|e| refused(&key, e))?;
            let number = to_e164(number).map_err(|e| refused(&key, ScriptProblem::from(e)))?;
            let member = members.map(|members| member_of(members, &number));
            if let Some(None) = member {
                return Err(refused(&key, ScriptProblem::NotAMember(number)));
            }
            let member = member.flatten().or_else(|| {
                self.phones
                    .get(&number)
                    .and_then(|phone| phone.member.clone())
            });
            self.phones.insert(number, Phone { member, behaviour });
        }
        Ok(())
    }

    /// Each listed number's script, and the script of every other number.
    pub fn scripts(
        &self,
        voices: &Voices,
        menu_pause: Duration,
    ) -> (HashMap<String, PhoneScript>, PhoneScript) {
        let mut numbers: Vec<&String> = self.phones.keys().collect();
        numbers.sort();
        let scripts = numbers
            .into_iter()
            .enumerate()
            .map(|(i, number)| {
                let behaviour = self.phones[number].behaviour;
                (number.clone(), script(behaviour, i, voices, menu_pause))
            })
            .collect();
        (scripts, script(self.default, 0, voices, menu_pause))
    }

    /// The phone of `number`, as far as it is known.
    pub fn phone(&self, number: &str) -> Phone {
        self.phones.get(number).cloned().unwrap_or(Phone {
            member: None,
            behaviour: self.default,
        })
    }
}

/// What the phones say.
pub struct Voices {
    /// A person answering: "Hallo?".
    pub hello: Arc<Vec<i16>>,
    /// An answering machine's greeting (the beep is added).
    pub greeting: Arc<Vec<i16>>,
}

/// A behaviours file: `default = "confirms"` and a `[numbers]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    default: Option<String>,
    #[serde(default)]
    numbers: BTreeMap<String, String>,
}

/// The behaviour a file names, or what the names are.
pub fn behaviour_named(name: &str) -> Result<Behaviour, ScriptProblem> {
    NAMES
        .iter()
        .find(|(known, _)| *known == name.trim())
        .map(|(_, behaviour)| *behaviour)
        .ok_or_else(|| ScriptProblem::UnknownBehaviour(name.to_owned()))
}

/// The names of [`NAMES`], for the error that lists them.
fn behaviour_names() -> String {
    let names: Vec<&str> = NAMES.iter().map(|(known, _)| *known).collect();
    names.join(", ")
}

fn member_of(members: &[Member], number: &str) -> Option<String> {
    members
        .iter()
        .find(|m| m.contact_points.iter().any(|p| p.number == number))
        .map(|m| m.name.clone())
}

/// The script of the `i`-th phone: a person presses a key in the first silence of
/// `menu_pause` after speech, which is the wait after the menu.
fn script(behaviour: Behaviour, i: usize, voices: &Voices, menu_pause: Duration) -> PhoneScript {
    let ring = Duration::from_millis(500 + (i as u64 * 370) % 1_500);
    // Keys travel every way a real line sends them.
    let method = [PressMethod::Rfc4733, PressMethod::Inband, PressMethod::Info][i % 3];
    let person = PhoneScript::answer_after(ring).say(Arc::clone(&voices.hello));
    let asked = Cue::Pause(menu_pause);
    match behaviour {
        Behaviour::ConfirmsWhenAsked | Behaviour::BusyMobileConfirms => {
            person.press_on(asked, '1', method)
        }
        Behaviour::TooEarlyThenConfirms => person
            .press_on(Cue::Speech(TOO_EARLY), '1', method)
            .press_on(asked, '1', method),
        Behaviour::RepeatsThenConfirms => person
            .press_on(asked, '2', method)
            .press_on(asked, '1', method),
        Behaviour::Busy => PhoneScript::refuse(486, Duration::from_millis(700)),
        // The texting behaviours' phones: what their calls meet (their texts and replies
        // are the SMS centre's part, which `phones` does not play), and a member who calls
        // back later (the call back is the demo's part).
        Behaviour::NeverAnswers
        | Behaviour::NeverAnswersNoReply
        | Behaviour::DeafRepliesToText
        | Behaviour::MissesThenCallsBack => PhoneScript::never_answer(),
        Behaviour::AnsweringMachine | Behaviour::MachineThenRepliesOk => PhoneScript {
            ring,
            ..PhoneScript::machine(Arc::clone(&voices.greeting), true)
        },
        Behaviour::IgnoresMenu => person,
        Behaviour::OutOfService => PhoneScript::refuse(404, Duration::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast_from(text: &str, members: Option<&[Member]>) -> Result<Cast, CliError> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("behaviours.toml");
        std::fs::write(&file, text).unwrap();
        let mut cast = Cast::everyone_confirms();
        cast.apply(&file, members)?;
        Ok(cast)
    }

    #[test]
    fn the_example_file_names_behaviours_of_numbers() {
        let text = include_str!("../../../config/behaviours.example.toml");
        let cast = cast_from(text, None).unwrap();
        assert!(!cast.phones.is_empty());
        assert!(cast.phones.values().any(|p| p.behaviour == Behaviour::Busy));
    }

    #[test]
    fn unknown_behaviours_and_numbers_are_refused_with_what_is_valid() {
        let err = cast_from("default = \"rings\"\n", None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`rings`") && text.contains("never-answers"),
            "{text}"
        );
        let err = cast_from("[numbers]\n\"050 00 00 01\" = \"busy\"\n", Some(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("+3250000001") && err.contains("not a number of any member"),
            "{err}"
        );
        let err = cast_from("[numbers]\n\"bel me\" = \"busy\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bel me"), "{err}");
        let err = cast_from("defualt = \"busy\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("defualt"), "{err}");
        let cast = cast_from("[numbers]\n\"050 00 00 01\" = \"busy\"\n", None).unwrap();
        assert_eq!(cast.phone("+3250000001").behaviour, Behaviour::Busy);
        assert_eq!(
            cast.phone("+3250000002").behaviour,
            Behaviour::ConfirmsWhenAsked
        );
    }
}
