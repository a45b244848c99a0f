//! The crate stays without I/O by construction: nothing it builds on, directly or through
//! another crate, is tokio or sqlx. The compiler then refuses a task, a socket or the
//! runtime's clock here, and `clippy.toml` the standard library's clock reads.
//!
//! Read from the workspace's `Cargo.lock`, which lists what each package depends on.

use std::collections::{BTreeSet, HashMap};

/// Crates that would bring I/O into the protocol logic.
const FORBIDDEN: [&str; 3] = ["tokio", "sqlx", "buurtbel-clock"];

#[test]
fn neither_tokio_nor_sqlx_is_reachable_from_proto() {
    let graph = lock_graph();
    let reachable = reachable_from(&graph, env!("CARGO_PKG_NAME"));
    assert!(reachable.contains("jiff"), "the lock file was read");
    let found: Vec<&str> = FORBIDDEN
        .into_iter()
        .filter(|name| reachable.contains(*name))
        .collect();
    assert!(found.is_empty(), "buurtbel-proto depends on {found:?}");
}

/// Package name to the names of its dependencies, every version together.
fn lock_graph() -> HashMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let text = std::fs::read_to_string(path).expect("the workspace's Cargo.lock");
    let lock: toml::Table = text.parse().expect("Cargo.lock is TOML");
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    let packages = lock.get("package").and_then(|p| p.as_array());
    for package in packages.into_iter().flatten() {
        let Some(name) = package.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let dependencies = package.get("dependencies").and_then(|d| d.as_array());
        // An entry is `name`, or `name version` where two versions are locked.
        let names = dependencies.into_iter().flatten().filter_map(|d| {
            let entry = d.as_str()?;
            entry.split(' ').next().map(str::to_owned)
        });
        graph.entry(name.to_owned()).or_default().extend(names);
    }
    graph
}

fn reachable_from<'a>(graph: &'a HashMap<String, Vec<String>>, root: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut next = vec![root];
    while let Some(name) = next.pop() {
        if seen.insert(name) {
            next.extend(graph.get(name).into_iter().flatten().map(String::as_str));
        }
    }
    seen
}
