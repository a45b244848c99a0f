//! `buurtbel members import` and `buurtbel members export`: a network's members in and out of
//! the database as the member CSV of [`crate::members`], for the coordinator who keeps the list.
//!
//! The file is checked whole before the database is touched, and the store imports it in one
//! transaction, so a file is in or out, never half. Export writes the columns import reads, so
//! export then import gives the same rows back.
//!
//! Names and numbers are personal data: they go to the CSV and, for a bad row, to standard
//! error where the coordinator fixes the file; never to a log above debug level.

use super::CliError;
use super::values::one_of;
use crate::config::Config;
use crate::members::{ImportError, MemberFile, MemberRow, Separator, read_member_file, write_csv};
use crate::speech::Language;
use crate::store::{
    AreaScheme, ImportSummary, Member, Network, NetworkArea, NetworkKind, NewMember, NewNetwork,
    Store, StoreError,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `buurtbel members`.
#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    /// What to do with the members.
    #[command(subcommand)]
    pub action: MembersAction,
}

/// `import` or `export`.
#[derive(Debug, clap::Subcommand)]
pub enum MembersAction {
    /// Import a member CSV into a network: all rows or none.
    ///
    /// The file has a header row and one member per row, its columns separated by , or ;
    /// (the header row decides; the summary says which). Columns (any order, any case):
    /// name, phone (required), member_id (your own id for the member), phone2, language (nl,
    /// fr, de, en; default nl), channel (voice, sms, voice_then_sms; default voice),
    /// speech_rate (0.5-2.0), quiet_start and quiet_end (HH:MM), consent (the day the member
    /// consented to be called, YYYY-MM-DD; empty keeps what is recorded). Every problem is printed as
    /// FILE:LINE: problem and nothing is imported (exit 2).
    ///
    /// A member is known by their member_id when the row has one, else by name and first
    /// number: several members may share a number (a household landline). A row that is
    /// someone already imported updates them and adds them to the network; the same member
    /// twice in the file is a problem naming both lines. Members missing from the file stay.
    /// A suspended member stays suspended; someone who had left and is in the file again is
    /// active again.
    ///
    /// The network must exist, so a typo in its name cannot start a new, empty network; with
    /// --create a missing network is created (residential, nl, no police zone or caller ID
    /// unless --kind, --language, --police-zone, --caller-id say otherwise; no language
    /// required of its alerts unless --languages lists them).
    Import(ImportArgs),
    /// Write members as a member CSV that `members import` reads back.
    ///
    /// With --network, that network's members with their member_id there; without, every
    /// member of every network, each once, with the member_id of the first network (by name)
    /// that gives one. Members who left are not exported. The file holds at most two numbers
    /// per member (phone, phone2) and no status; a warning counts members with more numbers.
    Export(ExportArgs),
}

/// Where the members are kept.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// A configuration file (see sip.example.toml), checked whole; its [database] url is used
    /// (default: sqlite:buurtbel.db in the working directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The database URL (sqlite:PATH or postgres://…), instead of the configuration's.
    #[arg(long)]
    pub database: Option<String>,
}

/// Arguments of `buurtbel members import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The network's name, e.g. "BIN Teststraat".
    #[arg(long)]
    pub network: String,
    /// Create the network when it does not exist yet.
    #[arg(long)]
    pub create: bool,
    /// What a created network covers: residential, business or rural (default residential).
    #[arg(long, requires = "create", value_parser = one_of(NetworkKind::ALL, NetworkKind::as_str))]
    pub kind: Option<NetworkKind>,
    /// A created network's language: nl, fr, de, en (default nl).
    #[arg(long, requires = "create", value_parser = one_of(&Language::ALL, Language::code))]
    pub language: Option<Language>,
    /// The languages a created network's members need, e.g. nl,fr for a bilingual
    /// municipality: every alert to it must carry a text in each (default: none required).
    #[arg(long, requires = "create", value_delimiter = ',',
        value_parser = one_of(&Language::ALL, Language::code))]
    pub languages: Vec<Language>,
    /// The police zone that activates a created network.
    #[arg(long, requires = "create")]
    pub police_zone: Option<String>,
    /// The number a created network's members see when called.
    #[arg(long, requires = "create", value_parser = crate::number::to_e164)]
    pub caller_id: Option<String>,
    /// The NIS municipality codes a created network covers, e.g. 11002: a CAP alert with one
    /// in a `<geocode>` reaches it.
    #[arg(long, requires = "create", value_delimiter = ',', value_parser = digits::<5>)]
    pub nis_codes: Vec<String>,
    /// The postal codes a created network covers, e.g. 2000,2018 (CAP `<geocode>`).
    #[arg(long, requires = "create", value_delimiter = ',', value_parser = digits::<4>)]
    pub postal_codes: Vec<String>,
    /// Who a created network's texts are from, when not `[sms] sender`: a number or short
    /// code members can reply to, or an alphanumeric ID such as BIN-Kessel.
    #[arg(long, requires = "create", value_parser = sms_sender)]
    pub sms_sender: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The member CSV.
    pub file: PathBuf,
}

/// Arguments of `buurtbel members export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Only this network's members (default: every network).
    #[arg(long)]
    pub network: Option<String>,
    /// Write the CSV to this file, whole or not at all, readable by its owner only (default:
    /// standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Imports or exports.
pub async fn run(args: MembersArgs) -> Result<(), CliError> {
    match args.action {
        MembersAction::Import(args) => import(args).await,
        MembersAction::Export(args) => export(args).await,
    }
}

/// `FILE: why` for [`CliError::MemberFile`]; the problems themselves were printed one a line
/// as `FILE:LINE: problem`.
pub(super) fn refusal(error: &ImportError) -> String {
    format!("{} problem(s), nothing imported", error.problems().len())
}

/// The network names for [`CliError::NoNetwork`], a few of them.
pub(super) fn known_networks(known: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut names: Vec<String> = known.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if known.len() > SHOWN {
        names.push(format!("and {} more", known.len() - SHOWN));
    }
    if names.is_empty() {
        "there are no networks yet".to_owned()
    } else {
        format!("known: {}", names.join(", "))
    }
}

/// What one import did, as the coordinator reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    network: String,
    network_created: bool,
    created: usize,
    updated: usize,
    unchanged: usize,
    shared_numbers: usize,
    members_sharing: usize,
    separator: Separator,
}

async fn import(args: ImportArgs) -> Result<(), CliError> {
    let MemberFile { separator, rows } = member_file(&args.file)?;
    let store = Store::open(&database_url(&args.database)?).await?;
    let (network, network_created) = network_for_import(&store, &args).await?;
    let members: Vec<NewMember> = rows
        .iter()
        .map(|(_, row)| NewMember::from_row(row))
        .collect();
    let imported = store.import_members(&network.id, members, now_ms()).await;
    store.close().await;
    let summary = imported.map_err(|e| refused_row(&args.file, &rows, e))?;
    let outcome = Outcome::new(&network, network_created, &summary, separator);
    tracing::info!(network = %network.name, created = outcome.created, updated = outcome.updated,
        unchanged = outcome.unchanged, shared_numbers = outcome.shared_numbers, "members imported");
    println!("{}", outcome.line(args.json));
    Ok(())
}

/// A member the store refused, as `FILE:LINE: problem` of the row it came from.
fn refused_row(path: &Path, rows: &[(u64, MemberRow)], error: StoreError) -> CliError {
    match crate::store::refused_row(rows, error) {
        Ok(source) => {
            report(path, &source);
            CliError::MemberFile {
                path: path.to_owned(),
                source,
            }
        }
        Err(error) => error.into(),
    }
}

async fn export(args: ExportArgs) -> Result<(), CliError> {
    let store = Store::open(&database_url(&args.database)?).await?;
    let networks = match &args.network {
        Some(name) => vec![existing_network(&store, name).await?],
        None => store.networks().await?,
    };
    let members = store.members_to_export(&networks).await?;
    store.close().await;
    let beyond_two = members
        .iter()
        .filter(|m| m.contact_points.len() > 2)
        .count();
    if beyond_two > 0 {
        tracing::warn!(
            members = beyond_two,
            "members with more than two numbers: only the first two are exported"
        );
    }
    let rows = members
        .iter()
        .map(Member::to_row)
        .collect::<Result<Vec<_>, _>>()?;
    match &args.out {
        Some(path) => write_atomically(path, |file| write_csv(file, &rows)),
        None => write_csv(std::io::stdout().lock(), &rows).map_err(|source| CliError::Write {
            path: PathBuf::from("standard output"),
            source,
        }),
    }
}

/// Reads and checks the whole file, each row with its line; each problem goes to standard
/// error as `FILE:LINE: problem`.
fn member_file(path: &Path) -> Result<MemberFile, CliError> {
    let file = std::fs::File::open(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    read_member_file(file).map_err(|source| {
        report(path, &source);
        CliError::MemberFile {
            path: path.to_owned(),
            source,
        }
    })
}

/// Prints every problem as `FILE:LINE: problem`, the form editors and coordinators jump to.
fn report(path: &Path, error: &ImportError) {
    for problem in error.problems() {
        eprintln!("{}:{}: {}", path.display(), problem.line, problem.problem);
    }
}

/// `--database`, else the configuration's `[database] url`, else its default.
pub(super) fn database_url(args: &DatabaseArgs) -> Result<String, CliError> {
    let configured = configuration(args)?.database.url;
    Ok(args.database.clone().unwrap_or(configured))
}

/// The configuration file, checked whole as `call` checks it (though `[trunk]` may be left
/// out), or the defaults without one.
pub(super) fn configuration(args: &DatabaseArgs) -> Result<Config, CliError> {
    Ok(match &args.config {
        Some(path) => Config::load_without_trunk(path)?,
        None => Config::default(),
    })
}

/// The network to import into, and whether it was created now.
async fn network_for_import(store: &Store, args: &ImportArgs) -> Result<(Network, bool), CliError> {
    if let Some(network) = store.network_by_name(&args.network).await? {
        let options = args.kind.is_some()
            || args.language.is_some()
            || !args.languages.is_empty()
            || args.police_zone.is_some()
            || args.caller_id.is_some();
        if options {
            tracing::warn!(network = %network.name,
                "the network exists: --kind, --language, --languages, --police-zone and --caller-id apply only to a new one");
        }
        return Ok((network, false));
    }
    if !args.create {
        return Err(no_network(store, &args.network).await);
    }
    let new = NewNetwork {
        name: args.network.clone(),
        kind: args.kind.unwrap_or(NetworkKind::Residential),
        police_zone: args.police_zone.clone().unwrap_or_default(),
        language: args.language.unwrap_or(Language::Nl).code().to_owned(),
        caller_id: args.caller_id.clone().unwrap_or_default(),
        ring_timeout_ms: None,
        retry_policy: None,
    };
    let mut languages: Vec<String> = Vec::new();
    for language in &args.languages {
        let code = language.code().to_owned();
        if !languages.contains(&code) {
            languages.push(code);
        }
    }
    let network = store
        .create_network_speaking(new, languages, now_ms())
        .await?;
    let areas: Vec<NetworkArea> = (args.nis_codes.iter().map(|c| (AreaScheme::Nis, c)))
        .chain(args.postal_codes.iter().map(|c| (AreaScheme::Postal, c)))
        .map(|(scheme, code)| NetworkArea {
            scheme,
            code: code.clone(),
        })
        .collect();
    store.set_network_areas(&network.id, &areas).await?;
    let mut network = network;
    if let Some(sender) = &args.sms_sender {
        store.set_sms_sender(&network.id, Some(sender)).await?;
        network.sms_sender = Some(sender.clone());
    }
    tracing::info!(network = %network.name, kind = %network.kind, "network created");
    Ok((network, true))
}

/// An SMS sender as the providers' rules allow it.
fn sms_sender(text: &str) -> Result<String, String> {
    crate::sms::sender::parse(text)
        .map(|sender| sender.as_str().to_owned())
        .map_err(|e| e.to_string())
}

/// A code of exactly `N` digits.
fn digits<const N: usize>(text: &str) -> Result<String, String> {
    let code = text.trim();
    if code.len() == N && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(format!("`{code}` is not {N} digits"))
    }
}

pub(super) async fn existing_network(store: &Store, name: &str) -> Result<Network, CliError> {
    match store.network_by_name(name).await? {
        Some(network) => Ok(network),
        None => Err(no_network(store, name).await),
    }
}

async fn no_network(store: &Store, name: &str) -> CliError {
    let known = match store.networks().await {
        Ok(networks) => networks.into_iter().map(|n| n.name).collect(),
        Err(e) => return e.into(),
    };
    CliError::NoNetwork {
        name: name.to_owned(),
        known,
    }
}

impl Outcome {
    fn new(
        network: &Network,
        created_now: bool,
        summary: &ImportSummary,
        separator: Separator,
    ) -> Outcome {
        Outcome {
            network: network.name.clone(),
            network_created: created_now,
            created: summary.created,
            updated: summary.updated,
            unchanged: summary.unchanged,
            shared_numbers: summary.shared_numbers,
            members_sharing: summary.members_sharing,
            separator,
        }
    }

    fn line(&self, json: bool) -> String {
        if json {
            return serde_json::json!({
                "network": self.network,
                "network_created": self.network_created,
                "members": self.created + self.updated + self.unchanged,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "shared_numbers": self.shared_numbers,
                "members_sharing": self.members_sharing,
                "separator": self.separator.to_string(),
            })
            .to_string();
        }
        let new_network = if self.network_created {
            " (new network)"
        } else {
            ""
        };
        format!(
            "{}{new_network}: {} created, {} updated, {} unchanged{}; columns separated by {}",
            self.network,
            self.created,
            self.updated,
            self.unchanged,
            self.sharing(),
            self.separator.plural()
        )
    }

    /// `; 3 members share 1 number`, or nothing when every number is one member's.
    fn sharing(&self) -> String {
        if self.shared_numbers == 0 {
            return String::new();
        }
        let numbers = match self.shared_numbers {
            1 => "1 number".to_owned(),
            n => format!("{n} numbers"),
        };
        format!("; {} members share {numbers}", self.members_sharing)
    }
}

/// Writes beside `path` and renames into place: the file is whole or absent, and only its
/// owner may read it, since it lists people and their numbers.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let staging = path.with_file_name(format!(".{name}.{:08x}.part", rand::random::<u32>()));
    let written = write_staged(&staging, write).and_then(|()| std::fs::rename(&staging, path));
    written.map_err(|source| {
        let _ = std::fs::remove_file(&staging);
        CliError::Write {
            path: path.to_owned(),
            source,
        }
    })
}

fn write_staged(
    staging: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = std::io::BufWriter::new(options.open(staging)?);
    write(&mut file)?;
    file.flush()?;
    file.get_ref().sync_all()
}

/// Epoch milliseconds for the store's `now`. The command line is a driver: it reads the
/// clock so that the store never does.
fn now_ms() -> i64 {
    crate::telephony::clock::epoch_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_url_comes_from_the_flag_the_file_or_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let with = write(
            "with.toml",
            "[trunk]\nproxy = \"127.0.0.1\"\ndomain = \"d\"\n[database]\nurl = \"sqlite:x.db\"\n",
        );
        let without = write("without.toml", "[speech]\nengine = \"builtin\"\n");
        let url = |config: &Path, database: Option<&str>| {
            database_url(&DatabaseArgs {
                config: Some(config.to_owned()),
                database: database.map(str::to_owned),
            })
        };
        assert_eq!(url(&with, None).unwrap(), "sqlite:x.db");
        assert_eq!(url(&with, Some("sqlite:y.db")).unwrap(), "sqlite:y.db");
        assert_eq!(url(&without, None).unwrap(), "sqlite:buurtbel.db");
        let missing = url(&dir.path().join("missing.toml"), None).unwrap_err();
        assert_eq!(missing.exit_code(), 2);
        let default = DatabaseArgs {
            config: None,
            database: None,
        };
        assert_eq!(database_url(&default).unwrap(), "sqlite:buurtbel.db");
    }

    #[test]
    fn a_typo_anywhere_in_the_file_is_refused_as_call_refuses_it() {
        let dir = tempfile::tempdir().unwrap();
        for typo in [
            "[database]\nuri = \"sqlite:x.db\"\n",
            "[trunk]\nproxy = 1\ndomain = \"d\"\n[database]\nurl = \"sqlite:x.db\"\n",
            "[trunk]\nproxy = \"127.0.0.1\"\ndomain = \"d\"\n[media]\ncodec = [\"PCMA\"]\n",
            "[speech]\nmax_chars = 0\n",
            "[chain]\nquiet_hours = \"late\"\n",
            "[sip]\ntransport = \"sctp\"\n",
        ] {
            let path = dir.path().join("typo.toml");
            std::fs::write(&path, typo).unwrap();
            let args = DatabaseArgs {
                config: Some(path.clone()),
                database: Some("sqlite:y.db".to_owned()),
            };
            let refused = database_url(&args).unwrap_err();
            assert_eq!(refused.exit_code(), 2, "{typo}");
            let with_trunk = if typo.contains("[trunk]") {
                typo.to_owned()
            } else {
                format!("[trunk]\nproxy = \"127.0.0.1\"\ndomain = \"d\"\n{typo}")
            };
            std::fs::write(&path, with_trunk).unwrap();
            let by_call = Config::load(&path).unwrap_err();
            assert_eq!(refused.to_string(), by_call.to_string(), "{typo}");
        }
    }

    #[test]
    fn outcomes_read_as_one_line() {
        let network = Network {
            id: "n1".into(),
            name: "BIN Teststraat".into(),
            kind: NetworkKind::Residential,
            police_zone: String::new(),
            language: "nl".into(),
            languages: Vec::new(),
            urgent_approval: false,
            caller_id: String::new(),
            ring_timeout_ms: None,
            retry_policy: None,
            sms_sender: None,
            created_at: 0,
        };
        let summary = ImportSummary {
            members: Vec::new(),
            created: 1,
            updated: 1,
            unchanged: 2,
            shared_numbers: 0,
            members_sharing: 0,
        };
        let outcome = Outcome::new(&network, true, &summary, Separator::Comma);
        assert_eq!(
            outcome.line(false),
            "BIN Teststraat (new network): 1 created, 1 updated, 2 unchanged; \
             columns separated by commas"
        );
        let json: serde_json::Value = serde_json::from_str(&outcome.line(true)).unwrap();
        assert_eq!(json["members"], 4);
        assert_eq!(json["unchanged"], 2);
        assert_eq!(json["network_created"], true);
        let household = ImportSummary {
            shared_numbers: 1,
            members_sharing: 3,
            ..summary
        };
        let outcome = Outcome::new(&network, false, &household, Separator::Semicolon);
        assert_eq!(
            outcome.line(false),
            "BIN Teststraat: 1 created, 1 updated, 2 unchanged; 3 members share 1 number; \
             columns separated by semicolons"
        );
        let json: serde_json::Value = serde_json::from_str(&outcome.line(true)).unwrap();
        assert_eq!(
            (
                json["shared_numbers"].clone(),
                json["members_sharing"].clone()
            ),
            (1.into(), 3.into())
        );
        assert_eq!(json["separator"], ";");
    }

    #[test]
    fn known_networks_are_listed_briefly() {
        assert_eq!(known_networks(&[]), "there are no networks yet");
        let many: Vec<String> = (0..12).map(|i| format!("BIN {i}")).collect();
        let text = known_networks(&many);
        assert!(text.starts_with("known: `BIN 0`, `BIN 1`"), "{text}");
        assert!(text.ends_with("and 2 more"), "{text}");
    }

    #[test]
    fn a_staged_file_is_whole_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("members.csv");
        write_atomically(&path, |file| file.write_all(b"name,phone\n")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"name,phone\n");
        let failed = write_atomically(&path, |_| Err(std::io::Error::other("disk full")));
        assert!(matches!(failed, Err(CliError::Write { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), b"name,phone\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
