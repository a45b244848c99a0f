//! What one member's text says and who it is from: the alert's message in the member's
//! language, opened by the network's name and closed by how to confirm (reply 1, or call the
//! network's number back when the sender is an alphanumeric ID nobody can reply to).

use super::TextSettings;
use crate::sms::wording::{self, Confirm, Wording};
use crate::sms::{Encoded, SenderId, sender};
use crate::speech::Language;
use crate::store::{Message, MessageBody, TextNetwork};

/// Why a text cannot be worded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ComposeError {
    /// Neither the network nor the configuration names a sender.
    #[error("no SMS sender: set `[sms] sender` or the network's own")]
    NoSender,
    /// The sender the network or configuration names is not one a provider accepts.
    #[error("the SMS sender `{0}` is not usable: {1}")]
    BadSender(String, String),
}

/// A text ready to send, and who it is from.
#[derive(Debug, Clone)]
pub(super) struct Worded {
    pub(super) sender: SenderId,
    pub(super) message: Encoded,
}

/// Words the text of `messages` for a member speaking `language`, from `network`.
pub(super) fn compose(
    settings: &TextSettings,
    network: &TextNetwork,
    messages: &[Message],
    language: &str,
    drill: bool,
) -> Result<Worded, ComposeError> {
    let sender = match &network.sms_sender {
        Some(own) => {
            sender::parse(own).map_err(|e| ComposeError::BadSender(own.clone(), e.to_string()))?
        }
        None => settings.sender.clone().ok_or(ComposeError::NoSender)?,
    };
    let (language, text) = pick(messages, language);
    let confirm = if sender.can_receive_replies() {
        Confirm::Reply
    } else if network.caller_id.trim().is_empty() {
        Confirm::Nothing
    } else {
        Confirm::CallBack {
            number: &network.caller_id,
        }
    };
    let fallback;
    let message = match text {
        Some(text) => text,
        None => {
            fallback = recorded_only(language);
            fallback.as_str()
        }
    };
    let wording = Wording {
        language,
        network: &network.name,
        message,
        confirm,
        drill,
    };
    let message = wording::compose(&wording, settings.max_parts);
    Ok(Worded { sender, message })
}

/// The member's language's text, else the first text there is; and the language it is in.
fn pick<'a>(messages: &'a [Message], language: &str) -> (Language, Option<&'a str>) {
    let text_of = |m: &'a Message| match &m.body {
        MessageBody::Text(text) => Some(text.as_str()),
        _ => None,
    };
    let own = messages
        .iter()
        .find(|m| m.language == language)
        .and_then(|m| text_of(m).map(|t| (m.language.as_str(), t)));
    let chosen = own.or_else(|| {
        messages
            .iter()
            .find_map(|m| text_of(m).map(|t| (m.language.as_str(), t)))
    });
    match chosen {
        Some((lang, text)) => (lang.parse().unwrap_or(Language::Nl), Some(text)),
        None => (language.parse().unwrap_or(Language::Nl), None),
    }
}

/// For an alert that was only recorded: a text that says there is a message to hear.
fn recorded_only(language: Language) -> String {
    match language {
        Language::Nl => "Er is een bericht voor u. Bel ons terug om het te beluisteren.",
        Language::Fr => "Un message vous attend. Rappelez-nous pour l'écouter.",
        Language::De => "Eine Nachricht wartet auf Sie. Rufen Sie uns zurück, um sie zu hören.",
        Language::En => "There is a message for you. Call us back to hear it.",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NetworkId;

    fn network(sender: Option<&str>) -> TextNetwork {
        TextNetwork {
            id: NetworkId::from("n1"),
            name: "BIN Test".to_owned(),
            caller_id: "+3233000000".to_owned(),
            sms_sender: sender.map(str::to_owned),
        }
    }

    fn text(language: &str, text: &str) -> Message {
        Message {
            language: language.to_owned(),
            body: MessageBody::Text(text.to_owned()),
        }
    }

    #[test]
    fn the_member_reads_their_own_language_and_how_to_confirm() {
        let settings = TextSettings {
            sender: Some(sender::parse("+3233000001").unwrap()),
            ..TextSettings::default()
        };
        let messages = [
            text("nl", "Verdachte wagen."),
            text("fr", "Voiture suspecte."),
        ];
        let worded = compose(&settings, &network(None), &messages, "fr", false).unwrap();
        assert!(
            worded.message.text.contains("Voiture suspecte."),
            "{}",
            worded.message.text
        );
        assert!(worded.message.text.contains("BIN Test"));
        assert!(worded.sender.can_receive_replies());
        let worded = compose(&settings, &network(None), &messages, "de", false).unwrap();
        assert!(worded.message.text.contains("Verdachte wagen."));
    }

    #[test]
    fn an_alphanumeric_sender_asks_for_a_call_back_instead() {
        let settings = TextSettings::default();
        let messages = [text("nl", "Verdachte wagen.")];
        let worded = compose(
            &settings,
            &network(Some("BIN-Test")),
            &messages,
            "nl",
            false,
        );
        let worded = worded.unwrap();
        assert!(!worded.sender.can_receive_replies());
        assert!(
            worded.message.text.contains("+3233000000"),
            "{}",
            worded.message.text
        );
        let none = compose(&settings, &network(None), &messages, "nl", false);
        assert_eq!(none.unwrap_err(), ComposeError::NoSender);
        let bad = compose(
            &settings,
            &network(Some("A much too long sender")),
            &messages,
            "nl",
            false,
        );
        assert!(matches!(bad, Err(ComposeError::BadSender(..))));
    }
}
