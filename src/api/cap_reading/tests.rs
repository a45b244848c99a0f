use super::*;

#[test]
fn belgian_and_plain_language_tags_name_the_chain_s_languages() {
    assert_eq!(language("nl-BE"), Some(Language::Nl));
    assert_eq!(language("nl"), Some(Language::Nl));
    assert_eq!(language("FR-be"), Some(Language::Fr));
    assert_eq!(language("de-BE"), Some(Language::De));
    assert_eq!(language("en-US"), Some(Language::En));
    assert_eq!(language("es-ES"), None);
    assert_eq!(language(""), None);
    assert_eq!(language("-"), None);
}

#[test]
fn geocode_names_for_nis_and_postal_codes_are_recognised_and_others_left() {
    for name in ["NIS", "nis5", "INS", "NIS-code", "REFNIS"] {
        assert_eq!(scheme(name), Some(AreaScheme::Nis), "{name}");
    }
    for name in ["postcode", "postalCode", "ZIP", "code postal", "PLZ"] {
        assert_eq!(scheme(name), Some(AreaScheme::Postal), "{name}");
    }
    for name in ["SAME", "FIPS6", "EMMA_ID", ""] {
        assert_eq!(scheme(name), None, "{name}");
    }
}

#[test]
fn each_part_is_read_as_a_sentence() {
    assert_eq!(
        sentence("Inbraak in de Teststraat"),
        "Inbraak in de Teststraat."
    );
    assert_eq!(sentence("Bel 101!"), "Bel 101!");
    assert_eq!(sentence("Opgelet:"), "Opgelet:");
}
