//! Hostile sizes: many `<info>`, `<area>` and `<geocode>` elements, many nodes, many
//! problems; each refused with one clear problem, never a panic.

use super::*;

const INFO_START: &str = "  <info>";

/// [`BASE`]'s `<info>` element.
fn base_info() -> &'static str {
    let start = BASE.find(INFO_START).unwrap_or_default();
    let end = BASE.find("</info>").map_or(0, |at| at + "</info>".len());
    &BASE[start..end]
}

fn with_infos(count: usize) -> String {
    let infos = base_info().repeat(count);
    BASE.replacen(base_info(), &infos, 1)
}

fn problems(xml: &str) -> Vec<CapProblem> {
    match parse(xml.as_bytes()) {
        Ok(_) => panic!("read"),
        Err(e) => e.problems,
    }
}

#[test]
fn sixty_four_infos_read_and_a_sixty_fifth_is_refused() {
    assert_eq!(parsed(&with_infos(64)).infos.len(), 64);
    let problems = problems(&with_infos(65));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].element, "alert/info[65]");
    assert!(problems[0].reason.contains("at most 64"));
}

#[test]
fn areas_past_the_limit_are_refused_once() {
    let area = "<area><areaDesc>Wijk</areaDesc></area>";
    let info = base_info().replacen("<area>", &format!("{}<area>", area.repeat(200)), 1);
    let xml = BASE.replacen(base_info(), &info.repeat(2), 1);
    // 201 areas in each of two infos: the 257th is the 56th of the second.
    let problems = problems(&xml);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].element, "alert/info[2]/area[56]");
    assert!(
        problems[0]
            .reason
            .contains("more than 256 <area> in one alert")
    );
}

#[test]
fn geocodes_past_the_limit_are_refused_once() {
    let geocode = "<geocode><valueName>NIS</valueName><value>11002</value></geocode>";
    let xml = BASE.replacen(geocode, &geocode.repeat(10_001), 1);
    let problems = problems(&xml);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].element, "alert/info[1]/area[1]/geocode[10001]");
    assert!(problems[0].reason.contains("more than 10000 <geocode>"));
    let xml = BASE.replacen(geocode, &geocode.repeat(10_000), 1);
    assert_eq!(parsed(&xml).infos[0].areas[0].geocodes.len(), 10_000);
}

#[test]
fn too_many_nodes_are_refused_before_reading() {
    let xml = BASE.replacen(
        "<event>Inbraak</event>",
        &format!("<event>{}</event>", "<!---->".repeat(300_000)),
        1,
    );
    let problems = problems(&xml);
    assert_eq!(problems[0].element, "document");
    assert!(
        problems[0].reason.contains("more than 250000 XML nodes"),
        "{problems:?}"
    );
}

#[test]
fn at_most_fifty_problems_are_reported() {
    let codes = "<category>Crime</category>".repeat(80);
    let xml = BASE.replacen("<category>Security</category>", &codes, 1);
    assert_eq!(problems(&xml).len(), MAX_PROBLEMS);
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let depth = 50_000;
    let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let problems = problems(&xml);
    assert_eq!(problems[0].element, "document");
}
