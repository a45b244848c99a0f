//! The demo's neighbourhood: members with plainly fictional names and numbers, each with a
//! behaviour that tells one part of the story, played by simulated phones on loopback.

use crate::sim::{DialIn, PhoneScript, PressMethod, ScriptedReply};
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
    /// Deaf, chose SMS: no calls, a text to the mobile, and a reply `1` a few seconds later.
    DeafRepliesToText,
    /// Calls then SMS: the answering machine takes the call, the text to the mobile gets a
    /// reply `ok`.
    MachineThenRepliesOk,
    /// Calls then SMS: the landline rings out and the mobile declines every round; the text
    /// after the last call gets no reply.
    NeverAnswersNoReply,
    /// Misses every call, then phones the network's number, hears the message and presses 1.
    MissesThenCallsBack,
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
            Behaviour::DeafRepliesToText => "deaf, chose SMS, replies 1",
            Behaviour::MachineThenRepliesOk => "answering machine, replies ok",
            Behaviour::NeverAnswersNoReply => "never answers, no reply",
            Behaviour::MissesThenCallsBack => "misses it, calls back, presses 1",
        }
    }

    /// The final delivery state the story expects.
    pub fn expected(self) -> &'static str {
        match self {
            Behaviour::ConfirmsWhenAsked
            | Behaviour::TooEarlyThenConfirms
            | Behaviour::RepeatsThenConfirms
            | Behaviour::BusyMobileConfirms
            | Behaviour::MissesThenCallsBack => "acknowledged",
            Behaviour::Busy => "busy",
            Behaviour::NeverAnswers => "no_answer",
            Behaviour::AnsweringMachine => "voicemail",
            Behaviour::IgnoresMenu => "answered_no_ack",
            Behaviour::OutOfService => "failed",
            Behaviour::DeafRepliesToText | Behaviour::MachineThenRepliesOk => "sms_acknowledged",
            Behaviour::NeverAnswersNoReply => "sms_sent",
        }
    }

    /// How the member chose to be reached.
    pub fn channel(self) -> Channel {
        match self {
            Behaviour::DeafRepliesToText => Channel::Sms,
            Behaviour::MachineThenRepliesOk | Behaviour::NeverAnswersNoReply => {
                Channel::VoiceThenSms
            }
            _ => Channel::Voice,
        }
    }

    /// What the member answers to a text, and how long after it arrived.
    fn reply(self) -> Option<(&'static str, Duration)> {
        match self {
            Behaviour::DeafRepliesToText => Some(("1", Duration::from_secs(3))),
            Behaviour::MachineThenRepliesOk => Some(("ok", Duration::from_secs(2))),
            _ => None,
        }
    }

    /// After the alert, the member phones the network's number back.
    pub fn calls_back(self) -> bool {
        self == Behaviour::MissesThenCallsBack
    }

    /// The member has a landline, called first.
    fn has_landline(self) -> bool {
        self != Behaviour::DeafRepliesToText
    }

    /// The member has a mobile: called after the landline, or texted.
    fn has_mobile(self) -> bool {
        matches!(
            self,
            Behaviour::BusyMobileConfirms
                | Behaviour::DeafRepliesToText
                | Behaviour::MachineThenRepliesOk
                | Behaviour::NeverAnswersNoReply
        )
    }
}

/// Of every 20 members: how many behave how (the rest press 1 when asked).
const MIX: [(Behaviour, usize); 12] = [
    (Behaviour::TooEarlyThenConfirms, 1),
    (Behaviour::RepeatsThenConfirms, 2),
    (Behaviour::Busy, 1),
    (Behaviour::BusyMobileConfirms, 1),
    (Behaviour::NeverAnswers, 1),
    (Behaviour::MissesThenCallsBack, 1),
    (Behaviour::AnsweringMachine, 2),
    (Behaviour::IgnoresMenu, 2),
    (Behaviour::OutOfService, 1),
    (Behaviour::DeafRepliesToText, 1),
    (Behaviour::MachineThenRepliesOk, 1),
    (Behaviour::NeverAnswersNoReply, 1),
];

/// One member of the demo.
#[derive(Debug, Clone)]
pub struct Neighbour {
    /// "Buur 07".
    pub name: String,
    /// Their numbers, landline first; a deaf member has only a mobile.
    pub contact_points: Vec<ContactPoint>,
    /// What their phone does.
    pub behaviour: Behaviour,
}

impl Neighbour {
    /// Their first number of this kind.
    pub fn number(&self, kind: ContactKind) -> Option<&str> {
        self.contact_points
            .iter()
            .find(|point| point.kind == kind)
            .map(|point| point.number.as_str())
    }
}

/// `count` neighbours; `seed` decides who behaves how. From 13 members on, every behaviour
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
            let landline = behaviour.has_landline().then(|| ContactPoint {
                kind: ContactKind::Landline,
                number: format!("+3250{n:06}"),
            });
            let mobile = behaviour.has_mobile().then(|| ContactPoint {
                kind: ContactKind::Mobile,
                number: format!("+32470{n:06}"),
            });
            Neighbour {
                name: format!("Buur {n:02}"),
                contact_points: landline.into_iter().chain(mobile).collect(),
                behaviour,
            }
        })
        .collect()
}

/// The member as the store imports them.
pub fn new_member(neighbour: &Neighbour) -> NewMember {
    NewMember {
        external_id: None,
        name: neighbour.name.clone(),
        language: "nl".into(),
        contact_points: neighbour.contact_points.clone(),
        channel: neighbour.behaviour.channel(),
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
    /// The call-back line's greeting.
    pub callback_greeting: Duration,
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

/// The call a member makes to the network's number `line` after the alert: they press 1
/// while the menu after the message plays.
pub fn call_back(neighbour: &Neighbour, line: &str, voices: &Voices) -> Option<DialIn> {
    let number = neighbour.contact_points.first()?.number.clone();
    let heard = voices.callback_greeting + voices.intro + voices.message;
    let asked = heard + Duration::from_millis(900);
    Some(DialIn::new(number, line).press(asked, '1', PressMethod::Rfc4733))
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
            Behaviour::AnsweringMachine | Behaviour::MachineThenRepliesOk => PhoneScript {
                ring,
                ..PhoneScript::machine(Arc::clone(&voices.greeting), true)
            },
            Behaviour::IgnoresMenu => person,
            Behaviour::OutOfService => PhoneScript::refuse(404, Duration::ZERO),
            Behaviour::NeverAnswers
            | Behaviour::NeverAnswersNoReply
            | Behaviour::MissesThenCallsBack
            | Behaviour::DeafRepliesToText => PhoneScript::never_answer(),
        };
        // A mobile is called only after its landline failed (and never for a member who
        // chose SMS): one that rings unanswered shows a call that should not have been made.
        let mobile = match neighbour.behaviour {
            Behaviour::BusyMobileConfirms => PhoneScript::answer_after(ring)
                .say(Arc::clone(&voices.hello))
                .press(asked(0), '1', PressMethod::Rfc4733),
            Behaviour::NeverAnswersNoReply => PhoneScript::refuse(603, ring),
            _ => PhoneScript::never_answer(),
        };
        if let Some(number) = neighbour.number(ContactKind::Landline) {
            scripts.insert(number.to_owned(), landline);
        }
        if let Some(number) = neighbour.number(ContactKind::Mobile) {
            scripts.insert(number.to_owned(), mobile);
        }
    }
    scripts
}

/// The members who answer a text, for the simulated SMS centre.
pub fn replies(neighbours: &[Neighbour]) -> Vec<ScriptedReply> {
    neighbours
        .iter()
        .filter_map(|neighbour| {
            let (text, after) = neighbour.behaviour.reply()?;
            Some(ScriptedReply {
                number: neighbour.number(ContactKind::Mobile)?.to_owned(),
                text: text.to_owned(),
                after,
            })
        })
        .collect()
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
        assert_eq!(confirm, 50 - 2 - 5 - 2 - 2 - 2 - 2 - 5 - 5 - 2 - 2 - 2 - 2);
        let again = neighbours(50, 1);
        let other = neighbours(50, 2);
        let order = |v: &[Neighbour]| v.iter().map(|n| n.behaviour).collect::<Vec<_>>();
        assert_eq!(order(&fifty), order(&again));
        assert_ne!(order(&fifty), order(&other));
        assert_eq!(neighbours(3, 1).len(), 3);
        let thirteen = neighbours(13, 9);
        for (behaviour, _) in MIX {
            assert!(
                thirteen.iter().any(|n| n.behaviour == behaviour),
                "{behaviour:?}"
            );
        }
    }

    #[test]
    fn members_texted_have_a_mobile_and_those_who_reply_are_scripted() {
        let thirteen = neighbours(13, 3);
        let of = |behaviour| {
            thirteen
                .iter()
                .find(|n| n.behaviour == behaviour)
                .unwrap_or_else(|| panic!("{behaviour:?}"))
        };
        let deaf = of(Behaviour::DeafRepliesToText);
        assert_eq!(new_member(deaf).channel, Channel::Sms);
        assert_eq!(deaf.number(ContactKind::Landline), None, "never called");
        for behaviour in [
            Behaviour::MachineThenRepliesOk,
            Behaviour::NeverAnswersNoReply,
        ] {
            let member = new_member(of(behaviour));
            assert_eq!(member.channel, Channel::VoiceThenSms);
            let kinds: Vec<_> = member.contact_points.iter().map(|p| p.kind).collect();
            assert_eq!(kinds, [ContactKind::Landline, ContactKind::Mobile]);
        }
        assert_eq!(
            new_member(of(Behaviour::AnsweringMachine)).channel,
            Channel::Voice
        );

        let replies = replies(&thirteen);
        let texts: Vec<(&str, &str)> = replies
            .iter()
            .map(|r| (r.number.as_str(), r.text.as_str()))
            .collect();
        let mobile = |behaviour| of(behaviour).number(ContactKind::Mobile);
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts.contains(&(mobile(Behaviour::DeafRepliesToText).unwrap_or("-"), "1")));
        assert!(texts.contains(&(mobile(Behaviour::MachineThenRepliesOk).unwrap_or("-"), "ok")));
        assert!(replies.iter().all(|r| r.number.starts_with("+32470")));
    }
}
