//! The layers of the tree and the one way their arrows run. The compiler keeps the boundary
//! between the crates (`crates/proto` cannot name tokio or sqlx: they are not its
//! dependencies, which `crates/proto/tests/sans_io.rs` checks); inside the application crate, modules are free to name each other, so this
//! test reads every `crate::<module>` path in `src/` and refuses any arrow the picture in
//! `docs/ARCHITECTURE.md` does not draw.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each module of `src/` and the modules it may use. `policy`, `quiet`, `sip` and `media` are
/// `crates/proto`'s, re-exported; every module may use them.
const ALLOWED: &[(&str, &[&str])] = &[
    ("number", &[]),
    ("speech", &[]),
    ("cap", &[]),
    ("members", &["number", "speech"]),
    ("config", &["number", "speech"]),
    ("store", &["members", "number", "speech"]),
    ("telephony", &["config"]),
    ("sms", &["config", "number", "speech", "store"]),
    ("sim", &["sms", "telephony"]),
    (
        "chain",
        &["config", "number", "sms", "speech", "store", "telephony"],
    ),
    ("webhooks", &["chain", "config", "store", "telephony"]),
    (
        "api",
        &[
            "cap",
            "chain",
            "config",
            "members",
            "number",
            "sms",
            "speech",
            "store",
            "telephony",
            "webhooks",
        ],
    ),
    (
        "cli",
        &[
            "api",
            "chain",
            "config",
            "members",
            "number",
            "sim",
            "sms",
            "speech",
            "store",
            "telephony",
            "webhooks",
        ],
    ),
];

const PROTO: &[&str] = &["policy", "quiet", "sip", "media", "outcome"];

#[test]
fn every_arrow_inside_the_application_runs_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (module, allowed) in ALLOWED {
        let allowed: BTreeSet<&str> = allowed.iter().chain(PROTO).copied().collect();
        for file in rust_files(&module_path(&src, module)) {
            let text = fs::read_to_string(&file).unwrap_or_default();
            for (line, used) in crate_paths(&text) {
                if used != *module && !allowed.contains(used.as_str()) {
                    wrong.push(format!("{}:{line}: {module} uses {used}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_module_is_placed_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let placed: BTreeSet<&str> = ALLOWED.iter().map(|(module, _)| *module).collect();
    let entries = fs::read_dir(&src).map(|dir| dir.flatten().collect::<Vec<_>>());
    for entry in entries.unwrap_or_default() {
        let name = entry
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if matches!(name.as_str(), "lib" | "main") {
            continue;
        }
        assert!(
            placed.contains(name.as_str()),
            "src/{name} has no layer here"
        );
    }
}

#[test]
fn the_checker_sees_a_wrong_arrow() {
    let text = "use crate::store::Store;\nfn f() { crate::chain::run(); }\n// crate::cli here\n\
                use crate::{cli::Cli, sim};\nuse buurtbel_crate::x; $crate::y\n";
    let expected: Vec<(usize, String)> = [(1, "store"), (2, "chain"), (4, "cli"), (4, "sim")]
        .into_iter()
        .map(|(line, name)| (line, name.to_owned()))
        .collect();
    assert_eq!(crate_paths(text), expected);
}

fn module_path(src: &Path, module: &str) -> PathBuf {
    let dir = src.join(module);
    if dir.is_dir() {
        dir
    } else {
        src.join(format!("{module}.rs"))
    }
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(path).into_iter().flatten().flatten() {
        files.extend(rust_files(&entry.path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// Every `crate::<module>` named outside comments (`crate::{a, b}` names both), with its
/// line number.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let before = code.get(..at).unwrap_or_default();
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let rest = code.get(at + "crate::".len()..).unwrap_or_default();
            let names = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or_default(),
                None => rest,
            };
            for name in names.split(',').map(leading_name).filter(|n| !n.is_empty()) {
                found.push((number + 1, name));
                if !rest.starts_with('{') {
                    break;
                }
            }
        }
    }
    found
}

fn leading_name(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}
