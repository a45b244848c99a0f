//! The OpenAPI document against the server it describes: schemathesis (from PyPI, installed by
//! `.ci/run`; `BUURTBEL_SCHEMATHESIS` names the program) generates requests for every
//! operation from `/openapi.json`, valid and invalid, with an admin token, and no answer may
//! be a server error or stray from the document. The trunk is a port nobody answers on, so
//! alerts it sends fail their calls at once. Names and numbers are fictional.
#![cfg(feature = "interop")]

#[path = "common/serve.rs"]
mod serve;

#[path = "common/phones.rs"]
mod phones;

use phones::{import_members, write_config};
use serve::{Server, buurtbel};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_never_meet_a_server_error() {
    let folder = tempfile::TempDir::with_prefix("buurtbel-schema-").expect("temp dir");
    let dir = folder.path();
    let config = write_config(dir);
    import_members(dir, &config);
    let mut server = Server::start(dir, &config, "serve");
    let base = server.api_address().await;
    let out = buurtbel(dir, &config, &["token", "create", "--role", "admin"], &[]);
    let token = out.lines().last().expect("the secret").trim().to_owned();
    let program =
        std::env::var("BUURTBEL_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".to_owned());
    let base_for_thread = base.clone();
    let workdir = dir.to_owned();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(&program)
            .current_dir(&workdir)
            .arg("run")
            .arg(format!("{base_for_thread}/openapi.json"))
            .args(["--checks", "not_a_server_error,status_code_conformance"])
            .args([
                "--checks",
                "content_type_conformance,response_schema_conformance",
            ])
            .args(["--max-examples", "40", "--seed", "7", "--no-color"])
            // A WAV body is not something it can generate; the upload has router tests.
            .args(["--exclude-path", "/v1/recordings"])
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"))
            .output()
            .unwrap_or_else(|e| panic!("run {program} (pip install schemathesis): {e}"))
    });
    let output = run.await.expect("schemathesis");
    let text = String::from_utf8_lossy(&output.stdout);
    let status = server.stop().await;
    assert!(
        output.status.success(),
        "schemathesis against {base} failed:\n{text}\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    assert!(status.success(), "serve exited with {status}");
}
