//! `buurtbel status`: the gateways on a database with their leases, the alerts sending, and
//! the calls on each trunk's line per gateway. Times are read on the database's clock and shown
//! in Brussels time, as `alert list` shows them; with `--json`, one object (epoch ms and the
//! stored codes) for scripts and monitoring.

use super::CliError;
use super::members::{DatabaseArgs, database_url};
use super::words::{self, time};
use crate::store::{Alert, AlertState, DeliveryState, Instance, Store};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Arguments of `buurtbel status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// An alert sending, with its deliveries by state.
struct Sending {
    alert: Alert,
    counts: BTreeMap<DeliveryState, i64>,
}

/// Prints the status.
pub async fn run(args: StatusArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let instances = store.instances().await?;
    let read_at = store.database_now().await?;
    let mut sending = Vec::new();
    for alert in store.alerts_in_state(AlertState::Sending).await? {
        let counts = store.delivery_counts(&alert.id).await?;
        sending.push(Sending { alert, counts });
    }
    let lines = store.calls_on_the_line().await?;
    store.close().await;
    if args.json {
        println!("{}", as_json(read_at, &instances, &sending, &lines));
    } else {
        print!("{}", as_text(read_at, &instances, &sending, &lines));
    }
    Ok(())
}

fn as_text(
    read_at: i64,
    instances: &[Instance],
    sending: &[Sending],
    lines: &[(String, String, i64)],
) -> String {
    let mut out = format!("database clock {}\n\ninstances\n", time(read_at));
    if instances.is_empty() {
        out.push_str("  none has served this database\n");
    }
    for i in instances {
        let lease = if i.is_live() {
            format!("live, lease {}", seconds(i.lease_expires_at - i.read_at))
        } else if let Some(stopped) = i.stopped_at {
            format!("stopped at {}", time(stopped))
        } else {
            format!(
                "dead, lease expired {} ago",
                seconds(i.read_at - i.lease_expires_at)
            )
        };
        out.push_str(&format!(
            "  {}  {lease}  generation {}  pid {} on {}  since {}  calls {}  open attempts {}\n",
            i.id,
            i.generation,
            i.pid,
            i.host,
            time(i.started_at),
            i.calls,
            i.open_attempts
        ));
        if let (Some(by), Some(at)) = (&i.taken_over_by, i.taken_over_at) {
            out.push_str(&format!(
                "    its calls taken over by {by} at {}\n",
                time(at)
            ));
        }
    }
    out.push_str("\nalerts sending\n");
    if sending.is_empty() {
        out.push_str("  none\n");
    }
    for s in sending {
        let total: i64 = s.counts.values().sum();
        let states: Vec<String> = s
            .counts
            .iter()
            .map(|(state, n)| format!("{n} {}", words::state(*state)))
            .collect();
        out.push_str(&format!(
            "  {} ({}{})  {total} members: {}\n",
            s.alert.id,
            s.alert.kind,
            if s.alert.drill { ", drill" } else { "" },
            states.join(", ")
        ));
    }
    out.push_str("\ncalls on the line\n");
    if lines.is_empty() {
        out.push_str("  none\n");
    }
    for (trunk, instance, calls) in lines {
        let instance = if instance.is_empty() {
            "(no instance)"
        } else {
            instance
        };
        out.push_str(&format!("  {trunk}  {instance}  {calls}\n"));
    }
    out
}

fn as_json(
    read_at: i64,
    instances: &[Instance],
    sending: &[Sending],
    lines: &[(String, String, i64)],
) -> Value {
    let instances: Vec<Value> = instances
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "live": i.is_live(),
                "generation": i.generation,
                "host": i.host,
                "pid": i.pid,
                "version": i.version,
                "trunk": i.trunk,
                "started_at": i.started_at,
                "renewed_at": i.renewed_at,
                "lease_expires_at": i.lease_expires_at,
                "stopped_at": i.stopped_at,
                "taken_over_by": i.taken_over_by,
                "taken_over_at": i.taken_over_at,
                "calls": i.calls,
                "open_attempts": i.open_attempts,
            })
        })
        .collect();
    let alerts: Vec<Value> = sending
        .iter()
        .map(|s| {
            let counts: serde_json::Map<String, Value> = s
                .counts
                .iter()
                .map(|(state, n)| (state.as_str().to_owned(), json!(n)))
                .collect();
            json!({
                "id": s.alert.id.as_str(),
                "kind": s.alert.kind.as_str(),
                "drill": s.alert.drill,
                "created_at": s.alert.created_at,
                "expires_at": s.alert.expires_at,
                "deliveries": counts,
            })
        })
        .collect();
    let calls: Vec<Value> = lines
        .iter()
        .map(|(trunk, instance, calls)| json!({"trunk": trunk, "instance": instance, "calls": calls}))
        .collect();
    json!({
        "read_at": read_at,
        "instances": instances,
        "alerts_sending": alerts,
        "calls_on_the_line": calls,
    })
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(id: &str, live: bool) -> Instance {
        Instance {
            id: id.to_owned(),
            generation: 2,
            host: "gateway-1".to_owned(),
            pid: 4242,
            version: "0.1.0".to_owned(),
            trunk: "trunk.invalid:5060".to_owned(),
            started_at: 1_700_000_000_000,
            renewed_at: 1_700_000_060_000,
            lease_expires_at: 1_700_000_070_000,
            stopped_at: None,
            taken_over_by: (!live).then(|| "gw-b".to_owned()),
            taken_over_at: (!live).then_some(1_700_000_082_000),
            read_at: if live {
                1_700_000_061_500
            } else {
                1_700_000_082_500
            },
            open_attempts: 3,
            calls: 2,
        }
    }

    #[test]
    fn the_text_names_each_instance_with_its_lease_and_calls() {
        let lines = vec![("trunk.invalid:5060".to_owned(), "gw-a".to_owned(), 2)];
        let text = as_text(
            1_700_000_061_500,
            &[instance("gw-a", true), instance("gw-b", false)],
            &[],
            &lines,
        );
        assert!(
            text.contains("gw-a  live, lease 8.5 s  generation 2  pid 4242"),
            "{text}"
        );
        assert!(
            text.contains("gw-b  dead, lease expired 12.5 s ago"),
            "{text}"
        );
        assert!(
            text.contains("taken over by gw-b at 2023-11-14 23:14:42 CET"),
            "{text}"
        );
        assert!(text.contains("alerts sending\n  none"), "{text}");
        assert!(text.contains("trunk.invalid:5060  gw-a  2"), "{text}");
    }

    #[test]
    fn the_json_keeps_every_field() {
        let value = as_json(1, &[instance("gw-a", true)], &[], &[]);
        assert_eq!(value["instances"][0]["id"], "gw-a");
        assert_eq!(value["instances"][0]["live"], true);
        assert_eq!(value["instances"][0]["calls"], 2);
        assert_eq!(value["alerts_sending"], json!([]));
    }
}
