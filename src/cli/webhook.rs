//! `buurtbel webhook`: add, list and remove a network's webhooks, and show what one sent.
//! `webhook add` prints the signing secret once, alone on its last line (as `token create`
//! does), so a script can take it with `tail -n 1`. A running `serve` posts the events.

use super::CliError;
use super::members::{DatabaseArgs, database_url, existing_network};
use super::values::one_of;
use super::words::time;
use crate::store::{AuditEntry, EventState, NetworkId, NewWebhook, Store, WebhookEvent, WebhookId};
use crate::telephony::clock::epoch_ms;
use crate::webhooks::target::check_url;
use std::collections::HashMap;

/// Arguments of `buurtbel webhook`.
#[derive(Debug, clap::Args)]
pub struct WebhookArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: WebhookCommand,
}

/// The webhook subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum WebhookCommand {
    /// Add a webhook to a network; its signing secret is printed once, on the last line.
    Add(AddArgs),
    /// The webhooks, with what each sent: delivered, pending, failed, the last try.
    List(ListArgs),
    /// Remove a webhook: nothing more is sent to it.
    Remove(RemoveArgs),
    /// A webhook's events, newest first, with their tries and last error.
    Events(EventsArgs),
}

/// Arguments of `buurtbel webhook add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The network's name.
    #[arg(long)]
    pub network: String,
    /// Where events are posted (http or https).
    #[arg(long)]
    pub url: String,
    /// What it receives, separated by commas (default all).
    #[arg(long, value_delimiter = ',',
        value_parser = one_of(WebhookEvent::ALL, WebhookEvent::as_str))]
    pub events: Vec<WebhookEvent>,
}

/// Arguments of `buurtbel webhook list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only this network's.
    #[arg(long)]
    pub network: Option<String>,
}

/// Arguments of `buurtbel webhook remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The webhook's id, as `webhook list` shows it.
    pub id: String,
}

/// Arguments of `buurtbel webhook events`.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The webhook's id, as `webhook list` shows it.
    pub id: String,
    /// Only those pending, delivered or failed.
    #[arg(long, value_parser = one_of(EventState::ALL, EventState::as_str))]
    pub state: Option<EventState>,
}

/// Runs a webhook subcommand.
pub async fn run(args: WebhookArgs) -> Result<(), CliError> {
    match args.command {
        WebhookCommand::Add(args) => add(args).await,
        WebhookCommand::List(args) => list(args).await,
        WebhookCommand::Remove(args) => remove(args).await,
        WebhookCommand::Events(args) => events(args).await,
    }
}

async fn add(args: AddArgs) -> Result<(), CliError> {
    let url = check_url(&args.url).map_err(CliError::WebhookUrl)?;
    let store = Store::open(&database_url(&args.database)?).await?;
    let network = existing_network(&store, &args.network).await?;
    let events = if args.events.is_empty() {
        WebhookEvent::ALL.to_vec()
    } else {
        args.events
    };
    let webhook = NewWebhook {
        network_id: network.id.clone(),
        url: url.to_string(),
        events,
        created_by: "cli".to_owned(),
    };
    let now = epoch_ms();
    let (webhook, secret) = store.add_webhook(webhook, now).await?;
    store
        .audit(&cli_entry(
            "webhooks.add",
            &network.id,
            webhook.id.as_str(),
            now,
        ))
        .await?;
    let events: Vec<&str> = webhook.events.iter().map(|e| e.as_str()).collect();
    println!(
        "webhook {} for {}: {} ({})",
        webhook.id,
        network.name,
        webhook.url,
        events.join(", ")
    );
    println!("keep the signing secret below with the receiver; it is not shown again");
    println!("{secret}");
    store.close().await;
    Ok(())
}

async fn list(args: ListArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let network = match &args.network {
        Some(name) => Some(existing_network(&store, name).await?.id),
        None => None,
    };
    let names: HashMap<NetworkId, String> = store
        .networks()
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    let webhooks = store.webhooks(network.as_ref()).await?;
    let ids: Vec<WebhookId> = webhooks.iter().map(|w| w.id.clone()).collect();
    let tallies = store.webhook_tallies(&ids).await?;
    for webhook in &webhooks {
        let tally = tallies.get(&webhook.id).cloned().unwrap_or_default();
        let network = names
            .get(&webhook.network_id)
            .map_or(webhook.network_id.as_str(), String::as_str);
        println!("{}  {network}  {}", webhook.id, webhook.url);
        let last = match (&tally.last_error, tally.last_delivered_at) {
            (Some(error), _) => format!("; last try failed: {error}"),
            (None, Some(at)) => format!("; last delivered {}", time(at)),
            (None, None) => String::new(),
        };
        println!(
            "    {} delivered, {} pending, {} failed{last}",
            tally.delivered, tally.pending, tally.failed
        );
    }
    if webhooks.is_empty() {
        println!("no webhooks");
    }
    store.close().await;
    Ok(())
}

async fn remove(args: RemoveArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let id = WebhookId(args.id.clone());
    let webhook = store.webhook(&id).await?;
    let now = epoch_ms();
    match webhook {
        Some(webhook) if store.remove_webhook(&id, now).await? => {
            store
                .audit(&cli_entry(
                    "webhooks.remove",
                    &webhook.network_id,
                    &args.id,
                    now,
                ))
                .await?;
            println!("webhook {} removed", args.id);
            store.close().await;
            Ok(())
        }
        _ => {
            store.close().await;
            Err(CliError::NoWebhook(id))
        }
    }
}

async fn events(args: EventsArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let id = WebhookId(args.id.clone());
    if store.webhook(&id).await?.is_none() {
        store.close().await;
        return Err(CliError::NoWebhook(id));
    }
    let records = store.webhook_events(&id, args.state, 1000).await?;
    for record in &records {
        let tries = match record.tries {
            1 => "1 try".to_owned(),
            n => format!("{n} tries"),
        };
        let when = match (record.delivered_at, record.next_try_at) {
            (Some(at), _) => format!("delivered {}", time(at)),
            (None, Some(at)) => format!("next try {}", time(at)),
            (None, None) => format!("written {}", time(record.created_at)),
        };
        let error = record
            .last_error
            .as_deref()
            .map(|e| format!("; last: {e}"))
            .unwrap_or_default();
        println!(
            "{}  {}  {:<21} alert {}  {tries}, {when}{error}",
            record.uid, record.state, record.event, record.alert_id
        );
    }
    if records.is_empty() {
        println!("no events");
    }
    store.close().await;
    Ok(())
}

fn cli_entry(action: &str, network: &NetworkId, subject: &str, at: i64) -> AuditEntry {
    AuditEntry {
        at,
        actor: "cli".to_owned(),
        action: action.to_owned(),
        network: Some(network.clone()),
        subject: Some(subject.to_owned()),
        address: None,
    }
}
