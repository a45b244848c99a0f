//! The program's fixed prompts per language: the intro ("Dit is een bericht van het
//! buurtinformatienetwerk …"), the menu, the thanks, the voicemail notice, the "listen to the
//! message first" answer to a `1` that came too early, and the "this is an exercise" that
//! opens every drill. Each is a text
//! template in `voices/<lang>/prompts.toml`, filled with the network's name (and the callback
//! number), unless a recorded `voices/<lang>/<name>.wav` is there: a human voice beats any
//! synthesis, so a recording always wins.
//!
//! The project's own templates are compiled in, so the prompts work from any folder; an
//! operator's `prompts.toml` replaces them.

use super::engine::SpeechError;
use super::{FileProblem, TemplateProblem};
use super::{Language, wav};
use std::path::{Path, PathBuf};

/// One of the fixed prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Who the message is from.
    Intro,
    /// "Press 1 to confirm, 2 to repeat."
    Menu,
    /// After a 1.
    Thanks,
    /// After the message on an answering machine: how to hear it again.
    Voicemail,
    /// After a `1` before the message was heard: listen first, press 1 at the end.
    ListenFirst,
    /// Before the intro of a drill: "this is an exercise".
    Drill,
    /// The call-back line's welcome before the messages a member has not confirmed.
    CallbackGreeting,
    /// After each message on the call-back line: 1 confirms, 2 repeats, 3 goes on.
    CallbackMenu,
    /// After a confirmation on the call-back line.
    CallbackThanks,
    /// After the last message on the call-back line.
    CallbackGoodbye,
    /// The call-back line for a member with no message to hear.
    CallbackNone,
    /// The call-back line for a number no member has.
    CallbackUnknown,
    /// The call-back line for a caller whose number is withheld.
    CallbackWithheld,
}

impl Prompt {
    /// Every prompt.
    pub const ALL: [Prompt; 13] = [
        Prompt::Intro,
        Prompt::Menu,
        Prompt::Thanks,
        Prompt::Voicemail,
        Prompt::ListenFirst,
        Prompt::Drill,
        Prompt::CallbackGreeting,
        Prompt::CallbackMenu,
        Prompt::CallbackThanks,
        Prompt::CallbackGoodbye,
        Prompt::CallbackNone,
        Prompt::CallbackUnknown,
        Prompt::CallbackWithheld,
    ];

    /// Its key in `prompts.toml` and its recording's file stem.
    pub fn name(self) -> &'static str {
        match self {
            Prompt::Intro => "intro",
            Prompt::Menu => "menu",
            Prompt::Thanks => "thanks",
            Prompt::Voicemail => "voicemail",
            Prompt::ListenFirst => "listen_first",
            Prompt::Drill => "drill",
            Prompt::CallbackGreeting => "callback_greeting",
            Prompt::CallbackMenu => "callback_menu",
            Prompt::CallbackThanks => "callback_thanks",
            Prompt::CallbackGoodbye => "callback_goodbye",
            Prompt::CallbackNone => "callback_none",
            Prompt::CallbackUnknown => "callback_unknown",
            Prompt::CallbackWithheld => "callback_withheld",
        }
    }
}

/// A language's templates. The prompts added after the first four (`listen_first`, `drill`
/// and the call-back line's) may be missing from an operator's file: the project's own text
/// in that language is spoken then.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    intro: String,
    menu: String,
    thanks: String,
    voicemail: String,
    listen_first: Option<String>,
    drill: Option<String>,
    callback_greeting: Option<String>,
    callback_menu: Option<String>,
    callback_thanks: Option<String>,
    callback_goodbye: Option<String>,
    callback_none: Option<String>,
    callback_unknown: Option<String>,
    callback_withheld: Option<String>,
}

/// Where a prompt comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptSource {
    /// A recording, 8 kHz samples.
    Recorded(Vec<i16>),
    /// A text to synthesise, placeholders filled.
    Text(String),
}

/// What fills the placeholders.
#[derive(Debug, Clone, Copy)]
pub struct PromptContext<'a> {
    /// `{network}`: the network's name.
    pub network: &'a str,
    /// `{callback}`: the number to call back, as it should be read.
    pub callback: &'a str,
}

/// The prompt `prompt` in `language`: a recording under `voices` if there is one, else its
/// template (the operator's, or the project's own) filled from `context`.
pub fn source(
    voices: &Path,
    language: Language,
    prompt: Prompt,
    context: &PromptContext<'_>,
) -> Result<PromptSource, SpeechError> {
    let dir = voices.join(language.code());
    let recording = dir.join(format!("{}.wav", prompt.name()));
    if recording.exists() {
        let samples = wav::read_8k(&recording).map_err(|e| SpeechError::File {
            path: recording.clone(),
            problem: FileProblem::Recording(e),
        })?;
        return Ok(PromptSource::Recorded(samples));
    }
    let (templates, path) = templates(&dir, language)?;
    let optional = |own: &Option<String>, builtin: fn(Templates) -> Option<String>| {
        own.clone()
            .or_else(|| builtin(self::builtin(language)))
            .unwrap_or_default()
    };
    let template = match prompt {
        Prompt::Intro => templates.intro.clone(),
        Prompt::Menu => templates.menu.clone(),
        Prompt::Thanks => templates.thanks.clone(),
        Prompt::Voicemail => templates.voicemail.clone(),
        Prompt::ListenFirst => optional(&templates.listen_first, |t| t.listen_first),
        Prompt::Drill => optional(&templates.drill, |t| t.drill),
        Prompt::CallbackGreeting => optional(&templates.callback_greeting, |t| t.callback_greeting),
        Prompt::CallbackMenu => optional(&templates.callback_menu, |t| t.callback_menu),
        Prompt::CallbackThanks => optional(&templates.callback_thanks, |t| t.callback_thanks),
        Prompt::CallbackGoodbye => optional(&templates.callback_goodbye, |t| t.callback_goodbye),
        Prompt::CallbackNone => optional(&templates.callback_none, |t| t.callback_none),
        Prompt::CallbackUnknown => optional(&templates.callback_unknown, |t| t.callback_unknown),
        Prompt::CallbackWithheld => optional(&templates.callback_withheld, |t| t.callback_withheld),
    };
    fill(&template, context)
        .map(PromptSource::Text)
        .map_err(|problem| SpeechError::File {
            path,
            problem: FileProblem::Template {
                prompt: prompt.name(),
                problem,
            },
        })
}

/// The templates in `dir/prompts.toml`, or the project's own.
fn templates(dir: &Path, language: Language) -> Result<(Templates, PathBuf), SpeechError> {
    let path = dir.join("prompts.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((builtin(language), path));
        }
        Err(e) => {
            return Err(SpeechError::File {
                path,
                problem: FileProblem::Read(e),
            });
        }
    };
    let templates = toml::from_str(&text).map_err(|e| SpeechError::File {
        path: path.clone(),
        problem: FileProblem::Syntax(e),
    })?;
    Ok((templates, path))
}

/// The project's templates, compiled in.
pub fn builtin(language: Language) -> Templates {
    let text = match language {
        Language::Nl => include_str!("../../voices/nl/prompts.toml"),
        Language::Fr => include_str!("../../voices/fr/prompts.toml"),
        Language::De => include_str!("../../voices/de/prompts.toml"),
        Language::En => include_str!("../../voices/en/prompts.toml"),
    };
    // Checked by a test for every language.
    toml::from_str(text).unwrap_or_else(|_| Templates {
        intro: String::new(),
        menu: String::new(),
        thanks: String::new(),
        voicemail: String::new(),
        listen_first: None,
        drill: None,
        callback_greeting: None,
        callback_menu: None,
        callback_thanks: None,
        callback_goodbye: None,
        callback_none: None,
        callback_unknown: None,
        callback_withheld: None,
    })
}

/// Replaces `{network}` and `{callback}`; any other `{…}` is an error.
fn fill(template: &str, context: &PromptContext<'_>) -> Result<String, TemplateProblem> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(TemplateProblem::Unclosed)?;
        match &after[..close] {
            "network" => out.push_str(context.network),
            "callback" => out.push_str(context.callback),
            other => return Err(TemplateProblem::UnknownPlaceholder(other.to_owned())),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: PromptContext<'static> = PromptContext {
        network: "Testwijk",
        callback: "nul zeven nul",
    };

    #[test]
    fn the_project_templates_parse_and_name_the_network() {
        let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices");
        let elsewhere = tempfile::tempdir().unwrap();
        for language in Language::ALL {
            for prompt in Prompt::ALL {
                let from_folder = source(&project, language, prompt, &CONTEXT).unwrap();
                let compiled_in = source(elsewhere.path(), language, prompt, &CONTEXT).unwrap();
                assert_eq!(from_folder, compiled_in);
                let PromptSource::Text(text) = from_folder else {
                    panic!("{language} {prompt:?} is a template");
                };
                assert!(!text.is_empty() && !text.contains('{'), "{text}");
                if matches!(prompt, Prompt::Intro | Prompt::Voicemail) {
                    assert!(text.contains("Testwijk"), "{language}: {text}");
                }
            }
        }
    }

    #[test]
    fn a_recording_wins_and_bad_templates_name_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let nl = dir.path().join("nl");
        std::fs::create_dir_all(&nl).unwrap();
        wav::write_8k(&nl.join("menu.wav"), &[100; 800]).unwrap();
        let menu = source(dir.path(), Language::Nl, Prompt::Menu, &CONTEXT).unwrap();
        assert_eq!(menu, PromptSource::Recorded(vec![100; 800]));

        std::fs::write(
            nl.join("prompts.toml"),
            "intro = \"Van {netwerk}\"\nmenu = \"m\"\nthanks = \"t\"\nvoicemail = \"v\"\n",
        )
        .unwrap();
        let error = source(dir.path(), Language::Nl, Prompt::Intro, &CONTEXT).unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains("prompts.toml") && shown.contains("{netwerk}"),
            "{shown}"
        );

        std::fs::write(
            nl.join("prompts.toml"),
            "intro = \"i\"\nmenu = \"m\"\nthanks = \"t\"\nvoicemail = \"v\"\n",
        )
        .unwrap();
        let older = source(dir.path(), Language::Nl, Prompt::ListenFirst, &CONTEXT).unwrap();
        let PromptSource::Text(older) = older else {
            panic!("a template");
        };
        assert!(older.starts_with("Luister eerst"), "{older}");

        std::fs::write(nl.join("prompts.toml"), "intro = \"x\"\n").unwrap();
        let error = source(dir.path(), Language::Nl, Prompt::Thanks, &CONTEXT).unwrap_err();
        assert!(error.to_string().contains("missing field"), "{error}");
    }
}
