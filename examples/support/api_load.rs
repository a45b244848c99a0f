//! Load on the HTTP API beside the calls: an API over its own SQLite database (a network of
//! members and an alert with a delivery each), answering on loopback in the gateway's
//! process and runtime, as `serve` does, and clients that read the alert's live totals
//! (`GET /v1/alerts/{id}`) as fast as it answers, each over one kept-alive connection.

use buurtbel::api::ApiState;
use buurtbel::api::desk::StoreDesk;
use buurtbel::api::server::BoundApi;
use buurtbel::chain::dispatcher::submit;
use buurtbel::config::{ApiConfig, ChainConfig};
use buurtbel::speech::{Speech, SpeechSettings};
use buurtbel::store::{
    AlertKind, Channel, ContactKind, ContactPoint, MemberStatus, Message, MessageBody, NetworkKind,
    NewAlert, NewMember, NewNetwork, NewToken, Role, Store,
};
use buurtbel::telephony::clock;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::{JoinHandle, JoinSet};

type Fallible<T> = Result<T, Box<dyn Error>>;

/// The API and what its clients read.
pub struct ApiLoad {
    base: String,
    token: String,
    alert: String,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// What the clients got in one stretch.
#[derive(Debug, Clone, Default)]
pub struct LoadFigures {
    /// Answers with status 200.
    pub answered: u64,
    /// Anything else, or no answer.
    pub failed: u64,
    /// How long the clients ran.
    pub length: Duration,
    /// Latency per request, sorted.
    pub latencies: Vec<Duration>,
}

impl LoadFigures {
    /// Requests answered per second.
    pub fn per_second(&self) -> f64 {
        self.answered as f64 / self.length.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q`.
    pub fn quantile(&self, q: f64) -> Duration {
        let index = ((q * self.latencies.len() as f64).ceil() as usize).max(1) - 1;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

impl ApiLoad {
    /// The API over a fresh database with an alert to `members` members.
    pub async fn start(members: usize) -> Fallible<ApiLoad> {
        let dir = tempfile::TempDir::with_prefix("buurtbel-api-load-")?;
        let url = format!("sqlite:{}", dir.path().join("api.db").display());
        let store = Store::open(&url).await?;
        let network = store
            .create_network(
                NewNetwork {
                    name: "BIN Lastproef".to_owned(),
                    kind: NetworkKind::Residential,
                    police_zone: "Zone Test".to_owned(),
                    language: "nl".to_owned(),
                    caller_id: "+3250000000".to_owned(),
                    ring_timeout_ms: None,
                    retry_policy: None,
                },
                0,
            )
            .await?;
        let people = (0..members).map(|n| NewMember {
            name: format!("Testlid {n:05}"),
            language: "nl".to_owned(),
            channel: Channel::Voice,
            quiet_hours: None,
            speech_rate: 1.0,
            status: MemberStatus::Active,
            consent_at: None,
            contact_points: vec![ContactPoint {
                kind: ContactKind::Mobile,
                number: format!("+3247{n:07}"),
            }],
            external_id: None,
        });
        store
            .import_members(&network.id, people.collect(), 0)
            .await?;
        let alert = NewAlert {
            kind: AlertKind::Urgent,
            activation_of: None,
            created_by: "bench".to_owned(),
            networks: vec![network.id],
            messages: vec![Message {
                language: "nl".to_owned(),
                body: MessageBody::Text("Een oefening.".to_owned()),
            }],
            expires_at: None,
            drill: true,
            idempotency_key: None,
        };
        let (alert, _) = submit(&store, alert, Duration::from_secs(1800), 0).await?;
        let targeted = store
            .targeted_members(&alert.id, None, u32::try_from(members + 1)?)
            .await?;
        store.create_deliveries(&alert.id, &targeted, 0).await?;
        let token = NewToken {
            name: "bench".to_owned(),
            role: Role::Viewer,
            networks: Vec::new(),
            created_by: "bench".to_owned(),
        };
        let (_, token) = store.create_token(token, 0).await?;
        let api = ApiConfig {
            listen: "127.0.0.1:0".parse()?,
            rate_limit: u32::MAX,
            ..ApiConfig::default()
        };
        let speech = SpeechSettings {
            cache_dir: dir.path().join("speech"),
            ..SpeechSettings::default()
        };
        let state = ApiState::new(
            store.clone(),
            Arc::new(StoreDesk::new(store, Duration::from_secs(1800))),
            None,
            Arc::new(Speech::new(speech)?),
            ChainConfig::default(),
            &api,
        );
        let bound = BoundApi::bind(&api).await?;
        let base = format!("http://{}", bound.address());
        let server = tokio::spawn(async move {
            let _ = bound.serve(state, &api, std::future::pending()).await;
        });
        Ok(ApiLoad {
            base,
            token,
            alert: alert.id.to_string(),
            server,
            _dir: dir,
        })
    }

    /// The URL the clients read, and their token.
    pub fn target(&self) -> (String, String) {
        (
            format!("{}/v1/alerts/{}", self.base, self.alert),
            self.token.clone(),
        )
    }

    /// `clients` clients in another process (this program with `--hammer-url`), so their
    /// work does not count as the gateway's, reading the alert for `length`.
    pub async fn hammer(&self, clients: usize, length: Duration) -> Fallible<LoadFigures> {
        let (url, token) = self.target();
        let program = std::env::current_exe()?;
        let millis = length.as_millis().to_string();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(program)
                .args(["--hammer-url", &url, "--hammer-token", &token])
                .args(["--api-clients", &clients.to_string()])
                .args(["--hammer-millis", &millis])
                .output()
        })
        .await??;
        let text = String::from_utf8_lossy(&output.stdout);
        LoadFigures::from_line(text.trim()).ok_or_else(|| format!("hammer said: {text}").into())
    }
}

impl LoadFigures {
    /// The one line the hammer prints: answered, failed, length and latencies in µs.
    pub fn line(&self) -> String {
        let micros: Vec<String> = self
            .latencies
            .iter()
            .map(|d| d.as_micros().to_string())
            .collect();
        format!(
            "{} {} {} {}",
            self.answered,
            self.failed,
            self.length.as_micros(),
            micros.join(",")
        )
    }

    fn from_line(line: &str) -> Option<LoadFigures> {
        let mut parts = line.split(' ');
        let answered = parts.next()?.parse().ok()?;
        let failed = parts.next()?.parse().ok()?;
        let length = Duration::from_micros(parts.next()?.parse().ok()?);
        let latencies = parts
            .next()
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().map(Duration::from_micros))
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Some(LoadFigures {
            answered,
            failed,
            length,
            latencies,
        })
    }
}

/// `clients` clients reading `url` for `length`, here.
pub async fn hammer(url: String, token: String, clients: usize, length: Duration) -> LoadFigures {
    {
        let until = clock::now() + length;
        let started = clock::now();
        let mut tasks = JoinSet::new();
        for _ in 0..clients {
            let (url, token) = (url.clone(), token.clone());
            tasks.spawn(async move {
                let client = reqwest::Client::new();
                let mut figures = LoadFigures::default();
                while clock::now() < until {
                    let sent = clock::now();
                    let answer = client.get(&url).bearer_auth(&token).send().await;
                    let ok = match answer {
                        Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if ok {
                        figures.answered += 1;
                        figures.latencies.push(clock::elapsed(sent));
                    } else {
                        figures.failed += 1;
                    }
                }
                figures
            });
        }
        let mut all = LoadFigures::default();
        while let Some(Ok(figures)) = tasks.join_next().await {
            all.answered += figures.answered;
            all.failed += figures.failed;
            all.latencies.extend(figures.latencies);
        }
        all.length = clock::elapsed(started);
        all.latencies.sort();
        all
    }
}

impl Drop for ApiLoad {
    fn drop(&mut self) {
        self.server.abort();
    }
}
