//! The text a member receives: the network's name, the message, and how to confirm, in the
//! member's language. Sans-IO and pure.
//!
//! Only the message is ever shortened ([`fit`]): the name and the instruction always arrive
//! whole. Every fixed word is in the GSM alphabet (a hyphen, not a dash; no `ç`), so a message
//! that is itself GSM goes out as GSM 7-bit, at 160 characters a part rather than 70.

use crate::sms::encoding::{Encoded, fit};
use crate::speech::Language;

/// What a member receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording<'a> {
    /// The member's language.
    pub language: Language,
    /// The network's name as members know it (`BIN Kessel-Lo`).
    pub network: &'a str,
    /// The alert's text in that language.
    pub message: &'a str,
    /// How the member confirms.
    pub confirm: Confirm<'a>,
    /// Whether it is a drill: the text then starts by saying so.
    pub drill: bool,
}

/// How a member confirms they received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm<'a> {
    /// By replying `1` (the sender receives replies).
    Reply,
    /// By calling the network's number back (the sender is alphanumeric, or replies are not
    /// read); the number as members should read it, formatted by the caller.
    CallBack {
        /// The number to call.
        number: &'a str,
    },
    /// No confirmation is asked (a prevention tip, feedback).
    Nothing,
}

/// The text, encoded in at most `max_parts` parts: `{network}: {message} {how to confirm}`,
/// with the message shortened at a word when it is too long.
pub fn compose(wording: &Wording<'_>, max_parts: usize) -> Encoded {
    let network = wording.network.trim();
    let head = match (wording.drill, wording.language) {
        (false, _) => format!("{network}: "),
        (true, Language::Nl) => format!("OEFENING - {network}: "),
        (true, Language::Fr) => format!("EXERCICE - {network}: "),
        (true, Language::De) => format!("ÜBUNG - {network}: "),
        (true, Language::En) => format!("EXERCISE - {network}: "),
    };
    let tail = instruction(wording.language, wording.confirm);
    fit(&head, wording.message.trim(), &tail, max_parts)
}

/// Sent once after a member replied STOP: no more non-urgent messages by SMS, but urgent
/// alerts still come.
pub fn stop_confirmation(language: Language) -> &'static str {
    match language {
        Language::Nl => "U ontvangt geen tips meer per sms. Dringende oproepen blijven komen.",
        Language::Fr => {
            "Vous ne recevrez plus de conseils par SMS. Les alertes urgentes vous parviendront toujours."
        }
        Language::De => {
            "Sie erhalten keine Tipps mehr per SMS. Dringende Meldungen erhalten Sie weiterhin."
        }
        Language::En => {
            "You will no longer receive tips by SMS. Urgent alerts will still reach you."
        }
    }
}

/// How to confirm, after the message (with the space that separates it).
fn instruction(language: Language, confirm: Confirm<'_>) -> String {
    match (confirm, language) {
        (Confirm::Nothing, _) => String::new(),
        (Confirm::Reply, Language::Nl) => " Antwoord 1 om te bevestigen.".to_owned(),
        (Confirm::Reply, Language::Fr) => " Répondez 1 pour confirmer.".to_owned(),
        (Confirm::Reply, Language::De) => " Antworten Sie 1 zur Bestätigung.".to_owned(),
        (Confirm::Reply, Language::En) => " Reply 1 to confirm.".to_owned(),
        (Confirm::CallBack { number }, Language::Nl) => format!(" Bel {number} om te bevestigen."),
        (Confirm::CallBack { number }, Language::Fr) => {
            format!(" Appelez le {number} pour confirmer.")
        }
        (Confirm::CallBack { number }, Language::De) => {
            format!(" Rufen Sie {number} an, um zu bestätigen.")
        }
        (Confirm::CallBack { number }, Language::En) => format!(" Call {number} to confirm."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::encoding::{Encoding, is_gsm};

    fn wording<'a>(language: Language, message: &'a str, confirm: Confirm<'a>) -> Wording<'a> {
        Wording {
            language,
            network: "BIN Kessel-Lo",
            message,
            confirm,
            drill: false,
        }
    }

    #[test]
    fn each_language_names_the_network_and_how_to_reply() {
        let cases = [
            (
                Language::Nl,
                "Verdachte wagen.",
                "BIN Kessel-Lo: Verdachte wagen. Antwoord 1 om te bevestigen.",
            ),
            (
                Language::Fr,
                "Véhicule suspect.",
                "BIN Kessel-Lo: Véhicule suspect. Répondez 1 pour confirmer.",
            ),
            (
                Language::De,
                "Verdächtiges Auto.",
                "BIN Kessel-Lo: Verdächtiges Auto. Antworten Sie 1 zur Bestätigung.",
            ),
            (
                Language::En,
                "Suspicious van.",
                "BIN Kessel-Lo: Suspicious van. Reply 1 to confirm.",
            ),
        ];
        for (language, message, text) in cases {
            let encoded = compose(&wording(language, message, Confirm::Reply), 4);
            assert_eq!(encoded.text, text);
            assert_eq!(encoded.encoding, Encoding::Gsm7, "{language}");
            assert_eq!(encoded.parts.len(), 1);
        }
    }

    #[test]
    fn an_alphanumeric_sender_asks_for_a_call_back() {
        let number = "016 00 00 01";
        let cases = [
            (Language::Nl, " Bel 016 00 00 01 om te bevestigen."),
            (Language::Fr, " Appelez le 016 00 00 01 pour confirmer."),
            (
                Language::De,
                " Rufen Sie 016 00 00 01 an, um zu bestätigen.",
            ),
            (Language::En, " Call 016 00 00 01 to confirm."),
        ];
        for (language, tail) in cases {
            let encoded = compose(
                &wording(language, "Tekst.", Confirm::CallBack { number }),
                2,
            );
            assert!(encoded.text.ends_with(tail), "{}", encoded.text);
            assert!(!encoded.text.contains(" 1 "));
            assert_eq!(encoded.encoding, Encoding::Gsm7);
        }
        let tip = compose(
            &wording(Language::Nl, "Sluit uw ramen.", Confirm::Nothing),
            1,
        );
        assert_eq!(tip.text, "BIN Kessel-Lo: Sluit uw ramen.");
    }

    #[test]
    fn a_drill_says_so_first() {
        for (language, word) in [
            (Language::Nl, "OEFENING"),
            (Language::Fr, "EXERCICE"),
            (Language::De, "ÜBUNG"),
            (Language::En, "EXERCISE"),
        ] {
            let mut drill = wording(language, "Test.", Confirm::Reply);
            drill.drill = true;
            let encoded = compose(&drill, 1);
            assert!(
                encoded
                    .text
                    .starts_with(&format!("{word} - BIN Kessel-Lo: Test."))
            );
            assert_eq!(encoded.encoding, Encoding::Gsm7);
        }
    }

    #[test]
    fn a_long_message_is_shortened_and_the_instruction_kept() {
        let message =
            "Een verdachte bestelwagen rijdt rond in de Kerkstraat en omgeving. ".repeat(12);
        for max_parts in [1, 2, 4] {
            let encoded = compose(&wording(Language::Nl, &message, Confirm::Reply), max_parts);
            assert!(encoded.shortened);
            assert_eq!(encoded.parts.len(), max_parts);
            assert!(encoded.text.starts_with("BIN Kessel-Lo: Een verdachte"));
            assert!(
                encoded.text.ends_with("... Antwoord 1 om te bevestigen."),
                "{}",
                encoded.text
            );
        }
    }

    #[test]
    fn a_message_outside_gsm_goes_as_ucs2_with_a_single_ellipsis() {
        let message = "Uwaga: podejrzany samochód na ulicy Kościelnej. ".repeat(6);
        let encoded = compose(&wording(Language::En, &message, Confirm::Reply), 2);
        assert_eq!(encoded.encoding, Encoding::Ucs2);
        assert!(
            encoded.text.ends_with("… Reply 1 to confirm."),
            "{}",
            encoded.text
        );
    }

    #[test]
    fn fixed_words_stay_in_the_gsm_alphabet() {
        for language in Language::ALL {
            assert!(
                stop_confirmation(language).chars().all(is_gsm),
                "{language}"
            );
            for confirm in [
                Confirm::Reply,
                Confirm::CallBack {
                    number: "+3216000001",
                },
            ] {
                assert!(
                    instruction(language, confirm).chars().all(is_gsm),
                    "{language}"
                );
            }
            assert_eq!(
                crate::sms::encoding::encode(stop_confirmation(language), 1)
                    .parts
                    .len(),
                1
            );
        }
    }
}
