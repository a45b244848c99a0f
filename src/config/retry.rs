//! `[chain.retry]` and a network's own retry rules: read here, handed to the retry policy as
//! its own types. Each rule is `{ after = "2m", retries = 3 }`; a table may name any subset of
//! the rules and the rest keep the policy's defaults.

use buurtbel_proto::policy::{RetryPolicy, Rule};
use serde::Deserialize;
use std::time::Duration;

/// A network's stored retry rules could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the retry rules are unusable: {0}")]
pub struct RetryRulesError(#[from] serde_json::Error);

/// A network's retry rules, stored as JSON: the defaults with what the network changes.
pub fn network_policy(json: &str) -> Result<RetryPolicy, RetryRulesError> {
    let rules: RetryRules = serde_json::from_str(json)?;
    Ok(rules.into_policy())
}

/// `[chain.retry]`, read straight into the policy.
pub(super) fn policy<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RetryPolicy, D::Error> {
    RetryRules::deserialize(d).map(RetryRules::into_policy)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RetryRules {
    busy: Option<RuleText>,
    no_answer: Option<RuleText>,
    answered_no_ack: Option<RuleText>,
    failed: Option<RuleText>,
    unavailable: Option<RuleText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    #[serde(deserialize_with = "super::duration")]
    after: Duration,
    retries: u32,
}

impl RetryRules {
    fn into_policy(self) -> RetryPolicy {
        let defaults = RetryPolicy::default();
        let rule = |text: Option<RuleText>, default: Rule| {
            text.map_or(default, |t| Rule {
                after: t.after,
                retries: t.retries,
            })
        };
        RetryPolicy {
            busy: rule(self.busy, defaults.busy),
            no_answer: rule(self.no_answer, defaults.no_answer),
            answered_no_ack: rule(self.answered_no_ack, defaults.answered_no_ack),
            failed: rule(self.failed, defaults.failed),
            unavailable: rule(self.unavailable, defaults.unavailable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_overrides_some_rules_and_keeps_the_rest() {
        let policy = network_policy(r#"{"busy": {"after": "30s", "retries": 1}}"#).unwrap();
        assert_eq!(policy.busy.after, Duration::from_secs(30));
        assert_eq!(policy.busy.retries, 1);
        assert_eq!(policy.no_answer, RetryPolicy::default().no_answer);
        assert!(network_policy(r#"{"bussy": {}}"#).is_err());
        assert!(network_policy(r#"{"busy": {"after": "soon", "retries": 1}}"#).is_err());
        assert!(network_policy(r#"{"busy": {"after": "30s"}}"#).is_err());
    }

    #[test]
    fn the_chain_table_reads_into_the_policy() {
        #[derive(Deserialize)]
        struct Chain {
            #[serde(deserialize_with = "policy")]
            retry: RetryPolicy,
        }
        let chain: Chain =
            toml::from_str("[retry]\nfailed = { after = 90, retries = 4 }\n").unwrap();
        assert_eq!(chain.retry.failed.after, Duration::from_secs(90));
        assert_eq!(chain.retry.failed.retries, 4);
        assert_eq!(chain.retry.busy, RetryPolicy::default().busy);
    }
}
