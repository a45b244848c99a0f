//! A session playing the call-back playlist: each item's confirmation said once, as it is
//! accepted, and the playlist's own end.

use super::event_tests::events;
use super::tests::{PHONE, Phone, run_from, setup_for};
use super::*;
use crate::media::playlist::{ItemAudio, PlaylistAudio, PlaylistSettings};
use crate::media::program::FRAME_BYTES;
use crate::media::rtp::RtpPacket;
use std::sync::Arc;

fn clip(byte: u8, frames: usize) -> Arc<[u8]> {
    Arc::from(vec![byte; frames * FRAME_BYTES])
}

/// Greeting 2 frames; two items without intro, messages of 5 frames; menu 3 frames and one
/// round with a 100 ms wait; thanks 2, goodbye 2.
fn playlist() -> SessionSetup {
    let item = |byte| ItemAudio {
        intro: Arc::from([]),
        message: clip(byte, 5),
    };
    let audio = PlaylistAudio {
        greeting: clip(0x61, 2),
        items: vec![item(0x71), item(0x72)],
        menu: clip(0x22, 3),
        thanks: clip(0x33, 2),
        listen_first: clip(0x55, 2),
        goodbye: clip(0x66, 2),
        silence: 0xD5,
    };
    let settings = PlaylistSettings {
        menu_rounds: 1,
        key_wait: Duration::from_millis(100),
    };
    setup_for(Script::Playlist { audio, settings })
}

#[test]
fn an_item_confirmation_is_said_once_at_the_key_and_the_playlist_end_last() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, playlist());
    let mut phone = Phone::new();
    // Greeting at 0-20 ms, item 0 from 40: a 3 at 60 skips it. Item 1 plays 60-140 ms, its
    // menu from 160: the 1 at 180 confirms it, its end packets repeated.
    let said = events(&mut session, start, 2_000, |ms| match ms {
        60 => vec![phone.event(3, true, 9000)],
        180 | 200 => (0..3).map(|_| phone.event(1, true, 12_000)).collect(),
        _ => vec![phone.audio(&[0; 160])],
    });
    let keys: Vec<char> = said
        .iter()
        .filter_map(|(_, e)| match e {
            MediaEvent::Key(digit) => Some(digit.digit),
            _ => None,
        })
        .collect();
    assert_eq!(keys, ['3', '1']);
    let rest: Vec<(u64, MediaEvent)> = said
        .into_iter()
        .filter(|(_, e)| !matches!(e, MediaEvent::Key(_)))
        .collect();
    assert_eq!(
        rest,
        [
            (180, MediaEvent::ItemConfirmed(1)),
            (260, MediaEvent::Ended(MediaEnd::Playlist)),
        ],
        "confirmed with the key, before the thank-you; over after thanks and goodbye"
    );
    assert_eq!(session.end(), Some(MediaEnd::Playlist));
    assert_eq!(
        session.items(),
        [
            ItemOutcome {
                heard: false,
                confirmed: false,
                starts: 1
            },
            ItemOutcome {
                heard: true,
                confirmed: true,
                starts: 1
            },
        ]
    );
    assert!(
        !session.confirmed(),
        "the alert program's confirmation only"
    );
    assert_eq!(session.message_starts(), 2);
}

#[test]
fn a_playlist_without_keys_plays_through_and_confirms_nothing() {
    let start = Instant::ZERO;
    let mut session = MediaSession::new(start, start, playlist());
    let mut phone = Phone::new();
    let phone_at: SocketAddr = PHONE.parse().unwrap();
    // The far end talks loudly all along: a playlist has no detector to tell it anything.
    let loud: Vec<i16> = (0..160)
        .map(|n| if n % 2 == 0 { 12_000 } else { -12_000 })
        .collect();
    let sent = run_from(&mut session, start, 60_000, |_| {
        vec![(phone_at, phone.audio(&loud))]
    });
    let firsts: Vec<u8> = sent
        .iter()
        .map(|p| RtpPacket::parse(p).unwrap().payload[0])
        .collect();
    let item = |byte| [vec![byte; 5], vec![0x22; 3], vec![0xD5; 5]].concat();
    let expected = [vec![0x61; 2], item(0x71), item(0x72), vec![0x66; 2]].concat();
    assert_eq!(firsts, expected);
    assert_eq!(session.end(), Some(MediaEnd::Playlist));
    assert_eq!(session.answerer(), None);
    assert!(session.items().iter().all(|o| o.heard && !o.confirmed));
    assert_eq!(session.stats().played, FRAME * 30);
}
