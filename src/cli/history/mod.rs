//! `buurtbel alert list` and `buurtbel alert show`: the alerts sent, and how each went, read
//! back from the database the next day by a coordinator (text) or a script (`--json`).
//!
//! Reads only; the store reads a whole alert's members in one statement. Names are personal
//! data and numbers more so: names are printed only with `--members`, and a number never
//! whole, only as [`crate::number::masked`] shows it. Nothing here is logged.

mod json;
mod text;

use super::CliError;
use super::members::{DatabaseArgs, database_url, existing_network};
use crate::store::{AlertId, AlertSummary, MemberResult, Message, Store};
use crate::telephony::clock::epoch_ms;
use std::time::Duration;

/// Arguments of `buurtbel alert list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Where the alerts are kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only the alerts sent to this network (its name).
    #[arg(long)]
    pub network: Option<String>,
    /// How far back: alerts created within this long (`7d`, `36h`, `90min`).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "7d")]
    pub since: Duration,
    /// One JSON object instead of text (fields in the README).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `buurtbel alert show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Where the alert is kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The alert's id, as `alert send` or `alert list` printed it.
    pub alert: String,
    /// One line per member: name, number, final state, tries, when and how they confirmed,
    /// or why not (the last try's outcome and SIP status). Numbers are masked: the country
    /// code and the last two digits (+32 ••• •• •• 12). Names are personal data.
    #[arg(long)]
    pub members: bool,
    /// One JSON object instead of text (fields in the README).
    #[arg(long)]
    pub json: bool,
}

/// Lists the alerts created within `--since`, newest first.
pub async fn list(args: ListArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let network = match &args.network {
        Some(name) => Some(existing_network(&store, name).await?),
        None => None,
    };
    let back = i64::try_from(args.since.as_millis()).unwrap_or(i64::MAX);
    let since = epoch_ms().saturating_sub(back);
    let alerts = store
        .recent_alerts(since, network.as_ref().map(|n| &n.id))
        .await?;
    store.close().await;
    let network = network.map(|n| n.name);
    if args.json {
        println!("{}", json::list(since, network.as_deref(), &alerts));
    } else {
        print!("{}", text::list(since, network.as_deref(), &alerts));
    }
    Ok(())
}

/// Shows one alert, and with `--members` how it went for each member.
pub async fn show(args: ShowArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let id = AlertId::from(args.alert.trim());
    let Some(summary) = store.alert_summary(&id).await? else {
        store.close().await;
        return Err(CliError::NoAlert(id));
    };
    let messages: Vec<Message> = store.alert_messages(&id).await?;
    let members = if args.members {
        Some(store.member_results(&id).await?)
    } else {
        None
    };
    store.close().await;
    let shown = Shown {
        summary: &summary,
        messages: &messages,
        members: members.as_deref(),
    };
    if args.json {
        println!("{}", json::show(&shown));
    } else {
        print!("{}", text::show(&shown));
    }
    Ok(())
}

/// One alert as `alert show` prints it.
struct Shown<'a> {
    summary: &'a AlertSummary,
    messages: &'a [Message],
    /// With `--members`.
    members: Option<&'a [MemberResult]>,
}
