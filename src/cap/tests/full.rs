//! `tests/data/cap/alert-nl-fr-de-en.xml`, every element read, compared whole.

use super::*;

const NIS: &str = "NIS";
const POSTCODE: &str = "postcode";
const EXPIRES: &str = "2036-03-14T23:59:00+01:00";
/// 2036-03-14T22:59:00Z.
const EXPIRES_MS: i64 = 2_089_148_340_000;

fn pair(value_name: &str, value: &str) -> ValuePair {
    ValuePair {
        value_name: value_name.to_owned(),
        value: value.to_owned(),
    }
}

fn time(text: &str, epoch_ms: i64) -> CapTime {
    CapTime {
        text: text.to_owned(),
        epoch_ms,
    }
}

fn networks() -> Vec<ValuePair> {
    vec![pair("buurtbel:networks", "BIN Noord, BIN Zuid")]
}

fn area(area_desc: &str, geocodes: Vec<ValuePair>) -> Area {
    Area {
        area_desc: area_desc.to_owned(),
        polygons: Vec::new(),
        circles: Vec::new(),
        geocodes,
        altitude: None,
        ceiling: None,
    }
}

/// An `<info>` of the sample after the first: a burglary in one language.
fn translation(index: usize, language: &str, texts: [&str; 5], area: Area) -> Info {
    let [event, sender_name, headline, description, instruction] = texts;
    Info {
        index,
        language: language.to_owned(),
        categories: vec![Category::Security],
        event: event.to_owned(),
        response_types: vec![ResponseType::Monitor],
        urgency: Urgency::Immediate,
        severity: Severity::Severe,
        certainty: Certainty::Observed,
        audience: None,
        event_codes: Vec::new(),
        effective: None,
        onset: None,
        expires: Some(time(EXPIRES, EXPIRES_MS)),
        sender_name: Some(sender_name.to_owned()),
        headline: Some(headline.to_owned()),
        description: Some(description.to_owned()),
        instruction: Some(instruction.to_owned()),
        web: None,
        contact: None,
        parameters: networks(),
        resources: Vec::new(),
        areas: vec![area],
    }
}

fn dutch() -> Info {
    Info {
        index: 0,
        language: "nl-BE".to_owned(),
        categories: vec![Category::Security, Category::Safety],
        event: "Inbraak".to_owned(),
        response_types: vec![ResponseType::Monitor, ResponseType::Prepare],
        urgency: Urgency::Immediate,
        severity: Severity::Severe,
        certainty: Certainty::Observed,
        audience: Some("Leden van het buurtinformatienetwerk".to_owned()),
        event_codes: vec![pair("buurtbel:event", "burglary")],
        effective: Some(time("2026-03-14T21:05:00+01:00", 1_773_518_700_000)),
        onset: Some(time("2026-03-14T20:50:00+01:00", 1_773_517_800_000)),
        expires: Some(time(EXPIRES, EXPIRES_MS)),
        sender_name: Some("Politiezone Voorbeeld".to_owned()),
        headline: Some("Inbraak in de Voorbeeldstraat".to_owned()),
        description: Some(
            "Twee personen zijn rond 21 uur gezien bij een inbraak in de Voorbeeldstraat."
                .to_owned(),
        ),
        instruction: Some("Sluit ramen en deuren en meld verdachte zaken via 101.".to_owned()),
        web: Some("https://pz-voorbeeld.police.example/bin/2026-0314-001".to_owned()),
        contact: Some("Politiezone Voorbeeld, dispatching".to_owned()),
        parameters: networks(),
        resources: vec![Resource {
            resource_desc: "Kaart van de wijk".to_owned(),
            mime_type: "text/plain".to_owned(),
            size: Some(28),
            uri: Some("https://pz-voorbeeld.police.example/bin/2026-0314-001/kaart.txt".to_owned()),
            deref_uri: Some("S2FhcnQgdmFuIFdpamsgTm9vcmQgdm9sZ3QuCg==".to_owned()),
            digest: Some("01bfbdb47a60fbbea5f6e736ed15c9a14a7379a6".to_owned()),
        }],
        areas: vec![Area {
            polygons: vec![
                "51.2300,4.4000 51.2300,4.4200 51.2150,4.4200 51.2150,4.4000 51.2300,4.4000"
                    .to_owned(),
            ],
            circles: vec!["51.2225,4.4100 1.5".to_owned()],
            altitude: Some(0.0),
            ceiling: Some(300.0),
            ..area(
                "Wijk Noord en Wijk Zuid, Voorbeeldstad",
                vec![pair(NIS, "11002"), pair(POSTCODE, "2000")],
            )
        }],
    }
}

fn expected() -> CapAlert {
    CapAlert {
        identifier: "BE-PZ-VOORBEELD-2026-0314-001".to_owned(),
        sender: "pz-voorbeeld@police.example".to_owned(),
        sent: time("2026-03-14T21:05:00+01:00", 1_773_518_700_000),
        status: Status::Actual,
        msg_type: MsgType::Alert,
        source: Some("Dispatching PZ Voorbeeld".to_owned()),
        scope: Scope::Public,
        restriction: None,
        addresses: None,
        codes: vec!["BIN".to_owned(), "buurtbel:1".to_owned()],
        note: Some("Oproep voor de BIN-leden van Wijk Noord en Wijk Zuid.".to_owned()),
        references: Vec::new(),
        incidents: Some("PV-2026-0314-17".to_owned()),
        infos: vec![
            dutch(),
            translation(
                1,
                "fr-BE",
                [
                    "Cambriolage",
                    "Zone de police Exemple",
                    "Cambriolage rue de l'Exemple",
                    "Deux personnes ont été vues vers 21 heures lors d'un cambriolage rue de \
                     l'Exemple.",
                    "Fermez portes et fenêtres et signalez tout fait suspect au 101.",
                ],
                area(
                    "Quartiers Nord et Sud, Ville-Exemple",
                    vec![pair(NIS, "11002"), pair(POSTCODE, "2000")],
                ),
            ),
            translation(
                2,
                "de-BE",
                [
                    "Einbruch",
                    "Polizeizone Beispiel",
                    "Einbruch in der Beispielstraße",
                    "Zwei Personen wurden gegen 21 Uhr bei einem Einbruch in der \
                     Beispielstraße gesehen.",
                    "Schließen Sie Fenster und Türen und melden Sie Verdächtiges unter 101.",
                ],
                area(
                    "Viertel Nord und Süd, Beispielstadt",
                    vec![pair(NIS, "11002")],
                ),
            ),
            translation(
                3,
                "en",
                [
                    "Burglary",
                    "Example Police Zone",
                    "Burglary in Example Street",
                    "Two people were seen at a burglary in Example Street around 9 pm.",
                    "Lock doors and windows and report anything suspicious on 101.",
                ],
                area(
                    "North and South districts, Example Town",
                    vec![pair(NIS, "11002")],
                ),
            ),
        ],
    }
}

#[test]
fn the_four_language_sample_reads_whole() {
    let alert = parsed(&sample("alert-nl-fr-de-en.xml"));
    assert_eq!(alert, expected());
}

#[test]
fn the_samples_speak_within_200_characters_per_language() {
    for name in [
        "alert-nl-fr-de-en.xml",
        "test.xml",
        "update.xml",
        "cancel.xml",
    ] {
        for info in parsed(&sample(name)).infos {
            let spoken = [
                info.headline.unwrap_or_default(),
                info.description.unwrap_or_default(),
                info.instruction.unwrap_or_default(),
            ];
            let [headline, description, instruction] = spoken;
            let text = format!("{headline}. {description} {instruction}");
            let length = text.chars().count();
            assert!(
                length <= 200,
                "{name} info[{}]: {length} characters",
                info.index + 1
            );
        }
    }
}
