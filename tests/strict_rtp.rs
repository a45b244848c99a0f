//! Strict RTP over loopback: the gateway's dialer calls a simulated phone while a forger sends
//! RFC 4733 `1`s to the call's RTP port from another port of the phone's address and from
//! another loopback address (127.0.0.2). A forged key never reaches the call's digits and
//! never confirms; the phone's own key still does.
//!
//! The program: intro 0.2 s, message 1 s, then two rounds of menu 0.4 s and key wait 0.5 s
//! (round one 1.2–2.1 s after the answer, round two 2.1–3.0 s), so a `1` at 1.5 s or 2.6 s
//! would confirm if it were heard.

use buurtbel::config::Config;
use buurtbel::media::audio::{EncodedProgram, Segments};
use buurtbel::media::rtp::LATCH_WINDOW;
use buurtbel::media::session::DigitPath;
use buurtbel::policy::AttemptOutcome;
use buurtbel::sim::{Exchange, ForgedSource, PhoneScript, PressMethod, SimCall};
use buurtbel::sip::Uri;
use buurtbel::telephony::pending::PendingProgram;
use buurtbel::telephony::{CallResult, Dialer, Playback};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// Packets in one forged event: a start packet and three end packets.
const PACKETS_PER_FORGERY: u64 = 4;
/// Another loopback address than the phone's 127.0.0.1.
const ELSEWHERE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn tone(hz: f32, ms: usize) -> Vec<i16> {
    (0..ms * 8)
        .map(|i| (8000.0 * (std::f32::consts::TAU * hz * i as f32 / 8000.0).sin()) as i16)
        .collect()
}

fn segments() -> Segments {
    Segments {
        intro: tone(500.0, 200),
        message: tone(440.0, 1000),
        menu: tone(600.0, 400),
        thanks: tone(300.0, 200),
        listen_first: tone(800.0, 300),
        voicemail: tone(700.0, 300),
    }
}

/// One call to a phone following `script`, with an RTP timeout no test reaches.
async fn call(script: PhoneScript) -> (CallResult, SimCall) {
    let mut exchange = Exchange::start("127.0.0.1:0".parse().unwrap(), HashMap::new(), script)
        .await
        .unwrap();
    let text = format!(
        "[sip]\nbind = \"127.0.0.1:0\"\n[trunk]\nproxy = \"{}\"\ndomain = \"127.0.0.1\"\n\
         ring_timeout = \"5s\"\n[media]\nrtp_ports = \"44000-44999\"\nmenu_rounds = 2\n\
         key_wait = \"500ms\"\nrtp_timeout = \"10s\"\nmachine_detection = false\n",
        exchange.addr()
    );
    let dialer = Dialer::start(&Config::parse(&text, "test.toml").unwrap())
        .await
        .unwrap();
    let program = PendingProgram::ready(Arc::new(EncodedProgram::new(&segments())));
    let result = dialer
        .call(
            Uri::parse("sip:1001@127.0.0.1").unwrap(),
            &Playback::Program(program),
        )
        .await
        .unwrap();
    let phone = tokio::time::timeout(Duration::from_secs(10), exchange.next_call())
        .await
        .unwrap()
        .unwrap();
    (result, phone)
}

fn keys(result: &CallResult) -> Vec<(char, DigitPath)> {
    let played = result.played.as_ref().unwrap();
    played.digits.iter().map(|d| (d.digit, d.via)).collect()
}

#[tokio::test]
async fn forged_1s_to_a_silent_phone_never_confirm() {
    // The phone sends no RTP (no microphone), so nothing from its address closes the
    // latching window early: the forger from 127.0.0.2 is refused for its address, the one
    // on the phone's address (another port) for coming after the window.
    let mut script = PhoneScript::answer_after(ms(0))
        .forge(ms(1_500), '1', ForgedSource::Address(ELSEWHERE))
        .forge(ms(2_600), '1', ForgedSource::OtherPort);
    script.send_audio = false;
    assert!(ms(2_600) > LATCH_WINDOW);
    let (result, phone) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::AnsweredNoAck);
    assert_eq!(keys(&result), []);
    assert_forged_from_elsewhere(&phone, 2);
    let refused = result.played.unwrap().stats.refused;
    assert!(refused >= 2 * PACKETS_PER_FORGERY, "refused {refused}");
}

#[tokio::test]
async fn forged_1s_beside_a_talking_phone_are_dropped_and_its_own_1_confirms() {
    let script = PhoneScript::answer_after(ms(0))
        .forge(ms(0), '1', ForgedSource::Address(ELSEWHERE))
        .forge(ms(1_300), '1', ForgedSource::OtherPort)
        .forge(ms(1_500), '1', ForgedSource::Address(ELSEWHERE))
        .press(ms(2_600), '1', PressMethod::Rfc4733);
    let (result, phone) = call(script).await;
    assert_eq!(result.outcome(), AttemptOutcome::Acknowledged);
    assert_eq!(keys(&result), [('1', DigitPath::Rfc4733)]);
    let at = result.played.as_ref().unwrap().digits[0].at_ms;
    assert!(at >= 2_600, "the phone's own 1, at {at} ms");
    assert_forged_from_elsewhere(&phone, 3);
    let refused = result.played.unwrap().stats.refused;
    assert!(refused >= 3 * PACKETS_PER_FORGERY, "refused {refused}");
}

/// The forger sent `count` events, none from the phone's media socket.
fn assert_forged_from_elsewhere(phone: &SimCall, count: usize) {
    assert_eq!(phone.forged_from.len(), count, "{:?}", phone.forged_from);
    for from in &phone.forged_from {
        assert!(
            from.ip() == ELSEWHERE || from.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST),
            "{from}"
        );
    }
}
