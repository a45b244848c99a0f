//! The table test: every case of the issue in every language, read from `cases.tsv`
//! (topic, language, typed, said; `\n` and `\t` escaped), plus the properties no input may
//! break and the regressions the fuzzer found.

use super::*;

/// Topics of the issue; each must have a case in every language.
const TOPICS: [&str; 15] = [
    "acceptance",
    "service",
    "phone",
    "plate",
    "road",
    "house",
    "time",
    "date",
    "ordinal",
    "amount",
    "abbreviation",
    "cardinal",
    "unit",
    "height",
    "passthrough",
];

struct Case {
    line: usize,
    topic: String,
    lang: Language,
    typed: String,
    said: String,
}

fn cases() -> Vec<Case> {
    let unescape = |s: &str| s.replace("\\n", "\n").replace("\\t", "\t");
    include_str!("cases.tsv")
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(at, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "cases.tsv:{}: four fields", at + 1);
            Case {
                line: at + 1,
                topic: fields[0].to_owned(),
                lang: fields[1].parse().expect("a language"),
                typed: unescape(fields[2]),
                said: unescape(fields[3]),
            }
        })
        .collect()
}

#[test]
fn every_case_is_said_as_listed() {
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|case| {
            let got = normalise(case.lang, &case.typed);
            (got != case.said).then(|| {
                format!(
                    "cases.tsv:{} [{}] {:?}\n  want {:?}\n  got  {:?}",
                    case.line, case.lang, case.typed, case.said, got
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_topic_is_covered_in_every_language() {
    let cases = cases();
    for topic in TOPICS {
        for lang in Language::ALL {
            assert!(
                cases.iter().any(|c| c.topic == topic && c.lang == lang),
                "no {topic} case in {lang}"
            );
        }
    }
    assert!(cases.iter().all(|c| TOPICS.contains(&c.topic.as_str())));
}

#[test]
fn public_helpers_say_numbers_and_phone_numbers() {
    assert_eq!(cardinal(Language::Fr, 97), "nonante-sept");
    assert_eq!(ordinal(Language::En, 22), "twenty-second");
    assert_eq!(
        spell_digits(Language::Nl, "+32 101"),
        "drie twee één nul één"
    );
    assert_eq!(
        phone_number(Language::De, " 0471 12 34 56 ").as_deref(),
        Some("null vier sieben eins, zwölf, vierunddreißig, sechsundfünfzig")
    );
    assert_eq!(phone_number(Language::En, "0471 12 34 56 and more"), None);
    assert_eq!(phone_number(Language::En, "101"), None);
}

#[test]
fn output_is_clean_text_for_any_input() {
    let hostile = [
        "",
        " ",
        "\u{0}\u{7}\u{1b}[31m",
        "€",
        "+",
        "€€€ ,- 12,",
        "1.000.000.000.000.000.000.000",
        "99999999999999999999999999",
        "0000000000000000000000",
        "١٢٣ ١٢/١١",
        "n°°°",
        "z. B",
        "12u60 25:00 24h 1/0/2026 0/0",
        "+32",
        "+",
        "0",
        "é\u{301}1-ÉBC-234",
        "ABC-",
        "1-ABC-",
        "Str.",
        "bel bel bel 1 1 1 1 1 1",
        "\u{feff}\u{202e}101",
        "NL",
        "D K-",
        "GB AB12",
        "AB-12-CD-",
        "K AB 0",
        "t.h.v",
        "O.",
        "St.",
        "Dr.",
        "etc. ",
        "p.m.",
        "1 p.m",
        "12:00 a.",
        "1m",
        "1m8",
        "9m99m",
        "de ",
        "de 1",
        "1 250 250 250 250 250 250 250 250",
        "1,250,250,250,250,250,250,250",
        "31 to 1 May",
        "am 999. X",
    ];
    for lang in Language::ALL {
        for text in hostile {
            let said = normalise(lang, text);
            assert!(
                !said.chars().any(char::is_control),
                "{lang} {text:?} → {said:?}"
            );
            assert_eq!(said, said.trim(), "{lang} {text:?}");
        }
    }
}

#[test]
fn escape_sequences_are_not_spoken() {
    let coloured = "Bel \u{1b}[1;31m101\u{1b}[0m.\u{1b}]0;titel\u{7}";
    for lang in Language::ALL {
        assert_eq!(
            normalise(lang, coloured),
            normalise(lang, "Bel 101."),
            "{lang}"
        );
    }
    assert_eq!(normalise(Language::Nl, coloured), "Bel één nul één.");
    assert_eq!(
        normalise(Language::Nl, "Kerk\u{1b}[4mstraat\u{7} 12"),
        "Kerkstraat twaalf"
    );
    assert_eq!(
        phone_number(Language::Nl, "\u{1b}[1m101\u{1b}[0m"),
        phone_number(Language::Nl, "101")
    );
}
