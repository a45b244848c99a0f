//! `buurtbel call --wav` against SIPp as the called phone: the call program's audio and the
//! member's keys (`cargo test --features interop --test interop_media`; needs `sipp`, Debian
//! package sip-tester, and root for SIPp's pcap replay).
//!
//! Each test reserves its own ports, writes short prompts (tones of 300 ms), a message and a
//! configuration into a temporary folder, starts SIPp with one of the project's
//! `tests/sipp/uas_media_*.xml` scenarios and runs the real binary. Two verdicts: the JSON
//! line buurtbel printed, and SIPp's exit code (0 only when SIPp saw every message its
//! scenario expects: our ACK, our BYE or our 200s, in order). The program the tests play,
//! unless a test says otherwise: intro 0.3 s, message 1 s, menu 0.3 s, key wait 1 s, two
//! rounds, thank-you 0.3 s, and "listen first" 0.3 s for a 1 that comes before the message
//! was heard to its end; the scenarios time their keys against it.
//!
//! The audio check (`*_echo_*`) runs SIPp with `-rtp_echo`, so buurtbel's `--record` holds
//! what it sent, as it came back; the test compares that with the program sample by sample.
//!
//! The configuration turns `media.machine_detection` off, so the program starts at the answer
//! and the scenarios' keys land where they aim; the `*_listen*` and `*_machine*` tests turn
//! it on, with SIPp streaming silence, or a spoken greeting and a beep.
//!
//! On failure the assertion message carries buurtbel's output and SIPp's traces;
//! `INTEROP_KEEP_TRACES=1` also keeps them on disk.
#![cfg(feature = "interop")]

#[path = "common/forger.rs"]
mod forger;
#[path = "common/run.rs"]
mod run;
#[path = "common/sipp.rs"]
#[allow(dead_code)] // Shared with tests/interop.rs, which uses the rest.
mod sipp;

use buurtbel::media::g711;
use buurtbel::speech::prompts::{Prompt, PromptContext};
use buurtbel::speech::{Language, Speech, SpeechSettings};
use forger::Forger;
use run::{Output, Run, run_call, trace_dir};
use serde_json::Value;
use sipp::{Ports, Sipp, SippOptions, Transport};
use std::f32::consts::TAU;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A short code: dialled as `sip:1234@127.0.0.1`.
const CALLEE: &str = "1234";
const CALLER_ID: &str = "+3211000000";
/// Samples per second, and per millisecond, of every prompt and message here.
const RATE: u32 = 8000;
const PER_MS: usize = 8;
/// One RTP packet: 20 ms.
const FRAME: usize = 160;
/// The test prompts: 300 ms tones, distinct from each other and from the messages.
const INTRO: Tone = Tone::single(600.0, 300);
const MENU: Tone = Tone::single(800.0, 300);
const THANKS: Tone = Tone::single(500.0, 300);
const VOICEMAIL: Tone = Tone::single(700.0, 300);
const LISTEN_FIRST: Tone = Tone::single(900.0, 300);
const PROMPT_MS: u64 = 300;
/// The silence after each menu prompt (`media.key_wait`), and the rounds.
const KEY_WAIT_MS: u64 = 1_000;
const ROUNDS: u64 = 2;
/// The default message: 1 s of 440 Hz.
const MESSAGE: Tone = Tone::single(440.0, 1_000);
/// Prompt and message level: a peak of 8000 (about −9 dBm0).
const LEVEL: f32 = 8_000.0;
/// An `rtp_timeout` (the silence before a probe) that only the probe tests reach: SIPp sends
/// no RTP unless told to.
const NO_RTP_TIMEOUT: &str = "12s";
/// How long buurtbel may take for one call before the test kills it.
const CALL_DEADLINE: Duration = Duration::from_secs(40);

#[test]
fn rfc4733_key_1_on_the_answers_payload_type_acknowledges() {
    // SIPp's play_dtmf: PT 97 filler, then the event on PT 96, which only the answer names.
    let run = MediaCall::new("uas_media_dtmf.xml").run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "acknowledged");
    run.assert_field("sip_status", 200);
    run.assert_field("hung_up_by", "local");
    run.assert_field("codec", "PCMA");
    run.assert_field("message_plays", 1);
    // One press, although the event came in 13 packets, the last three end packets.
    run.assert_keys(&[('1', "rfc4733")]);
    // Pressed in the first key wait: 1.6 s to 2.6 s into the program.
    let at = run.key_at(0);
    assert!(
        (1_500..=2_700).contains(&at),
        "key at {at} ms\n{}",
        run.explain()
    );
    run.assert_thanks_then_bye(at);
}

#[test]
fn rfc4733_key_1_during_the_first_message_confirms_nothing() {
    // The shipped pcap, PT 101, sent 0.6 s after the ACK: in the middle of the message, which
    // the member has not heard to its end yet. The "listen first" prompt interrupts it, the
    // message resumes where it stopped, and the menu rounds end without a confirmation.
    let run = MediaCall::new("uas_media_pcap_dtmf.xml").run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("hung_up_by", "local");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[('1', "rfc4733")]);
    let at = run.key_at(0);
    let message = PROMPT_MS..PROMPT_MS + MESSAGE.ms;
    assert!(message.contains(&at), "key at {at} ms\n{}", run.explain());
    // The whole program, and the prompt on top of it: nothing was skipped.
    let program = PROMPT_MS + MESSAGE.ms + ROUNDS * (PROMPT_MS + KEY_WAIT_MS) + PROMPT_MS;
    run.assert_between("played_ms", program - 60, program + 60);
}

#[test]
fn rfc4733_key_1_while_machine_detection_listens_confirms_nothing() {
    // The same key 0.6 s after the ACK, while buurtbel still listens for an answering machine:
    // a key means a person, who hears "listen first" and then the whole program.
    let mut call = MediaCall::new("uas_media_pcap_dtmf.xml");
    call.machine_detection = true;
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("machine", "human");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[('1', "rfc4733")]);
}

#[test]
fn rfc4733_key_1_during_the_intro_then_again_after_the_message_acknowledges() {
    let run = MediaCall::new("uas_media_early_dtmf.xml").run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "acknowledged");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[('1', "rfc4733"), ('1', "rfc4733")]);
    let (early, asked) = (run.key_at(0), run.key_at(1));
    assert!(
        early < PROMPT_MS,
        "first 1 at {early} ms\n{}",
        run.explain()
    );
    // Intro, "listen first" and message: the second 1 comes after all three.
    let heard = 2 * PROMPT_MS + MESSAGE.ms;
    assert!(asked >= heard, "second 1 at {asked} ms\n{}", run.explain());
    run.assert_thanks_then_bye(asked);
}

#[test]
fn inband_key_1_in_streamed_alaw_acknowledges() {
    // 150 ms of DTMF 1 at −10 dBm0 per tone, in the first key wait.
    assert_inband_1_acknowledges(-10.0, 150, 0);
}

#[test]
fn inband_key_1_at_the_detection_limits_acknowledges() {
    // The weakest and shortest tone issue 3 asks to detect, −25 dBm0 per tone for 40 ms,
    // starting 7 ms into a packet so that it straddles three packets.
    assert_inband_1_acknowledges(-25.0, 40, 7);
}

/// SIPp streams A-law from the ACK on: 1.8 s (and `shift_ms`) of silence, a DTMF 1 of
/// `tone_ms` at `dbm0` per tone, 1.2 s of silence. The tone falls in the first key wait.
fn assert_inband_1_acknowledges(dbm0: f32, tone_ms: u64, shift_ms: u64) {
    let peak = g711::DBM0_PEAK * 10f32.powf(dbm0 / 20.0);
    let mut audio = silence_samples(1_800 + shift_ms);
    audio.extend(Tone::dual(697.0, 1209.0, tone_ms).samples(peak));
    audio.extend(silence_samples(1_200));
    let mut call = MediaCall::new("uas_media_stream.xml");
    call.stream = Some(audio);
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "acknowledged");
    run.assert_field("codec", "PCMA");
    run.assert_keys(&[('1', "inband")]);
    let at = run.key_at(0);
    assert!(
        (1_750..=2_300).contains(&at),
        "key at {at} ms\n{}",
        run.explain()
    );
    run.assert_thanks_then_bye(at);
    // The stream arrived whole: 20 ms packets, none lost.
    run.assert_between("rtp_received", 50, 200);
    run.assert_field("rtp_lost", 0);
}

#[test]
fn speech_from_the_phone_raises_no_key() {
    // Talk-off over the real path: the phone streams the project's own spoken prompts
    // (nl, fr, de, en menus: "press 1 … press 2 …") while the 8.9 s program plays.
    let cache = tempfile::tempdir().expect("cache folder");
    let engine = Speech::new(SpeechSettings {
        prompts: Path::new(env!("CARGO_MANIFEST_DIR")).join("voices"),
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .expect("built-in speech");
    let context = PromptContext {
        network: "Testwijk",
        callback: "",
    };
    let mut speech = Vec::new();
    for lang in Language::ALL {
        let menu = engine.prompt(lang, Prompt::Menu, &context, 1.0);
        speech.extend(menu.expect("menu").iter());
    }
    let mut call = MediaCall::new("uas_media_stream.xml");
    call.message = Tone::single(440.0, 6_000);
    call.stream = Some(speech);
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_keys(&[]);
    // Speech arrived the whole time.
    run.assert_between("rtp_received", 400, 460);
}

#[test]
fn rfc4733_key_beside_streamed_audio_acknowledges() {
    // Audio on one SSRC, the key (the shipped pcap, PT 101) on another, same port.
    let mut call = MediaCall::new("uas_media_stream_dtmf.xml");
    call.stream = Some(silence_samples(4_000));
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "acknowledged");
    run.assert_keys(&[('1', "rfc4733")]);
    let at = run.key_at(0);
    let first_wait = 2 * PROMPT_MS + MESSAGE.ms..2 * PROMPT_MS + MESSAGE.ms + KEY_WAIT_MS;
    assert!(
        first_wait.contains(&at),
        "key at {at} ms\n{}",
        run.explain()
    );
    run.assert_thanks_then_bye(at);
    // The audio kept coming while the key was pressed, one packet per 20 ms.
    let played = run.number("played_ms");
    run.assert_between("rtp_received", played / 20 - 10, played / 20 + 2);
}

#[test]
fn forged_rfc4733_1s_from_another_port_and_address_never_confirm() {
    // SIPp streams audio and presses nothing. One forger sends `1`s from 127.0.0.2 from
    // before the answer on (first in line, were any source latched); another from a port of
    // SIPp's own address once SIPp's audio has flowed for half a second (its scenario says
    // when). Each sends a whole event every 100 ms, through every menu and key wait.
    let mut call = MediaCall::new("uas_media_forged.xml");
    call.stream = Some(silence_samples(5_000));
    call.forge = true;
    let run = call.run();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_keys(&[]);
    run.assert_sipp_passed();
    run.assert_field("message_plays", 1);
    assert!(run.number("rtp_received") > 100, "{}", run.explain());
    // Both forgers sent, reached the call's port, and were refused there.
    assert_eq!(run.forged.len(), 2);
    for (from, events) in &run.forged {
        assert!(*events > 0, "the forger on {from} sent nothing");
        let address = format!("{from} ");
        let refusal = |line: &&str| line.contains("dropping RTP") && line.contains(&address);
        assert!(
            run.buurtbel.stderr.lines().any(|line| refusal(&line)),
            "no refusal logged for {from}\n{}",
            run.explain()
        );
    }
    assert!(run.number("rtp_refused") >= 8, "{}", run.explain());
}

#[test]
fn key_2_repeats_the_message_then_key_1_acknowledges() {
    let run = MediaCall::new("uas_media_repeat.xml").run();
    run.assert_repeat_then_acknowledged("rfc4733");
}

#[test]
fn sip_info_keys_2_then_1_repeat_then_acknowledge() {
    // 2 as application/dtmf-relay, 1 as application/dtmf; SIPp checks our 200s.
    let run = MediaCall::new("uas_media_info.xml").run();
    run.assert_repeat_then_acknowledged("info");
}

#[test]
fn no_key_ends_answered_no_ack_after_every_round() {
    let run = MediaCall::new("uas_media_silent.xml").run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("hung_up_by", "local");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[]);
    // intro + message + rounds × (menu + key wait), each segment in whole 20 ms packets.
    let program = PROMPT_MS + MESSAGE.ms + ROUNDS * (PROMPT_MS + KEY_WAIT_MS);
    run.assert_between("played_ms", program - 40, program + 40);
    run.assert_one_packet_per_frame();
    let talk = run.number("talk_ms");
    assert!(
        (program..program + 1_000).contains(&talk),
        "talk_ms {talk} vs program {program} ms\n{}",
        run.explain()
    );
    run.assert_field("rtp_received", 0);
    run.assert_field("machine", Value::Null);
}

#[test]
fn with_listen_a_phone_streaming_silence_hears_the_program_after_two_seconds() {
    // Someone picks up and says nothing: the detector's initial silence (2 s) makes them a
    // person, and the whole program follows.
    let mut call = MediaCall::new("uas_media_stream.xml");
    call.machine_detection = true;
    call.stream = Some(silence_samples(7_000));
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("machine", "human");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[]);
    let program = PROMPT_MS + MESSAGE.ms + ROUNDS * (PROMPT_MS + KEY_WAIT_MS);
    run.assert_between("played_ms", program + 1_960, program + 2_200);
    run.assert_one_packet_per_frame();
    run.assert_between("rtp_received", 250, 352);
}

#[test]
fn with_listen_an_answering_machine_gets_the_message_after_its_beep() {
    // SIPp streams a spoken greeting, a 1 kHz beep of 400 ms, then silence: buurtbel waits for
    // the beep's end, then plays intro, message and voicemail notice once, and hangs up.
    let cache = tempfile::tempdir().expect("cache folder");
    let engine = Speech::new(SpeechSettings {
        cache_dir: cache.path().to_owned(),
        ..SpeechSettings::default()
    })
    .expect("built-in speech");
    let greeting = engine
        .render(
            "hallo, u bent verbonden met de voicemail van jan peeters. spreek een bericht in na de toon.",
            Language::Nl,
            1.0,
        )
        .expect("greeting");
    let mut stream = greeting.samples.to_vec();
    let beep_end = (stream.len() / PER_MS) as u64 + 400;
    stream.extend(Tone::single(1_000.0, 400).samples(LEVEL));
    stream.extend(silence_samples(4_000));
    let mut call = MediaCall::new("uas_media_stream.xml");
    call.machine_detection = true;
    call.stream = Some(stream);
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "voicemail");
    run.assert_field("machine", "machine");
    run.assert_field("message_plays", 1);
    run.assert_field("hung_up_by", "local");
    // Silence until the beep ends, then 0.3 + 1 + 0.3 s. `played_ms` counts from our first
    // packet, on the pacer's first 20 ms tick after the answer, while SIPp streams from our
    // ACK: up to a frame later; and the beep ends within a packet.
    let spoken = PROMPT_MS + MESSAGE.ms + PROMPT_MS;
    run.assert_between("played_ms", beep_end + spoken - 40, beep_end + spoken + 200);
    run.assert_one_packet_per_frame();
}

#[test]
fn silent_phone_that_answers_the_probe_hears_the_whole_program() {
    // The silent phone sends no RTP at all; after 1 s of silence we ask it with an in-dialog
    // OPTIONS, SIPp answers 200 (its default `pingreply`), and the program plays to its end:
    // 0.3 + 5 + 2 × 1.3 s.
    let mut call = MediaCall::new("uas_media_silent.xml");
    call.message = Tone::single(440.0, 5_000);
    call.rtp_timeout = "1s";
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("hung_up_by", "local");
    run.assert_field("reason", Value::Null);
    run.assert_between("played_ms", 7_800, 8_100);
    let probes = run.sipp.received_requests();
    let probes = probes.iter().filter(|r| r.starts_with("OPTIONS ")).count();
    assert!(probes >= 2, "{probes} probes\n{}", run.explain());
}

#[test]
fn vanished_far_end_is_hung_up_when_the_probe_goes_unanswered() {
    // The phone streams 1.5 s of audio, then sends nothing and answers nothing (SIPp without
    // default behaviours ignores our OPTIONS). 1 s after the last packet we probe; 16 s
    // later, no answer: BYE. Counting from the start instead would end 1.5 s earlier.
    let mut call = MediaCall::new("uas_media_stream.xml");
    call.sipp_args = &["-default_behaviors", "none"];
    call.message = Tone::single(440.0, 30_000);
    call.rtp_timeout = "1s";
    call.stream = Some(silence_samples(1_500));
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("hung_up_by", "local");
    run.assert_field("reason", "far_end_gone");
    run.assert_between("rtp_received", 70, 76);
    run.assert_between("talk_ms", 18_300, 20_500);
}

#[test]
fn phone_hanging_up_mid_message_ends_the_call_at_once() {
    // SIPp sends BYE 1 s after the ACK; the message alone lasts 5 s and the whole program
    // 0.3 + 5 + 2 × 1.3 = 7.9 s. buurtbel must stop playing when the BYE comes, answer it
    // (SIPp checks the 200) and exit: it is killed if it still runs after 4 s.
    let mut call = MediaCall::new("uas_media_remote_bye.xml");
    call.message = Tone::single(440.0, 5_000);
    call.deadline = Duration::from_secs(4);
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("hung_up_by", "remote");
    run.assert_field("message_plays", 1);
    run.assert_keys(&[]);
    // Playback stopped with the BYE, about 1 s in: well inside the message (0.3 s to 5.3 s).
    run.assert_between("played_ms", 800, 1_500);
    run.assert_between("talk_ms", 800, 1_500);
    run.assert_one_packet_per_frame();
}

#[test]
fn alaw_echo_holds_the_message_sample_for_sample() {
    assert_echo_is_the_program("uas_media_echo.xml", "PCMA");
}

#[test]
fn ulaw_echo_holds_the_message_sample_for_sample() {
    assert_echo_is_the_program("uas_media_echo_pcmu.xml", "PCMU");
}

/// SIPp echoes every packet; buurtbel records what comes back. The message is 600 ms of
/// 440 Hz then 600 ms of 1 kHz. Asserted: the recording, from its first sample, is exactly
/// the one-round program (intro, message, menu, key-wait silence) passed through the
/// negotiated G.711 law — every sample, in order, no packet lost, added or moved — bar at
/// most the last few packets still in flight when buurtbel hung up; the message sits right
/// after the intro; and the recorded message matches the original WAV samples with a
/// signal-to-noise ratio of G.711's quantisation (≥ 30 dB).
fn assert_echo_is_the_program(scenario: &'static str, codec: &str) {
    let mut call = MediaCall::new(scenario);
    call.sipp_args = &["-rtp_echo"];
    call.record = true;
    call.rounds = 1;
    call.message = Tone::single(440.0, 600);
    call.message_tail = Some(Tone::single(1_000.0, 600));
    let message = call.message_samples();
    let run = call.run();
    run.assert_sipp_passed();
    run.assert_field("outcome", "answered_no_ack");
    run.assert_field("codec", codec);
    run.assert_field("rtp_lost", 0);
    let sent = run.number("rtp_sent");
    let received = run.number("rtp_received");
    assert!(
        received + 3 >= sent && received <= sent,
        "echo: {received} of {sent} packets came back\n{}",
        run.explain()
    );

    let round_trip = |samples: &[i16]| -> Vec<i16> {
        match codec {
            "PCMA" => g711::decode_alaw(&g711::encode_alaw(samples)),
            _ => g711::decode_ulaw(&g711::encode_ulaw(samples)),
        }
    };
    // What buurtbel sends: each segment in whole 20 ms packets, padded with the codec's
    // silence; the key wait is silence.
    let silence = round_trip(&[0])[0];
    let mut program = Vec::new();
    for segment in [
        INTRO.samples(LEVEL),
        message.clone(),
        MENU.samples(LEVEL),
        silence_samples(KEY_WAIT_MS),
    ] {
        let mut segment = round_trip(&segment);
        segment.resize(segment.len().div_ceil(FRAME) * FRAME, silence);
        program.extend(segment);
    }
    let recording = run.recording();
    let shared = recording.len().min(program.len());
    assert!(
        recording.len() + 3 * FRAME >= program.len(),
        "recording of {} samples for a program of {}\n{}",
        recording.len(),
        program.len(),
        run.explain()
    );
    if let Some(first) = (0..shared).find(|&i| recording[i] != program[i]) {
        panic!(
            "recording differs from the program at sample {first} (packet {}, {} ms): \
             {:?} vs {:?}; the message is found at {:?} (expected {})\n{}",
            first / FRAME,
            first / PER_MS,
            &recording[first..(first + 8).min(shared)],
            &program[first..(first + 8).min(shared)],
            find(&recording, &round_trip(&message)),
            ms_to_samples(PROMPT_MS),
            run.explain()
        );
    }
    assert_eq!(
        find(&recording, &round_trip(&message)),
        Some(ms_to_samples(PROMPT_MS)),
        "the message right after the intro\n{}",
        run.explain()
    );
    let start = ms_to_samples(PROMPT_MS);
    let snr = snr_db(&message, &recording[start..start + message.len()]);
    assert!(snr >= 30.0, "SNR {snr:.1} dB\n{}", run.explain());
}

/// One call of the program against SIPp.
struct MediaCall {
    /// The scenario file under `tests/sipp/`.
    scenario: &'static str,
    /// More arguments for SIPp (`-rtp_echo`).
    sipp_args: &'static [&'static str],
    /// The message, and an optional second part played right after it.
    message: Tone,
    message_tail: Option<Tone>,
    /// `media.rtp_timeout` and `media.menu_rounds`.
    rtp_timeout: &'static str,
    rounds: u64,
    /// `--record`, read back into [`MediaRun::recording`].
    record: bool,
    /// What `uas_media_stream*.xml` stream: written A-law encoded, as `stream.alaw` in
    /// SIPp's working directory.
    stream: Option<Vec<i16>>,
    /// buurtbel is killed, and the test fails, if it runs longer than this.
    deadline: Duration,
    /// `media.machine_detection`.
    machine_detection: bool,
    /// Run the two forgers of `uas_media_forged.xml` beside the call.
    forge: bool,
}

impl MediaCall {
    fn new(scenario: &'static str) -> MediaCall {
        MediaCall {
            scenario,
            sipp_args: &[],
            message: MESSAGE,
            message_tail: None,
            rtp_timeout: NO_RTP_TIMEOUT,
            rounds: ROUNDS,
            record: false,
            stream: None,
            deadline: CALL_DEADLINE,
            machine_detection: false,
            forge: false,
        }
    }

    fn message_samples(&self) -> Vec<i16> {
        let mut samples = self.message.samples(LEVEL);
        if let Some(tail) = self.message_tail {
            samples.extend(tail.samples(LEVEL));
        }
        samples
    }

    /// Writes the prompts, message and configuration, starts SIPp, places the call and
    /// waits for both to finish.
    fn run(self) -> MediaRun {
        let dir = trace_dir(self.scenario);
        let ports = Ports::reserve();
        let voices = dir.path().join("voices");
        let nl = voices.join("nl");
        std::fs::create_dir_all(&nl).expect("voices folder");
        for (name, tone) in [
            ("intro", INTRO),
            ("menu", MENU),
            ("thanks", THANKS),
            ("voicemail", VOICEMAIL),
            ("listen_first", LISTEN_FIRST),
        ] {
            write_wav(&nl.join(format!("{name}.wav")), &tone.samples(LEVEL));
        }
        let message = dir.path().join("message.wav");
        write_wav(&message, &self.message_samples());
        if let Some(stream) = &self.stream {
            let alaw = g711::encode_alaw(stream);
            std::fs::write(dir.path().join("stream.alaw"), alaw).expect("write stream.alaw");
        }
        let config = self.write_config(dir.path(), &ports);
        let recording = dir.path().join("recording.wav");

        let options = SippOptions {
            scenario: self.scenario,
            transport: Transport::Udp,
            calls: 1,
        };
        let sipp = Sipp::start_with_args(&options, &ports, dir.path(), self.sipp_args);
        let mut args = vec![
            "--wav".into(),
            message.into_os_string(),
            "--voices".into(),
            voices.into_os_string(),
            "--lang".into(),
            "nl".into(),
        ];
        if self.record {
            args.extend(["--record".into(), recording.clone().into_os_string()]);
        }
        let forgers = if self.forge {
            start_forgers(&ports, dir.path())
        } else {
            Vec::new()
        };
        let buurtbel = run_buurtbel(&config, &args, dir.path(), self.deadline);
        let forged = forgers.into_iter().map(stop_forger).collect();
        let sipp = sipp.finish();
        MediaRun {
            run: Run {
                buurtbel,
                sipp,
                _dir: dir,
            },
            recording: self.record.then_some(recording),
            forged,
        }
    }

    fn write_config(&self, dir: &Path, ports: &Ports) -> PathBuf {
        let text = format!(
            "[sip]\n\
             bind = \"127.0.0.1:0\"\n\
             transport = \"udp\"\n\
             t1 = \"500ms\"\n\
             \n\
             [trunk]\n\
             proxy = \"127.0.0.1:{proxy}\"\n\
             domain = \"127.0.0.1\"\n\
             caller_id = \"{CALLER_ID}\"\n\
             max_channels = 4\n\
             ring_timeout = \"10s\"\n\
             \n\
             [media]\n\
             rtp_ports = \"{rtp_low}-{rtp_high}\"\n\
             codecs = [\"PCMA\", \"PCMU\"]\n\
             rtp_timeout = \"{rtp_timeout}\"\n\
             menu_rounds = {rounds}\n\
             key_wait = \"{KEY_WAIT_MS}ms\"\n\
             machine_detection = {detection}\n",
            detection = self.machine_detection,
            proxy = ports.sip,
            rtp_low = ports.rtp_low,
            rtp_high = ports.rtp_high,
            rtp_timeout = self.rtp_timeout,
            rounds = self.rounds,
        );
        let path = dir.join("buurtbel.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }
}

/// A finished media call, where its recording went, and where forged keys came from.
struct MediaRun {
    run: Run,
    recording: Option<PathBuf>,
    /// Each forger's address and the events it sent.
    forged: Vec<(SocketAddr, u64)>,
}

impl std::ops::Deref for MediaRun {
    type Target = Run;

    fn deref(&self) -> &Run {
        &self.run
    }
}

impl MediaRun {
    /// The `dtmf` array, as (digit, via) pairs in order.
    fn assert_keys(&self, expected: &[(char, &str)]) {
        let report = self.report();
        let keys: Vec<(char, String)> = report
            .get("dtmf")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no `dtmf` array in {report}\n{}", self.explain()))
            .iter()
            .map(|key| {
                let digit = key["digit"].as_str().and_then(|d| d.chars().next());
                let via = key["via"].as_str().unwrap_or_default().to_owned();
                (digit.unwrap_or('?'), via)
            })
            .collect();
        let expected: Vec<(char, String)> = expected
            .iter()
            .map(|&(digit, via)| (digit, via.to_owned()))
            .collect();
        assert_eq!(keys, expected, "`dtmf` in {report}\n{}", self.explain());
    }

    /// When key `index` arrived, in ms since the media started.
    fn key_at(&self, index: usize) -> u64 {
        let report = self.report();
        report["dtmf"][index]["at_ms"]
            .as_u64()
            .unwrap_or_else(|| panic!("no key {index} in {report}\n{}", self.explain()))
    }

    /// After a 1 at `at` ms the program plays the whole thank-you, at once, and hangs up.
    fn assert_thanks_then_bye(&self, at: u64) {
        self.assert_field("hung_up_by", "local");
        let played = self.number("played_ms");
        assert!(
            (at + PROMPT_MS - 40..=at + PROMPT_MS + 80).contains(&played),
            "key at {at} ms, then the {PROMPT_MS} ms thank-you: played {played} ms\n{}",
            self.explain()
        );
        self.assert_one_packet_per_frame();
    }

    /// Every 20 ms of program went out as one RTP packet.
    fn assert_one_packet_per_frame(&self) {
        let played = self.number("played_ms");
        let sent = self.number("rtp_sent");
        assert_eq!(
            sent * 20,
            played,
            "rtp_sent {sent} for played_ms {played}\n{}",
            self.explain()
        );
    }

    /// 2 in the first key wait, the message again, 1 in the next key wait.
    fn assert_repeat_then_acknowledged(&self, via: &str) {
        self.assert_sipp_passed();
        self.assert_field("outcome", "acknowledged");
        self.assert_field("message_plays", 2);
        self.assert_keys(&[('2', via), ('1', via)]);
        let (two, one) = (self.key_at(0), self.key_at(1));
        let first_wait = 2 * PROMPT_MS + MESSAGE.ms;
        assert!(
            (first_wait..first_wait + KEY_WAIT_MS).contains(&two),
            "2 at {two} ms, in the first key wait\n{}",
            self.explain()
        );
        // After the 2: the message again, the menu, then the 1 in the key wait.
        let second_wait = two + MESSAGE.ms + PROMPT_MS;
        assert!(
            (second_wait - 60..second_wait + KEY_WAIT_MS).contains(&one),
            "1 at {one} ms, after the repeated message and menu (from {second_wait} ms)\n{}",
            self.explain()
        );
        self.assert_thanks_then_bye(one);
    }

    /// The far end's audio buurtbel recorded.
    fn recording(&self) -> Vec<i16> {
        let path = self.recording.as_ref().expect("a call with --record");
        let mut reader = hound::WavReader::open(path)
            .unwrap_or_else(|e| panic!("recording {}: {e}\n{}", path.display(), self.explain()));
        let spec = reader.spec();
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (RATE, 1, 16),
            "recording format"
        );
        reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("recording samples")
    }
}

/// A forger on 127.0.0.2 at once, and one on SIPp's address once SIPp has created the file
/// `answered`; both aim at every port of buurtbel's RTP range.
fn start_forgers(ports: &Ports, dir: &Path) -> Vec<Forger> {
    let range = ports.rtp_low..=ports.rtp_high;
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let answered = Some(dir.join("answered"));
    vec![
        Forger::start(elsewhere, range.clone(), None),
        Forger::start(IpAddr::V4(Ipv4Addr::LOCALHOST), range, answered),
    ]
}

/// Stops a forger; returns its address and how many events it sent.
fn stop_forger(forger: Forger) -> (SocketAddr, u64) {
    (forger.from(), forger.stop())
}

/// Runs `buurtbel call --to CALLEE --json ARGS…`, output into files under `dir`.
fn run_buurtbel(
    config: &Path,
    args: &[std::ffi::OsString],
    dir: &Path,
    deadline: Duration,
) -> Output {
    let mut all: Vec<std::ffi::OsString> = ["--to", CALLEE, "--json"].map(Into::into).to_vec();
    all.extend_from_slice(args);
    run_call(config, &all, dir, deadline)
}

/// A steady tone of one or two frequencies.
#[derive(Debug, Clone, Copy)]
struct Tone {
    hz: [f32; 2],
    ms: u64,
}

impl Tone {
    const fn single(hz: f32, ms: u64) -> Tone {
        Tone { hz: [hz, 0.0], ms }
    }

    const fn dual(low: f32, high: f32, ms: u64) -> Tone {
        Tone {
            hz: [low, high],
            ms,
        }
    }

    /// 8 kHz samples; each frequency has this peak.
    fn samples(&self, peak: f32) -> Vec<i16> {
        (0..ms_to_samples(self.ms))
            .map(|n| {
                let t = n as f32 / RATE as f32;
                let value: f32 = self
                    .hz
                    .iter()
                    .filter(|hz| **hz > 0.0)
                    .map(|hz| peak * (TAU * hz * t).sin())
                    .sum();
                value.round() as i16
            })
            .collect()
    }
}

fn silence_samples(ms: u64) -> Vec<i16> {
    vec![0; ms_to_samples(ms)]
}

fn ms_to_samples(ms: u64) -> usize {
    usize::try_from(ms).expect("ms") * PER_MS
}

fn write_wav(path: &Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create WAV");
    for sample in samples {
        writer.write_sample(*sample).expect("write WAV");
    }
    writer.finalize().expect("finish WAV");
}

/// Where `needle` occurs in `haystack`, sample for sample.
fn find(haystack: &[i16], needle: &[i16]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Signal-to-noise ratio of `received` against `original`, in dB.
fn snr_db(original: &[i16], received: &[i16]) -> f64 {
    let (signal, noise) =
        original
            .iter()
            .zip(received)
            .fold((0.0, 0.0), |(signal, noise), (&o, &r)| {
                let error = f64::from(r) - f64::from(o);
                (signal + f64::from(o).powi(2), noise + error * error)
            });
    10.0 * (signal / noise.max(1.0)).log10()
}
