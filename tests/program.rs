//! The call program end to end over loopback: the gateway's dialer against simulated phones
//! (real SIP and RTP from `buurtbel::sim`), each way a key can arrive.

use buurtbel::config::Config;
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::media::g711;
use buurtbel::media::session::DigitPath;
use buurtbel::sim::{Exchange, PhoneScript, PressMethod, SimCall};
use buurtbel::sip::Uri;
use buurtbel::sip::call::Outcome;
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
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn call(script: PhoneScript) -> (CallResult, SimCall) {
    let mut exchange = Exchange::start("127.0.0.1:0".parse().unwrap(), HashMap::new(), script)
        .await
        .unwrap();
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n[trunk]\nproxy = \"{}\"\ndomain = \"127.0.0.1\"\nring_timeout = \"5s\"\n\
         [media]\nrtp_ports = \"43000-43999\"\nmenu_rounds = 2\nkey_wait = \"500ms\"\nrtp_timeout = \"2s\"\n",
        exchange.addr()
    );
    let dialer = Dialer::start(&Config::parse(&text, "test.toml").unwrap())
        .await
        .unwrap();
    let program = Playback::Program(Arc::new(EncodedProgram::new(&segments())));
    let result = dialer
        .call(Uri::parse("sip:1001@127.0.0.1").unwrap(), &program)
        .await
        .unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), exchange.next_call())
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
    assert_eq!(result.report.outcome, Outcome::Acknowledged);
    assert_eq!(digits(&result), [('1', DigitPath::Rfc4733)]);
    assert!(!phone.hung_up_by_phone, "we hang up after the thank-you");
}

#[tokio::test]
async fn info_two_repeats_then_one_acknowledges() {
    let script = PhoneScript::answer_after(ms(0))
        .press(ms(1300), '2', PressMethod::Info)
        .press(ms(2600), '1', PressMethod::Info);
    let (result, _) = call(script).await;
    assert_eq!(result.report.outcome, Outcome::Acknowledged);
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
    assert_eq!(result.report.outcome, Outcome::Acknowledged);
    assert_eq!(digits(&result), [('1', DigitPath::Inband)]);
}

#[tokio::test]
async fn no_key_ends_answered_no_ack_after_every_round() {
    let (result, phone) = call(PhoneScript::answer_after(ms(0))).await;
    assert_eq!(result.report.outcome, Outcome::AnsweredNoAck);
    let played = result.played.unwrap().stats.played;
    assert_eq!(played, ms(200 + 1000 + 2 * (400 + 500)));
    assert!(phone.rtp_received >= 150, "{}", phone.rtp_received);
}

#[tokio::test]
async fn phone_hanging_up_mid_message_ends_the_call_at_once() {
    let script = PhoneScript::answer_after(ms(0)).hang_up_after(ms(600));
    let (result, phone) = call(script).await;
    assert_eq!(result.report.outcome, Outcome::AnsweredNoAck);
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
    phone.write_heard(&wav).unwrap();
    let read_back = buurtbel::speech::wav::read_8k(&wav).unwrap();
    assert_eq!(read_back, phone.heard, "the recording is what it heard");
}
