//! Signatures as the Standard Webhooks specification writes them (standardwebhooks.com): the
//! HMAC-SHA256, keyed with the secret's bytes, of `{id}.{timestamp}.{body}`, in base64 after
//! `v1,`. A receiver recomputes it with the secret it was given (`whsec_` and base64) and
//! refuses a timestamp far from its own clock, so a message recorded on the way cannot be
//! replayed later.
//!
//! Pure functions: the time is an argument, nothing here reads a clock.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret's prefix; a secret without it is read as well.
pub const PREFIX: &str = "whsec_";

/// How far a receiver should let a timestamp be from its own clock (the specification's
/// libraries use five minutes).
pub const TOLERANCE_S: i64 = 5 * 60;

/// A webhook's secret, as the key of the HMAC.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A secret that is not `whsec_` and base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is `whsec_` followed by base64")]
pub struct BadSecret;

impl Secret {
    /// Reads `whsec_…` (or the base64 alone).
    pub fn parse(text: &str) -> Result<Secret, BadSecret> {
        let encoded = text.strip_prefix(PREFIX).unwrap_or(text);
        match STANDARD.decode(encoded) {
            Ok(bytes) if !bytes.is_empty() => Ok(Secret(bytes)),
            _ => Err(BadSecret),
        }
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` header of `body` sent as message `id` at `timestamp` (unix
/// seconds): `v1,` and the base64 HMAC.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret.mac(id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// Why a receiver refuses a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// `webhook-timestamp` is not a number of seconds.
    #[error("webhook-timestamp is not unix seconds")]
    BadTimestamp,
    /// The timestamp is further from the receiver's clock than the tolerance.
    #[error("webhook-timestamp is too far from now (a replay, or a clock that is off)")]
    OutOfTolerance,
    /// No `v1` signature matches.
    #[error("no v1 signature in webhook-signature matches")]
    Mismatch,
}

/// Checks a message as a receiver does: the timestamp within `tolerance_s` of `now_s` (unix
/// seconds), and one of the space-separated signatures of `signatures` a `v1` that matches.
/// Comparison is in constant time.
pub fn verify(
    secret: &Secret,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now_s: i64,
    tolerance_s: i64,
) -> Result<(), Refusal> {
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::BadTimestamp)?;
    if sent.abs_diff(now_s) > tolerance_s.unsigned_abs() {
        return Err(Refusal::OutOfTolerance);
    }
    let matches = signatures
        .split(' ')
        .filter_map(|one| one.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|tag| secret.mac(id, sent, body).verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference libraries' own vector ("sign function works").
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> Secret {
        Secret::parse(SECRET).expect("secret")
    }

    #[test]
    fn the_specification_vector_signs_and_verifies() {
        assert_eq!(sign(&secret(), ID, TIMESTAMP, BODY), SIGNATURE);
        let stamp = TIMESTAMP.to_string();
        assert_eq!(
            verify(
                &secret(),
                ID,
                &stamp,
                SIGNATURE,
                BODY,
                TIMESTAMP,
                TOLERANCE_S
            ),
            Ok(())
        );
        let bare = Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("no prefix");
        assert_eq!(bare, secret());
    }

    #[test]
    fn one_matching_signature_among_several_is_enough() {
        let stamp = TIMESTAMP.to_string();
        let several = format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,xyz {SIGNATURE}");
        let seen = verify(
            &secret(),
            ID,
            &stamp,
            &several,
            BODY,
            TIMESTAMP,
            TOLERANCE_S,
        );
        assert_eq!(seen, Ok(()));
    }

    #[test]
    fn a_changed_body_id_or_timestamp_is_refused() {
        let stamp = TIMESTAMP.to_string();
        let check = |id: &str, stamp: &str, body: &[u8]| {
            verify(
                &secret(),
                id,
                stamp,
                SIGNATURE,
                body,
                TIMESTAMP,
                TOLERANCE_S,
            )
        };
        assert_eq!(
            check(ID, &stamp, br#"{"test": 2432232315}"#),
            Err(Refusal::Mismatch)
        );
        assert_eq!(check("msg_other", &stamp, BODY), Err(Refusal::Mismatch));
        let later = (TIMESTAMP + 1).to_string();
        assert_eq!(check(ID, &later, BODY), Err(Refusal::Mismatch));
        assert_eq!(check(ID, "soon", BODY), Err(Refusal::BadTimestamp));
        let other =
            Secret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("secret");
        let seen = verify(&other, ID, &stamp, SIGNATURE, BODY, TIMESTAMP, TOLERANCE_S);
        assert_eq!(seen, Err(Refusal::Mismatch));
        for garbage in ["", "v1,", "v1,!!!", "v0,g0hM9SsE", "g0hM9SsE+OTPJTGt"] {
            assert_eq!(check(ID, &stamp, BODY).ok(), Some(()));
            let seen = verify(&secret(), ID, &stamp, garbage, BODY, TIMESTAMP, TOLERANCE_S);
            assert_eq!(seen, Err(Refusal::Mismatch), "{garbage}");
        }
    }

    #[test]
    fn a_timestamp_out_of_tolerance_is_a_replay() {
        let stamp = TIMESTAMP.to_string();
        let at = |now: i64| verify(&secret(), ID, &stamp, SIGNATURE, BODY, now, TOLERANCE_S);
        assert_eq!(at(TIMESTAMP + TOLERANCE_S), Ok(()));
        assert_eq!(at(TIMESTAMP - TOLERANCE_S), Ok(()));
        assert_eq!(
            at(TIMESTAMP + TOLERANCE_S + 1),
            Err(Refusal::OutOfTolerance)
        );
        assert_eq!(
            at(TIMESTAMP - TOLERANCE_S - 1),
            Err(Refusal::OutOfTolerance)
        );
    }

    #[test]
    fn secrets_that_are_not_base64_are_refused() {
        assert_eq!(Secret::parse("whsec_"), Err(BadSecret));
        assert_eq!(Secret::parse("whsec_not base64!"), Err(BadSecret));
        assert_eq!(format!("{:?}", secret()), "Secret(…)");
    }
}
