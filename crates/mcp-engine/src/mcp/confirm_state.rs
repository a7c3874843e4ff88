//! The `requestState` of a 2026-07-28 confirmation, self-contained: signed (HMAC-SHA256) and
//! bound to the caller, the call (a digest of the tool and its arguments) and an expiry, so
//! that any replica holding the key can check the answer that comes back with it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::used_states::{StateError, UsedStates};

type HmacSha256 = Hmac<Sha256>;

/// Issues and checks confirmation states.
pub(crate) struct ConfirmationStates {
    key: [u8; 32],
    valid_for: Duration,
    used: UsedStates,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Claims {
    /// Digest of the call (tool and arguments), hex.
    call: String,
    /// The caller's key id, or empty.
    caller: String,
    /// Unix seconds after which the state is refused.
    exp: u64,
    /// Makes every state unique, so that "once" can be told.
    nonce: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn digest(call: &str) -> String {
    Sha256::digest(call.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A confirmation key from a secret the replicas share (at least 32 bytes of it).
pub(crate) fn key_from_secret(secret: &[u8]) -> Option<[u8; 32]> {
    (secret.len() >= 32).then(|| Sha256::digest(secret).into())
}

impl ConfirmationStates {
    /// With the key replicas share, or a random one when the process is alone; `used`
    /// remembers the states used, in this process or for all replicas.
    pub(crate) fn new(key: Option<[u8; 32]>, valid_for: Duration, used: UsedStates) -> Self {
        let key = key.unwrap_or_else(|| {
            let mut key = [0u8; 32];
            key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            key
        });
        Self {
            key,
            valid_for,
            used,
        }
    }

    fn sign(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }

    /// A state for this call by this caller.
    pub(crate) fn issue(&self, call: &str, caller: Option<&str>) -> String {
        let claims = Claims {
            call: digest(call),
            caller: caller.unwrap_or_default().to_owned(),
            exp: now() + self.valid_for.as_secs(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let signature = self.sign(&payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// Checks a state sent back with `call`: signed by this key, for this call and caller,
    /// not expired, not used before (here, or on any replica with a shared store). It is
    /// used up.
    pub(crate) async fn redeem(
        &self,
        state: &str,
        call: &str,
        caller: Option<&str>,
    ) -> Result<(), StateError> {
        let (nonce, exp) = self
            .check(state, call, caller)
            .map_err(StateError::Invalid)?;
        self.used.use_once(&nonce, exp, now()).await
    }

    /// The state's nonce and expiry, if it is this server's, for this call and caller, and
    /// not expired.
    fn check(
        &self,
        state: &str,
        call: &str,
        caller: Option<&str>,
    ) -> Result<(String, u64), &'static str> {
        let (payload, signature) = state
            .split_once('.')
            .ok_or("it is not a state this server issued")?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| "it is not a state this server issued")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "it is not a state this server issued")?;
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(&payload);
        // Constant-time comparison of the signature.
        mac.verify_slice(&signature)
            .map_err(|_| "its signature is not valid (forged or altered)")?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| "it is malformed")?;
        if claims.exp < now() {
            return Err("it has expired");
        }
        if claims.call != digest(call) {
            return Err("it was asked about another call");
        }
        if claims.caller != caller.unwrap_or_default() {
            return Err("it was asked of another caller");
        }
        Ok((claims.nonce, claims.exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(key: Option<[u8; 32]>, valid_for: Duration) -> ConfirmationStates {
        ConfirmationStates::new(key, valid_for, UsedStates::local())
    }

    #[tokio::test]
    async fn states_are_bound_signed_and_single_use() {
        let states = fresh(None, Duration::from_secs(60));
        let state = states.issue("delete x", Some("alice"));
        assert_eq!(
            states.redeem(&state, "delete y", Some("alice")).await,
            Err(StateError::Invalid("it was asked about another call"))
        );
        assert_eq!(
            states.redeem(&state, "delete x", Some("bob")).await,
            Err(StateError::Invalid("it was asked of another caller"))
        );
        let (payload, signature) = state.split_once('.').unwrap();
        let mut altered = URL_SAFE_NO_PAD.decode(payload).unwrap();
        altered[5] ^= 1;
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(altered));
        assert_eq!(
            states.redeem(&forged, "delete x", Some("alice")).await,
            Err(StateError::Invalid(
                "its signature is not valid (forged or altered)"
            ))
        );
        assert_eq!(
            states.redeem(&state, "delete x", Some("alice")).await,
            Ok(())
        );
        assert_eq!(
            states.redeem(&state, "delete x", Some("alice")).await,
            Err(StateError::Invalid("it was used already"))
        );
        // Another replica with the same key accepts it; one with another key does not.
        let shared = [7u8; 32];
        let (a, b) = (
            fresh(Some(shared), Duration::from_secs(60)),
            fresh(Some(shared), Duration::from_secs(60)),
        );
        let state = a.issue("delete x", None);
        assert!(states.redeem(&state, "delete x", None).await.is_err());
        assert_eq!(b.redeem(&state, "delete x", None).await, Ok(()));
        let expired = fresh(Some(shared), Duration::ZERO);
        let old = expired.issue("delete x", None);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            b.redeem(&old, "delete x", None).await,
            Err(StateError::Invalid("it has expired"))
        );
    }
}
