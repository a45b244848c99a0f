use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const EXTENSION: &str = "^{}\\[~]|€\u{0C}";

fn joined(encoded: &Encoded) -> Vec<u8> {
    encoded.parts.concat()
}

fn decoded(encoded: &Encoded) -> String {
    decode(encoded.encoding.data_coding(), &joined(encoded)).unwrap()
}

#[test]
fn the_default_alphabet_is_one_septet_each() {
    let cases: &[(&str, &[u8])] = &[
        ("@£$¥", &[0x00, 0x01, 0x02, 0x03]),
        ("èéùìòÇ", &[0x04, 0x05, 0x06, 0x07, 0x08, 0x09]),
        ("\n\r", &[0x0A, 0x0D]),
        (
            "ΔΦΓΛΩΠΨΣΘΞ",
            &[0x10, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A],
        ),
        ("ÆæßÉ ¤", &[0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x24]),
        ("A", &[0x41]),
        ("z", &[0x7A]),
        (
            "¡ÄÖÑÜ§¿äöñüà",
            &[
                0x40, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
            ],
        ),
        ("Hallo 101!", b"Hallo 101!"),
    ];
    for (text, septets) in cases {
        let encoded = encode(text, 4);
        assert_eq!(encoded.encoding, Encoding::Gsm7, "{text}");
        assert_eq!(encoded.parts, vec![septets.to_vec()], "{text}");
        assert_eq!(decoded(&encoded), *text);
    }
}

#[test]
fn every_extension_character_takes_two_septets() {
    let codes = [0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65, 0x0A];
    for (c, code) in EXTENSION.chars().zip(codes) {
        let encoded = encode(&c.to_string(), 1);
        assert_eq!(encoded.encoding, Encoding::Gsm7, "{c:?}");
        assert_eq!(encoded.parts, vec![vec![0x1B, code]], "{c:?}");
        assert_eq!(decoded(&encoded), c.to_string());
    }
    // 80 euro signs fill one part exactly; one more character needs a second.
    assert_eq!(encode(&"€".repeat(80), 4).parts.len(), 1);
    assert_eq!(encode(&format!("{}a", "€".repeat(80)), 4).parts.len(), 2);
}

#[test]
fn characters_outside_gsm_make_it_ucs2() {
    for text in ["Łódź", "zażółć", "ç", "alarm 🚨", "“quoted”", "…"] {
        let encoded = encode(text, 4);
        assert_eq!(encoded.encoding, Encoding::Ucs2, "{text}");
        assert_eq!(decoded(&encoded), text);
    }
    let encoded = encode("ł🚨", 1);
    assert_eq!(
        encoded.parts,
        vec![vec![0x01, 0x42, 0xD8, 0x3D, 0xDE, 0xA8]]
    );
    // Greek capitals that GSM has stay GSM.
    assert_eq!(encode("ΔΣΩ", 1).encoding, Encoding::Gsm7);
}

#[test]
fn gsm_part_limits_are_160_then_153() {
    let cases = [
        (160, 1),
        (161, 2),
        (153 * 2, 2),
        (153 * 2 + 1, 3),
        (153 * 3, 3),
        (153 * 4, 4),
    ];
    for (length, parts) in cases {
        let encoded = encode(&"a".repeat(length), 10);
        assert_eq!(encoded.parts.len(), parts, "{length}");
        assert!(!encoded.shortened);
        if parts > 1 {
            assert!(encoded.parts.iter().all(|part| part.len() <= 153));
            assert_eq!(encoded.parts[0].len(), 153);
        }
    }
}

#[test]
fn ucs2_part_limits_are_70_then_67() {
    let cases = [(70, 1), (71, 2), (67 * 2, 2), (67 * 2 + 1, 3), (67 * 5, 5)];
    for (length, parts) in cases {
        let encoded = encode(&"ł".repeat(length), 10);
        assert_eq!(encoded.encoding, Encoding::Ucs2);
        assert_eq!(encoded.parts.len(), parts, "{length}");
        if parts > 1 {
            assert!(encoded.parts.iter().all(|part| part.len() <= 134));
        }
    }
}

#[test]
fn an_extension_character_at_a_boundary_moves_to_the_next_part() {
    let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
    let encoded = encode(&text, 4);
    assert_eq!(encoded.parts.len(), 2);
    assert_eq!(encoded.parts[0], vec![b'a'; 152]);
    assert_eq!(&encoded.parts[1][..2], &[0x1B, 0x65]);
    assert_eq!(decoded(&encoded), text);
}

#[test]
fn a_surrogate_pair_at_a_boundary_moves_to_the_next_part() {
    let text = format!("{}🚨{}", "ł".repeat(66), "ł".repeat(10));
    let encoded = encode(&text, 4);
    assert_eq!(encoded.parts.len(), 2);
    assert_eq!(encoded.parts[0].len(), 132);
    assert_eq!(&encoded.parts[1][..4], &[0xD8, 0x3D, 0xDE, 0xA8]);
    for part in &encoded.parts {
        assert!(decode(0x08, part).unwrap().chars().all(|c| c != '\u{FFFD}'));
    }
}

#[test]
fn a_long_text_is_cut_after_a_word_with_an_ellipsis() {
    let text = "word ".repeat(100);
    let encoded = encode(&text, 1);
    assert!(encoded.shortened);
    assert_eq!(encoded.parts.len(), 1);
    assert!(encoded.text.ends_with("word..."), "{}", encoded.text);
    assert!(encoded.text.len() <= 160 && encoded.text.len() > 150);

    let polish = "łódź ".repeat(100);
    let encoded = encode(&polish, 2);
    assert_eq!(encoded.encoding, Encoding::Ucs2);
    assert!(encoded.text.ends_with("łódź…"), "{}", encoded.text);
    assert_eq!(encoded.parts.len(), 2);
}

#[test]
fn a_single_overlong_word_is_cut_at_a_character() {
    let encoded = encode(&"x".repeat(500), 1);
    assert!(encoded.shortened);
    assert_eq!(encoded.text, format!("{}...", "x".repeat(157)));
    assert_eq!(encoded.parts, vec![encoded.text.as_bytes().to_vec()]);
}

#[test]
fn fit_keeps_head_and_tail_whole() {
    let head = "BIN Kessel-Lo: ";
    let tail = " Antwoord 1 om te bevestigen.";
    let body = "Een verdachte bestelwagen rijdt rond in de Kerkstraat. ".repeat(20);
    for max_parts in 1..=4 {
        let encoded = fit(head, &body, tail, max_parts);
        assert!(encoded.shortened);
        assert_eq!(encoded.parts.len(), max_parts);
        assert!(encoded.text.starts_with(head));
        assert!(
            encoded.text.ends_with(&format!("Kerkstraat...{tail}"))
                || encoded.text.ends_with(&format!("...{tail}"))
        );
        let cut = &encoded.text[..encoded.text.len() - tail.len() - 3];
        assert!(body.starts_with(&cut[head.len()..]));
        assert!(
            body[cut.len() - head.len()..].starts_with(char::is_whitespace)
                || body[cut.len() - head.len()..].starts_with(['.', ' '])
        );
    }
    let short = fit(head, "Kort bericht.", tail, 1);
    assert!(!short.shortened);
    assert_eq!(short.text, format!("{head}Kort bericht.{tail}"));
}

#[test]
fn fit_chooses_the_encoding_on_the_whole() {
    let encoded = fit("BIN Łódź: ", &"tekst ".repeat(50), " Antwoord 1.", 1);
    assert_eq!(encoded.encoding, Encoding::Ucs2);
    assert!(
        encoded.text.ends_with("tekst… Antwoord 1."),
        "{}",
        encoded.text
    );
}

#[test]
fn head_and_tail_too_long_are_shortened_within_the_limit() {
    let encoded = fit(&"h".repeat(200), "body", " tail", 1);
    assert_eq!(encoded.parts.len(), 1);
    assert!(encoded.shortened);
}

#[test]
fn crlf_becomes_lf_and_accents_compose() {
    let encoded = encode("a\r\nb e\u{301}", 1);
    assert_eq!(encoded.text, "a\nb é");
    assert_eq!(encoded.encoding, Encoding::Gsm7);
}

#[test]
fn decode_reads_each_alphabet() {
    assert_eq!(decode(0x01, b"ok"), Some("ok".to_owned()));
    assert_eq!(decode(0x01, &[0x6F, 0xFF]), Some("o?".to_owned()));
    assert_eq!(decode(0x03, &[0x41, 0xE9]), Some("Aé".to_owned()));
    assert_eq!(
        decode(0x08, &[0x00, 0x6A, 0x00, 0x61]),
        Some("ja".to_owned())
    );
    assert_eq!(decode(0xF0, b"Ja"), Some("Ja".to_owned()));
    assert_eq!(decode(0x08, &[0x00, 0x6A, 0x00]), None);
    assert_eq!(decode(0x04, b"binary"), None);
}

#[test]
fn hostile_gsm_input_reads_without_panicking() {
    // Unknown escape: the base character; escape at the end: a space; above 0x7F: '?'.
    assert_eq!(decode(0x00, &[0x1B, 0x41]), Some("A".to_owned()));
    assert_eq!(decode(0x00, &[0x41, 0x1B]), Some("A ".to_owned()));
    assert_eq!(decode(0x00, &[0x1B, 0x1B]), Some(" ".to_owned()));
    assert_eq!(decode(0x00, &[0x80, 0xFF]), Some("??".to_owned()));
    assert_eq!(decode(0x08, &[0xD8, 0x3D]), Some("\u{FFFD}".to_owned()));
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..2000 {
        let length = rng.random_range(0..300);
        let bytes: Vec<u8> = (0..length).map(|_| rng.random()).collect();
        for coding in [0x00, 0x01, 0x03, 0x08, 0xF1, 0x42] {
            let _ = decode(coding, &bytes);
        }
        let _ = split_udh(&bytes);
    }
}

#[test]
fn decode_of_encode_is_the_text() {
    let pool: Vec<char> =
        "abcXYZ 019.,!?@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà^{}\\[~]|€\u{0C}\
         łżćçœ“”’–…🚨😀漢"
            .chars()
            .collect();
    let mut rng = StdRng::seed_from_u64(18);
    for round in 0..1000 {
        let gsm_only = round % 2 == 0;
        let length = rng.random_range(0..500);
        let text: String = (0..length)
            .map(|_| {
                let end = if gsm_only {
                    pool.len() - 13
                } else {
                    pool.len()
                };
                pool[rng.random_range(0..end)]
            })
            .collect();
        let encoded = encode(&text, 20);
        assert!(!encoded.shortened);
        assert_eq!(
            encoded.encoding == Encoding::Gsm7,
            gsm_only || gsm::fits(&text)
        );
        assert_eq!(decoded(&encoded), text, "{text:?}");
        let (single, multi) = match encoded.encoding {
            Encoding::Gsm7 => (160, 153),
            Encoding::Ucs2 => (140, 134),
        };
        if encoded.parts.len() == 1 {
            assert!(encoded.parts[0].len() <= single);
        } else {
            assert!(encoded.parts.iter().all(|part| part.len() <= multi));
        }
        let shortened = encode(&text, 2);
        assert!(shortened.parts.len() <= 2);
        assert!(decoded(&shortened).chars().all(|c| c != '\u{FFFD}'));
    }
}

#[test]
fn udh_round_trips_and_malformed_headers_are_refused() {
    let mut message = udh(0x42, 3, 2).to_vec();
    message.extend(b"text");
    let concat = Concat {
        reference: 0x42,
        total: 3,
        sequence: 2,
    };
    assert_eq!(split_udh(&message), Some((Some(concat), &b"text"[..])));

    let sixteen = [0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, b'x'];
    let concat = Concat {
        reference: 0x1234,
        total: 2,
        sequence: 1,
    };
    assert_eq!(split_udh(&sixteen), Some((Some(concat), &b"x"[..])));

    // Another element first (a port address), then the concatenation.
    let mixed = [
        0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x07, 0x02, 0x02,
    ];
    assert_eq!(split_udh(&mixed).unwrap().0.unwrap().sequence, 2);

    assert_eq!(split_udh(&[]), None);
    assert_eq!(split_udh(&[0x05, 0x00, 0x03, 0x01]), None);
    assert_eq!(split_udh(&[0x03, 0x00, 0x05, 0x01]), None);
    // Sequence 0 or past the total: the element is ignored, the payload kept.
    assert_eq!(
        split_udh(&[0x05, 0x00, 0x03, 0x01, 0x02, 0x00, b'y']),
        Some((None, &b"y"[..]))
    );
    assert_eq!(
        split_udh(&[0x05, 0x00, 0x03, 0x01, 0x02, 0x03]),
        Some((None, &b""[..]))
    );
}
