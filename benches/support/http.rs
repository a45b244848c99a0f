//! The HTTP API in the bench's process, over the bench's chain, as `serve` runs it: alerts
//! are posted over a real TCP connection (kept alive, as a dispatcher's system would) with an
//! admin token.

use buurtbel::api::ApiState;
use buurtbel::api::server::BoundApi;
use buurtbel::chain::service::LiveDispatcher;
use buurtbel::config::{ApiConfig, Config};
use buurtbel::speech::Speech;
use buurtbel::store::{AlertId, NewToken, Role, Store};
use std::error::Error;
use std::sync::Arc;
use tokio::task::JoinHandle;

type Fallible<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// A client of the API.
pub struct HttpSender {
    client: reqwest::Client,
    base: String,
    token: String,
    server: JoinHandle<()>,
}

impl HttpSender {
    /// Starts the API on a free loopback port over `dispatcher`.
    pub async fn start(
        config: &Config,
        store: Store,
        dispatcher: &LiveDispatcher,
    ) -> Fallible<HttpSender> {
        let api = ApiConfig {
            listen: "127.0.0.1:0".parse()?,
            rate_limit: 1_000_000,
            ..ApiConfig::default()
        };
        let bound = BoundApi::bind(&api).await?;
        let base = format!("http://{}", bound.address());
        let token = NewToken {
            name: "bench".to_owned(),
            role: Role::Admin,
            networks: Vec::new(),
            created_by: "bench".to_owned(),
        };
        let (_, token) = store.create_token(token, 0).await?;
        let state = ApiState::new(
            store,
            Arc::new(dispatcher.clone()),
            None,
            Arc::new(Speech::new(config.speech.settings()?)?),
            config.chain.clone(),
            &api,
        );
        let server = tokio::spawn(async move {
            let _ = bound.serve(state, &api, std::future::pending()).await;
        });
        let client = reqwest::Client::new();
        // One request first, so the timed ones find a connection open.
        client.get(format!("{base}/healthz")).send().await?;
        Ok(HttpSender {
            client,
            base,
            token,
            server,
        })
    }

    /// `POST /v1/alerts`: an urgent drill to `network` with this Dutch text; its id.
    pub async fn send(&self, network: &str, text: &str) -> Fallible<AlertId> {
        let body = serde_json::json!({
            "networks": [network],
            "kind": "urgent",
            "texts": {"nl": text},
            "drill": true,
        });
        let response = self
            .client
            .post(format!("{}/v1/alerts", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let answer: serde_json::Value = response.json().await?;
        if status != 201 {
            return Err(format!("POST /v1/alerts answered {status}: {answer}").into());
        }
        let id = answer["id"].as_str().ok_or("no id")?;
        Ok(AlertId::from(id))
    }
}

impl Drop for HttpSender {
    fn drop(&mut self) {
        self.server.abort();
    }
}
