//! The demo's neighbourhood: members with plainly fictional names and numbers, each with a
//! behaviour that tells one part of the story, played by simulated phones on loopback.

use crate::sim::{PhoneScript, PressMethod};
use crate::store::{Channel, ContactKind, ContactPoint, MemberStatus, NewMember};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What a member's phone does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers, says "hallo?", listens to the message and presses 1 when asked.
    ConfirmsWhenAsked,
    /// Presses 1 during the intro, hears "listen to the message first", then presses 1 when
    /// asked.
    TooEarlyThenConfirms,
    /// Presses 2 to hear it again, then 1.
    RepeatsThenConfirms,
    /// The landline is busy every time.
    Busy,
    /// The landline is busy; the mobile answers and confirms.
    BusyMobileConfirms,
    /// Rings until the trunk gives up.
    NeverAnswers,
    /// An answering machine with a beep.
    AnsweringMachine,
    /// Answers and listens, presses nothing.
    IgnoresMenu,
    /// The number is out of service (404).
    OutOfService,
}

impl Behaviour {
    /// As shown in the table.
    pub fn label(self) -> &'static str {
        match self {
            Behaviour::ConfirmsWhenAsked => "presses 1 when asked",
            Behaviour::TooEarlyThenConfirms => "presses 1 too soon, then when asked",
            Behaviour::RepeatsThenConfirms => "presses 2, then 1",
            Behaviour::Busy => "busy",
            Behaviour::BusyMobileConfirms => "landline busy, mobile presses 1",
            Behaviour::NeverAnswers => "never answers",
            Behaviour::AnsweringMachine => "answering machine",
            Behaviour::IgnoresMenu => "listens, presses nothing",
            Behaviour::OutOfService => "number out of service",
        }
    }

    /// The final delivery state the story expects.
    pub fn expected(self) -> &'static str {
        match self {
            Behaviour::ConfirmsWhenAsked
            | Behaviour::TooEarlyThenConfirms
            | Behaviour::RepeatsThenConfirms
            | Behaviour::BusyMobileConfirms => "acknowledged",
            Behaviour::Busy => "busy",
            Behaviour::NeverAnswers => "no_answer",
            Behaviour::AnsweringMachine => "voicemail",
            Behaviour::IgnoresMenu => "answered_no_ack",
            Behaviour::OutOfService => "failed",
        }
    }
}

/// Of every 20 members: how many behave how (the rest press 1 when asked).
const MIX: [(Behaviour, usize); 8] = [
    (Behaviour::TooEarlyThenConfirms, 1),
    (Behaviour::RepeatsThenConfirms, 3),
    (Behaviour::Busy, 1),
    (Behaviour::BusyMobileConfirms, 1),
    (Behaviour::NeverAnswers, 2),
    (Behaviour::AnsweringMachine, 2),
    (Behaviour::IgnoresMenu, 2),
    (Behaviour::OutOfService, 1),
];

/// One member of the demo.
#[derive(Debug, Clone)]
pub struct Neighbour {
    /// "Buur 07".
    pub name: String,
    /// Their numbers, landline first.
    pub numbers: Vec<String>,
    /// What their phone does.
    pub behaviour: Behaviour,
}

/// `count` neighbours; `seed` decides who behaves how. From 9 members on, every behaviour
/// is there at least once.
pub fn neighbours(count: usize, seed: u64) -> Vec<Neighbour> {
    let mut behaviours = Vec::with_capacity(count);
    for (behaviour, per_twenty) in MIX {
        let share = (count * per_twenty) / 20;
        let least = usize::from(count > MIX.len());
        behaviours.extend(std::iter::repeat_n(behaviour, share.max(least)));
    }
    behaviours.truncate(count);
    behaviours.resize(count, Behaviour::ConfirmsWhenAsked);
    behaviours.shuffle(&mut StdRng::seed_from_u64(seed));
    behaviours
        .into_iter()
        .enumerate()
        .map(|(i, behaviour)| {
            let n = i + 1;
            let mut numbers = vec![format!("+3250{n:06}")];
            if behaviour == Behaviour::BusyMobileConfirms {
                numbers.push(format!("+32470{n:06}"));
            }
            Neighbour {
                name: format!("Buur {n:02}"),
                numbers,
                behaviour,
            }
        })
        .collect()
}

/// The member as the store imports them.
pub fn new_member(neighbour: &Neighbour) -> NewMember {
    let contact_points = neighbour
        .numbers
        .iter()
        .enumerate()
        .map(|(i, number)| ContactPoint {
            kind: if i == 0 {
                ContactKind::Landline
            } else {
                ContactKind::Mobile
            },
            number: number.clone(),
        })
        .collect();
    NewMember {
        external_id: None,
        name: neighbour.name.clone(),
        language: "nl".into(),
        contact_points,
        channel: Channel::Voice,
        quiet_hours: None,
        speech_rate: 1.0,
        status: MemberStatus::Active,
        consent_at: None,
    }
}

/// What the simulated phones say, and how long the parts of the program they hear last.
pub struct Voices {
    /// A person answering: "Hallo?".
    pub hello: Arc<Vec<i16>>,
    /// An answering machine's greeting (the beep is added).
    pub greeting: Arc<Vec<i16>>,
    /// The drill notice and the intro.
    pub intro: Duration,
    /// The message.
    pub message: Duration,
    /// "Listen to the message first".
    pub listen_first: Duration,
}

/// From the answer to the start of the intro: the gateway listens until "hallo?" is followed
/// by silence, about two seconds; a little more, so a key meant for the menu never lands
/// before the message ends.
const LISTENING: Duration = Duration::from_millis(2_600);

impl Voices {
    /// From the answer to the end of the first hearing of the message, with `interruptions`
    /// (the "listen first" prompt) played in between.
    fn message_heard(&self, interruptions: u32) -> Duration {
        LISTENING + self.intro + self.message + self.listen_first * interruptions
    }
}

/// Every number's script.
pub fn scripts(neighbours: &[Neighbour], voices: &Voices) -> HashMap<String, PhoneScript> {
    let mut scripts = HashMap::new();
    for (i, neighbour) in neighbours.iter().enumerate() {
        let ring = Duration::from_millis(500 + (i as u64 * 370) % 1_500);
        // Keys travel every way a real line sends them.
        let method = [PressMethod::Rfc4733, PressMethod::Inband, PressMethod::Info][i % 3];
        let person = PhoneScript::answer_after(ring).say(Arc::clone(&voices.hello));
        // A key for the menu: a second or so after the message, while the menu plays.
        let asked = |interruptions| {
            voices.message_heard(interruptions) + Duration::from_millis(800 + (i as u64 % 4) * 150)
        };
        let landline = match neighbour.behaviour {
            Behaviour::ConfirmsWhenAsked => person.press(asked(0), '1', method),
            Behaviour::TooEarlyThenConfirms => person
                .press(LISTENING + Duration::from_millis(700), '1', method)
                .press(asked(1), '1', method),
            Behaviour::RepeatsThenConfirms => person.press(asked(0), '2', method).press(
                asked(0) + voices.message + Duration::from_millis(800),
                '1',
                method,
            ),
            Behaviour::Busy | Behaviour::BusyMobileConfirms => {
                PhoneScript::refuse(486, Duration::from_millis(700))
            }
            Behaviour::NeverAnswers => PhoneScript::never_answer(),
            Behaviour::AnsweringMachine => PhoneScript {
                ring,
                ..PhoneScript::machine(Arc::clone(&voices.greeting), true)
            },
            Behaviour::IgnoresMenu => person,
            Behaviour::OutOfService => PhoneScript::refuse(404, Duration::ZERO),
        };
        scripts.insert(neighbour.numbers[0].clone(), landline);
        if let Some(mobile) = neighbour.numbers.get(1) {
            let answers = PhoneScript::answer_after(ring)
                .say(Arc::clone(&voices.hello))
                .press(asked(0), '1', PressMethod::Rfc4733);
            scripts.insert(mobile.clone(), answers);
        }
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_behaviour_is_there_and_the_seed_decides_who() {
        let fifty = neighbours(50, 1);
        assert_eq!(fifty.len(), 50);
        for (behaviour, _) in MIX {
            assert!(
                fifty.iter().any(|n| n.behaviour == behaviour),
                "{behaviour:?}"
            );
        }
        let confirm = fifty
            .iter()
            .filter(|n| n.behaviour == Behaviour::ConfirmsWhenAsked)
            .count();
        assert_eq!(confirm, 50 - 2 - 7 - 2 - 2 - 5 - 5 - 5 - 2);
        let again = neighbours(50, 1);
        let other = neighbours(50, 2);
        let order = |v: &[Neighbour]| v.iter().map(|n| n.behaviour).collect::<Vec<_>>();
        assert_eq!(order(&fifty), order(&again));
        assert_ne!(order(&fifty), order(&other));
        assert_eq!(neighbours(3, 1).len(), 3);
        let nine = neighbours(9, 9);
        for (behaviour, _) in MIX {
            assert!(
                nine.iter().any(|n| n.behaviour == behaviour),
                "{behaviour:?}"
            );
        }
    }
}
