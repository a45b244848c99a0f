//! `buurtbel token`: make, list and revoke the API's bearer tokens. `token create` prints
//! the secret once, alone on its last line, so a script can take it with `tail -n 1`; only
//! its hash is kept.

use super::CliError;
use super::members::{DatabaseArgs, database_url, existing_network};
use super::values::one_of;
use crate::store::{NewToken, Role, Store, TokenId};
use crate::telephony::clock::epoch_ms;

/// Arguments of `buurtbel token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// The token subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token for the HTTP API; its secret is printed once, on the last line.
    Create(CreateArgs),
    /// Every token: id, name, role, networks, and whether it was revoked.
    List(ListArgs),
    /// Revoke a token: requests with it are refused from now on.
    Revoke(RevokeArgs),
}

/// Arguments of `buurtbel token create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Where the tokens are kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// admin, police, coordinator or viewer.
    #[arg(long, value_parser = one_of(Role::ALL, Role::as_str))]
    pub role: Role,
    /// The networks it may act on, by name, separated by commas (default: every network).
    #[arg(long, value_delimiter = ',')]
    pub networks: Vec<String>,
    /// Who holds it, for the audit log (default: the role).
    #[arg(long)]
    pub name: Option<String>,
}

/// Arguments of `buurtbel token list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Where the tokens are kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Arguments of `buurtbel token revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Where the tokens are kept.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The token's id, as `token list` shows it.
    pub id: String,
}

/// Runs a token subcommand.
pub async fn run(args: TokenArgs) -> Result<(), CliError> {
    match args.command {
        TokenCommand::Create(args) => create(args).await,
        TokenCommand::List(args) => list(args).await,
        TokenCommand::Revoke(args) => revoke(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let mut networks = Vec::new();
    let mut names = Vec::new();
    for name in args
        .networks
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        let network = existing_network(&store, name).await?;
        networks.push(network.id);
        names.push(network.name);
    }
    let name = args.name.unwrap_or_else(|| format!("{} token", args.role));
    let token = NewToken {
        name,
        role: args.role,
        networks,
        created_by: "cli".to_owned(),
    };
    let (token, secret) = store.create_token(token, epoch_ms()).await?;
    let scope = if names.is_empty() {
        "every network".to_owned()
    } else {
        names.join(", ")
    };
    println!(
        "token {} `{}`: {} for {scope}",
        token.id, token.name, token.role
    );
    println!("keep the secret below; it is not shown again");
    println!("{secret}");
    store.close().await;
    Ok(())
}

async fn list(args: ListArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let names: std::collections::HashMap<_, _> = store
        .networks()
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    for token in store.tokens().await? {
        let scope = if token.networks.is_empty() {
            "every network".to_owned()
        } else {
            let named: Vec<&str> = token
                .networks
                .iter()
                .map(|id| names.get(id).map_or(id.as_str(), String::as_str))
                .collect();
            named.join(", ")
        };
        let revoked = if token.revoked_at.is_some() {
            "  (revoked)"
        } else {
            ""
        };
        println!(
            "{}  {:<12} {:<24} {scope}{revoked}",
            token.id, token.role, token.name
        );
    }
    store.close().await;
    Ok(())
}

async fn revoke(args: RevokeArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    if store
        .revoke_token(&TokenId(args.id.clone()), epoch_ms())
        .await?
    {
        println!("token {} revoked", args.id);
    } else {
        println!("no live token {}", args.id);
    }
    store.close().await;
    Ok(())
}
