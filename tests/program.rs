//! The call program end to end over loopback: the gateway's dialer against simulated phones
//! (real SIP and RTP from `buurtbel::sim`), each way a key can arrive; and with machine
//! detection, a person saying "hallo?" and an answering machine with a beep.
//!
//! The key-timing tests run with `media.machine_detection = false`, so the program starts at
//! the answer and their keys land where they aim.

use buurtbel::config::Config;
use buurtbel::media::amd::Answerer;
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::media::g711;
use buurtbel::media::program::ProgramEnd;
use buurtbel::media::session::{DigitPath, MediaEnd};
use buurtbel::policy::AttemptOutcome;
use buurtbel::sim::{Exchange, PhoneScript, PressMethod, SimCall};
use buurtbel::sip::Uri;
use buurtbel::sip::call::Outcome;
use buurtbel::speech::{Language, Speech, SpeechSettings};
use buurtbel::telephony::pending::PendingProgram;
use buurtbel::telephony::{CallResult, Dialer, Playback};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn tone(hz: f32, ms: usize, amplitude: f32) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| (amplitude * (2.0 * std::f32::consts::PI * hz * i as f32 / 8000.0).sin()) as i16)
        .collect()
}

/// Short segments, each a distinct tone, so what the phone heard can be checked.
fn segments() -> Segments {
    Segments {
        intro: tone(500.0, 200, 8000.0),
        message: tone(440.0, 1000, 12000.0),
        menu: tone(600.0, 400, 8000.0),
        thanks: tone(300.0, 200, 8000.0),
        listen_first: tone(800.0, 300, 8000.0),
        voicemail: tone(700.0, 300, 8000.0),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn call(script: PhoneScript) -> (CallResult, SimCall) {
    call_detecting(script, false).await
}

async fn call_detecting(script: PhoneScript, machine_detection: bool) -> (CallResult, SimCall) {
    let mut exchange = Exchange::start("127.0.0.1:0".parse().unwrap(), HashMap::new(), script)
        .await
        .unwrap();
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n[trunk]\nproxy = \"{}\"\ndomain = \"127.0.0.1\"\nring_timeout = \"5s\"\n\
         [media]\nrtp_ports = \"43000-43999\"\nmenu_rounds = 2\nkey_wait = \"500ms\"\nrtp_timeout = \"2s\"\n\
         machine_detection = {machine_detection}\n",
        exchange.addr()
    );
    let dialer = Dialer::start(&Config::parse(&text, "test.toml").unwrap())
        .await
        .unwrap();
    let program = Playback::Program(PendingProgram::ready(Arc::new(EncodedProgram::new(
        &segments(),
    ))));
    let result = dialer
        .call(Uri::parse("sip:1001@127.0.0.1").unwrap(), &program)
        .await
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(10), exchange.next_call())
        .await
        .unwrap()
        .unwrap();
    (result, heard)
}

fn digits(result: &CallResult) -> Vec<(char, DigitPath)> {
    result
        .played
        .as_ref()
        .unwrap()
        .digits
        .iter()
        .map(|d| (d.digit, d.via))
        .collect()
}

#[tokio::test]
async fn rfc4733_one_acknowledges() {
    let script = PhoneScript::answer_after(ms(100)).press(ms(1500), '1', PressMethod::Rfc4733);
    let (result, phone) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::Acknowledged);
    assert_eq!(digits(&result), [('1', DigitPath::Rfc4733)]);
    assert!(!phone.hung_up_by_phone, "we hang up after the thank-you");
}

#[tokio::test]
async fn info_two_repeats_then_one_acknowledges() {
    let script = PhoneScript::answer_after(ms(0))
        .press(ms(1300), '2', PressMethod::Info)
        .press(ms(2600), '1', PressMethod::Info);
    let (result, _) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::Acknowledged);
    assert_eq!(
        result.played.as_ref().unwrap().message_starts,
        2,
        "message heard twice"
    );
    assert_eq!(
        digits(&result),
        [('2', DigitPath::Info), ('1', DigitPath::Info)]
    );
}

#[tokio::test]
async fn inband_one_acknowledges() {
    let script = PhoneScript::answer_after(ms(0)).press(ms(1400), '1', PressMethod::Inband);
    let (result, _) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::Acknowledged);
    assert_eq!(digits(&result), [('1', DigitPath::Inband)]);
}

#[tokio::test]
async fn no_key_ends_answered_no_ack_after_every_round() {
    let (result, phone) = call(PhoneScript::answer_after(ms(0))).await;
    assert_eq!(result.outcome(), AttemptOutcome::AnsweredNoAck);
    let played = result.played.unwrap().stats.played;
    assert_eq!(played, ms(200 + 1000 + 2 * (400 + 500)));
    assert!(phone.rtp_received >= 150, "{}", phone.rtp_received);
}

#[tokio::test]
async fn phone_hanging_up_mid_message_ends_the_call_at_once() {
    let script = PhoneScript::answer_after(ms(0)).hang_up_after(ms(600));
    let (result, phone) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::AnsweredNoAck);
    assert!(phone.hung_up_by_phone);
    let played = result.played.unwrap().stats.played;
    assert!(
        played < ms(800),
        "playback stopped at the BYE, played {played:?}"
    );
}

#[tokio::test]
async fn the_phone_hears_intro_then_message_bit_exact_through_g711() {
    let (result, phone) =
        call(PhoneScript::answer_after(ms(0)).press(ms(1500), '1', PressMethod::Rfc4733)).await;
    let codec_is_alaw = result.media.unwrap().codec.name() == "PCMA";
    let sent: Vec<i16> = segments()
        .intro
        .into_iter()
        .chain(segments().message)
        .collect();
    let through_g711: Vec<i16> = if codec_is_alaw {
        g711::decode_alaw(&g711::encode_alaw(&sent))
    } else {
        g711::decode_ulaw(&g711::encode_ulaw(&sent))
    };
    assert!(phone.heard.len() >= sent.len());
    assert_eq!(
        &phone.heard[..sent.len()],
        &through_g711[..],
        "no packet lost, reordered or altered"
    );
    let worst = sent
        .iter()
        .zip(&phone.heard)
        .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
        .max();
    assert!(
        worst.unwrap() <= 12000 / 16,
        "within G.711 quantisation error"
    );
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("heard.wav");
    buurtbel::speech::wav::write_8k(&wav, &phone.heard).unwrap();
    let read_back = buurtbel::speech::wav::read_8k(&wav).unwrap();
    assert_eq!(read_back, phone.heard, "the recording is what it heard");
}

/// Speech from the built-in engine, 8 kHz.
fn spoken(text: &str, language: Language) -> Arc<Vec<i16>> {
    let cache = tempfile::tempdir().unwrap();
    let speech = Speech::new(SpeechSettings {
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .unwrap();
    speech.render(text, language, 1.0).unwrap().samples
}

/// `samples` as the phone hears them through the call's law.
fn through_g711(result: &CallResult, samples: &[i16]) -> Vec<i16> {
    if result.media.as_ref().unwrap().codec.name() == "PCMA" {
        g711::decode_alaw(&g711::encode_alaw(samples))
    } else {
        g711::decode_ulaw(&g711::encode_ulaw(samples))
    }
}

/// Where `needle` starts in `haystack`, sample for sample.
fn find(haystack: &[i16], needle: &[i16]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn an_answering_machine_gets_the_message_once_after_its_beep() {
    let greeting = spoken(
        "hallo, u bent verbonden met de voicemail van jan peeters. spreek een bericht in na de toon.",
        Language::Nl,
    );
    let greeting_ms = greeting.len() as u64 / 8;
    let script = PhoneScript::machine(Arc::clone(&greeting), true);
    let (result, phone) = call_detecting(script, true).await;
    let played = result.played.as_ref().unwrap();
    assert_eq!(played.end, Some(MediaEnd::Program(ProgramEnd::Voicemail)));
    assert_eq!(played.machine, Some(Answerer::Machine));
    assert_eq!(played.message_starts, 1);
    assert_eq!(
        result.report.outcome,
        Outcome::Answered,
        "SIP has no voicemail"
    );
    assert_eq!(result.outcome(), AttemptOutcome::Voicemail);
    assert!(!phone.hung_up_by_phone, "we hang up after the notice");

    let s = segments();
    let left = [s.intro, s.message, s.voicemail].concat();
    let at = find(&phone.heard, &through_g711(&result, &left)).expect("the message, whole");
    // What the phone heard starts with our first packet, which goes out on the pacer's next
    // 20 ms tick after the answer: up to one frame after the phone started its greeting.
    let beep_end = (greeting_ms + buurtbel::sim::BEEP.as_millis() as u64) * 8;
    assert!(
        at as u64 + 160 >= beep_end,
        "message at {at}, beep ends at {beep_end}"
    );
    assert!(
        (at as u64) < beep_end + 8 * 300,
        "message at {at}, within 300 ms of the beep's end ({beep_end})"
    );
    let tail = &phone.heard[at + left.len()..];
    assert!(
        tail.len() < 8 * 200,
        "hung up after the notice: {} samples",
        tail.len()
    );
}

#[tokio::test]
async fn a_person_saying_hallo_then_pressing_1_acknowledges() {
    let hallo = spoken("hallo?", Language::Nl);
    let hallo_ms = hallo.len() as u64 / 8;
    let script = PhoneScript::answer_after(ms(0)).say(hallo).press(
        ms(hallo_ms + 2_500),
        '1',
        PressMethod::Rfc4733,
    );
    let (result, phone) = call_detecting(script, true).await;
    assert_eq!(result.outcome(), AttemptOutcome::Acknowledged);
    let played = result.played.as_ref().unwrap();
    assert_eq!(played.machine, Some(Answerer::Human));
    assert_eq!(digits(&result), [('1', DigitPath::Rfc4733)]);
    // The intro starts 0.8 s after the "hallo?" (the engine ends it with 250 ms of silence).
    let intro = through_g711(&result, &segments().intro);
    let at = find(&phone.heard, &intro).expect("the intro") as u64 / 8;
    assert!(
        (hallo_ms + 400..=hallo_ms + 900).contains(&at),
        "intro at {at} ms, hallo ends at {hallo_ms} ms"
    );
}
