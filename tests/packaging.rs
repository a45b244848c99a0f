//! What `packaging/` ships: the systemd unit passes `systemd-analyze verify` (where systemd is
//! installed), the service's configuration is one `serve` accepts, and every file the Debian
//! package lists exists.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_systemd_unit_verifies() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze is not installed; skipped");
        return;
    }
    let unit = std::fs::read_to_string(root().join("packaging/buurtbel.service")).expect("unit");
    assert!(unit.contains("ExecStart=/usr/bin/buurtbel serve --config"));
    // The unit names the installed binary; verify it against the one just built.
    let unit = unit.replace("/usr/bin/buurtbel", env!("CARGO_BIN_EXE_buurtbel"));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("buurtbel.service");
    std::fs::write(&path, unit).expect("write the unit");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let complaints: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("buurtbel.service"))
        .collect();
    assert!(complaints.is_empty(), "{said}");
}

#[test]
fn the_services_configuration_is_one_serve_accepts() {
    let path = root().join("packaging/buurtbel.toml");
    let config = buurtbel::config::Config::load(&path).expect("packaging/buurtbel.toml");
    assert!(config.database.url.starts_with("sqlite:/var/lib/buurtbel/"));
}

#[test]
fn every_file_the_debian_package_lists_exists() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&manifest).expect("Cargo.toml parses");
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().expect("assets");
    assert!(assets.len() >= 5);
    for asset in assets {
        let source = asset[0].as_str().expect("a source path");
        if source.starts_with("target/") {
            continue; // built by `cargo deb`
        }
        assert!(root().join(source).is_file(), "{source} is missing");
    }
    let scripts = deb["maintainer-scripts"].as_str().expect("scripts");
    assert!(root().join(scripts).join("postinst").is_file());
    let units = deb["systemd-units"]["unit-scripts"]
        .as_str()
        .expect("units");
    assert!(root().join(units).join("buurtbel.service").is_file());
}
