//! Tests of the parent module. Each segment is filled with its own byte, and time is the count
//! of frames handed out: a key "at n" is pressed right after the n-th frame.

use super::*;

const SILENT: u8 = 0xD5;

fn clip(byte: u8, frames: usize) -> Arc<[u8]> {
    Arc::from(vec![byte; frames * FRAME_BYTES])
}

/// Greeting 2 frames (1); item 0: intro 1 (10), message 3 (11); item 1: intro 1 (20),
/// message 2 (21); menu 2 (3), thanks 1 (4), listen first 1 (6), goodbye 1 (9).
fn audio() -> PlaylistAudio {
    PlaylistAudio {
        greeting: clip(1, 2),
        items: vec![
            ItemAudio {
                intro: clip(10, 1),
                message: clip(11, 3),
            },
            ItemAudio {
                intro: clip(20, 1),
                message: clip(21, 2),
            },
        ],
        menu: clip(3, 2),
        thanks: clip(4, 1),
        listen_first: clip(6, 1),
        goodbye: clip(9, 1),
        silence: SILENT,
    }
}

/// Two rounds of menu and a 60 ms (3 frame) wait.
fn settings() -> PlaylistSettings {
    PlaylistSettings {
        menu_rounds: 2,
        key_wait: Duration::from_millis(60),
    }
}

/// Both menu rounds without a key.
const UNANSWERED: [u8; 10] = [3, 3, SILENT, SILENT, SILENT, 3, 3, SILENT, SILENT, SILENT];

/// The first byte of each frame until the playlist is over, and each confirmation taken with
/// the frame count it was taken at.
fn play(playlist: &mut Playlist, keys: &[(usize, char)]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut heard = Vec::new();
    let mut confirmed = Vec::new();
    while let Some(frame) = playlist.next_frame() {
        heard.push(frame[0]);
        for (_, key) in keys.iter().filter(|(at, _)| *at == heard.len()) {
            playlist.handle_digit(*key);
        }
        confirmed
            .extend(std::iter::from_fn(|| playlist.take_confirmed()).map(|i| (heard.len(), i)));
    }
    (heard, confirmed)
}

fn outcome(heard: bool, confirmed: bool, starts: u32) -> ItemOutcome {
    ItemOutcome {
        heard,
        confirmed,
        starts,
    }
}

#[test]
fn no_key_plays_every_item_unconfirmed_then_the_goodbye() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[]);
    let expected = [
        &[1, 1, 10, 11, 11, 11][..],
        &UNANSWERED,
        &[20, 21, 21],
        &UNANSWERED,
        &[9],
    ]
    .concat();
    assert_eq!(heard, expected);
    assert_eq!(confirmed, []);
    assert_eq!(
        playlist.outcomes(),
        [outcome(true, false, 1), outcome(true, false, 1)]
    );
    assert!(playlist.is_over());
    assert_eq!(playlist.current_item(), None);
    assert_eq!(playlist.played(), FRAME * 30);
    assert_eq!(playlist.next_frame(), None);
}

#[test]
fn one_after_hearing_the_message_confirms_that_item_and_moves_on_after_the_thanks() {
    let mut playlist = Playlist::new(audio(), settings());
    // Frame 7 is the first of item 0's menu.
    let (heard, confirmed) = play(&mut playlist, &[(7, '1')]);
    assert_eq!(&heard[..11], [1, 1, 10, 11, 11, 11, 3, 4, 20, 21, 21]);
    assert_eq!(confirmed, [(7, 0)]);
    assert_eq!(
        playlist.outcomes(),
        [outcome(true, true, 1), outcome(true, false, 1)]
    );
    assert!(playlist.is_over());
}

#[test]
fn one_on_the_second_item_confirms_exactly_that_item() {
    let mut playlist = Playlist::new(audio(), settings());
    // Item 1's message ends at frame 2 + 4 + 10 + 3 = 19; its menu starts at 20.
    let (heard, confirmed) = play(&mut playlist, &[(20, '1')]);
    assert_eq!(&heard[16..], [20, 21, 21, 3, 4, 9]);
    assert_eq!(confirmed, [(20, 1)]);
    assert_eq!(
        playlist.outcomes(),
        [outcome(true, false, 1), outcome(true, true, 1)]
    );
}

#[test]
fn the_confirmation_is_taken_once_at_the_key_before_the_thanks_plays() {
    let mut playlist = Playlist::new(audio(), settings());
    for _ in 0..7 {
        playlist.next_frame();
    }
    assert_eq!(playlist.take_confirmed(), None);
    playlist.handle_digit('1');
    playlist.handle_digit('1');
    assert_eq!(playlist.take_confirmed(), Some(0), "decided at the key");
    assert_eq!(playlist.take_confirmed(), None, "said once");
    assert_eq!(
        playlist.current_item(),
        Some(0),
        "the thanks is still to play"
    );
    assert_eq!(playlist.next_frame().map(|f| f[0]), Some(4));
    assert_eq!(playlist.take_confirmed(), None);
}

#[test]
fn one_right_after_the_last_frame_of_the_message_confirms() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(6, '1')]);
    assert_eq!(&heard[..9], [1, 1, 10, 11, 11, 11, 4, 20, 21]);
    assert_eq!(confirmed, [(6, 0)]);
}

#[test]
fn an_early_one_asks_to_listen_first_and_the_whole_message_still_plays() {
    let mut playlist = Playlist::new(audio(), settings());
    // During the intro, during the message, then after it.
    let (heard, confirmed) = play(&mut playlist, &[(3, '1'), (5, '1'), (11, '1')]);
    assert_eq!(
        &heard[..13],
        [1, 1, 10, 6, 11, 6, 11, 11, 3, 3, SILENT, 4, 20]
    );
    assert_eq!(confirmed, [(11, 0)], "only the 1 after the message counts");
    assert_eq!(playlist.outcomes()[0], outcome(true, true, 1), "resumed");
}

#[test]
fn an_early_one_alone_confirms_nothing() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(4, '1')]);
    assert_eq!(&heard[..8], [1, 1, 10, 11, 6, 11, 11, 3]);
    assert_eq!(confirmed, []);
    assert_eq!(playlist.outcomes()[0], outcome(true, false, 1));
}

#[test]
fn two_plays_the_message_again_at_once() {
    let mut playlist = Playlist::new(audio(), settings());
    // During the menu, then during the repeat, then after the repeat.
    let (heard, confirmed) = play(&mut playlist, &[(7, '2'), (9, '2'), (12, '1')]);
    assert_eq!(
        &heard[..15],
        [1, 1, 10, 11, 11, 11, 3, 11, 11, 11, 11, 11, 4, 20, 21]
    );
    assert_eq!(confirmed, [(12, 0)]);
    assert_eq!(playlist.outcomes()[0], outcome(true, true, 3));
}

#[test]
fn a_one_barges_into_the_repeat() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(7, '2'), (8, '1')]);
    assert_eq!(&heard[6..10], [3, 11, 4, 20]);
    assert_eq!(confirmed, [(8, 0)]);
}

#[test]
fn three_during_the_message_skips_the_item_unheard_and_unconfirmed() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(4, '3')]);
    assert_eq!(&heard[..7], [1, 1, 10, 11, 20, 21, 21]);
    assert_eq!(confirmed, []);
    assert_eq!(
        playlist.outcomes(),
        [outcome(false, false, 1), outcome(true, false, 1)]
    );
}

#[test]
fn three_after_hearing_moves_on_without_confirming() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(6, '3'), (7, '3')]);
    assert_eq!(heard, [1, 1, 10, 11, 11, 11, 20, 9]);
    assert_eq!(confirmed, []);
    assert_eq!(
        playlist.outcomes(),
        [outcome(true, false, 1), outcome(false, false, 0)],
        "item 1 skipped during its intro"
    );
}

#[test]
fn three_skips_the_greeting_and_other_keys_there_are_ignored() {
    let mut playlist = Playlist::new(audio(), settings());
    let (heard, confirmed) = play(&mut playlist, &[(1, '1'), (1, '2'), (1, '3')]);
    assert_eq!(&heard[..3], [1, 10, 11]);
    assert_eq!(confirmed, []);

    let mut playlist = Playlist::new(audio(), settings());
    let (heard, _) = play(&mut playlist, &[(1, '1'), (1, '2'), (1, '5')]);
    assert_eq!(&heard[..3], [1, 1, 10], "the greeting plays on");
}

#[test]
fn keys_during_the_goodbye_are_ignored() {
    let mut long = audio();
    long.goodbye = clip(9, 3);
    let mut playlist = Playlist::new(long, settings());
    // The goodbye starts at frame 30.
    let (heard, confirmed) = play(&mut playlist, &[(30, '3'), (31, '1'), (31, '2')]);
    assert_eq!(&heard[29..], [9, 9, 9]);
    assert_eq!(confirmed, []);
    assert_eq!(playlist.current_item(), None);
}

#[test]
fn an_empty_playlist_is_the_greeting_then_the_goodbye() {
    let mut empty = audio();
    empty.items.clear();
    let mut playlist = Playlist::new(empty, settings());
    let (heard, confirmed) = play(&mut playlist, &[(1, '1'), (2, '3')]);
    assert_eq!(heard, [1, 1, 9]);
    assert_eq!(confirmed, []);
    assert_eq!(playlist.outcomes(), []);
    assert!(playlist.is_over());
}

#[test]
fn without_greeting_and_goodbye_the_items_are_all_there_is() {
    let mut bare = audio();
    bare.greeting = Arc::from([]);
    bare.goodbye = Arc::from([]);
    let mut playlist = Playlist::new(bare, settings());
    assert_eq!(playlist.current_item(), None);
    let (heard, _) = play(&mut playlist, &[]);
    assert_eq!(heard.first(), Some(&10));
    assert_eq!(heard.len(), 27);
    assert_eq!(heard.last(), Some(&SILENT));
}

#[test]
fn keys_after_the_end_change_nothing() {
    let mut playlist = Playlist::new(audio(), settings());
    play(&mut playlist, &[]);
    for key in ['1', '2', '3'] {
        playlist.handle_digit(key);
    }
    assert_eq!(playlist.next_frame(), None);
    assert_eq!(playlist.take_confirmed(), None);
    assert!(playlist.is_over());
}

#[test]
fn a_partial_last_frame_is_padded_with_silence() {
    let mut short = audio();
    short.greeting = Arc::from(vec![1u8; 200]);
    let mut playlist = Playlist::new(short, settings());
    playlist.next_frame();
    let second = playlist.next_frame().unwrap();
    assert_eq!(&second[..40], [1u8; 40]);
    assert!(second[40..].iter().all(|b| *b == SILENT));
    assert_eq!(playlist.next_frame().map(|f| f[0]), Some(10));
}
