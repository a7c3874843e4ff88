//! Where the confirmation states already used are remembered, so that each is used once:
//! in this process, or in a Redis (or Valkey) that every replica shares, so that a state
//! used on one replica is refused on all the others.

use std::collections::HashMap;
use std::sync::Mutex;
#[cfg(feature = "redis")]
use std::time::Duration;

#[cfg(feature = "redis")]
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Used states remembered (until they expire) by one process.
const MAX_REMEMBERED: usize = 10_000;

/// How long the shared store has to answer before the confirmation is refused (the user can
/// answer again; a call never goes through on a store that did not answer).
#[cfg(feature = "redis")]
const STORE_WITHIN: Duration = Duration::from_secs(2);

/// Why a state cannot be used now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StateError {
    /// Not a state that may be used: forged, altered, expired, for another call or caller,
    /// or used already.
    Invalid(&'static str),
    /// The shared store of used states did not answer: whether it was used is unknown.
    Unavailable(&'static str),
}

pub(crate) enum UsedStates {
    Local(Mutex<HashMap<String, u64>>),
    #[cfg(feature = "redis")]
    Shared(ConnectionManager),
}

/// A store URL with any password left out, for messages.
pub(crate) fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "the given URL".to_owned(),
    }
}

impl UsedStates {
    pub(crate) fn local() -> Self {
        Self::Local(Mutex::new(HashMap::new()))
    }

    /// Refuses any store: this build has no Redis client, and serving with each replica's
    /// own memory instead would let a confirmation be used once per replica.
    #[cfg(not(feature = "redis"))]
    pub(crate) async fn shared(url: &str) -> Result<Self, String> {
        Err(format!(
            "this build cannot use the confirmation store at {}: it was built without the `redis` feature; build with `cargo build --release --features redis` (or `--features full`), or use the container image, which has it",
            shown_url(url)
        ))
    }

    /// Connects to the store at `url` (`redis://host:port`, `rediss://` for TLS is not
    /// built in). Refused at start rather than at the first confirmation.
    #[cfg(feature = "redis")]
    pub(crate) async fn shared(url: &str) -> Result<Self, String> {
        let shown = shown_url(url);
        let client = redis::Client::open(url).map_err(|e| {
            format!("{shown} is not a store address ({e}); give redis://host:port, with user and password in it if the store asks for them")
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(STORE_WITHIN))
            .set_response_timeout(Some(STORE_WITHIN))
            .set_number_of_retries(2);
        let manager = tokio::time::timeout(
            STORE_WITHIN * 3,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| format!("the confirmation store at {shown} did not answer; start it, or leave out --confirmation-store"))?
        .map_err(|e| format!("cannot use the confirmation store at {shown}: {e}; start it, check its address and password, or leave out --confirmation-store"))?;
        Ok(Self::Shared(manager))
    }

    /// Marks `nonce` (valid until `exp`, Unix seconds) used; refused when it already was.
    pub(crate) async fn use_once(&self, nonce: &str, exp: u64, now: u64) -> Result<(), StateError> {
        match self {
            Self::Local(used) => {
                let mut used = used.lock().unwrap_or_else(|p| p.into_inner());
                used.retain(|_, e| *e >= now);
                if used.contains_key(nonce) {
                    return Err(StateError::Invalid("it was used already"));
                }
                if used.len() >= MAX_REMEMBERED {
                    return Err(StateError::Unavailable(
                        "too many confirmations are open; ask again in a moment",
                    ));
                }
                used.insert(nonce.to_owned(), exp);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Self::Shared(manager) => {
                let mut connection = manager.clone();
                // SET NX: only the first replica to mark it succeeds; EXAT: forgotten when the
                // state could not be used anyway.
                let mut set = redis::cmd("SET");
                set.arg(format!("mcp:used-confirmation:{nonce}"))
                    .arg(1)
                    .arg("NX")
                    .arg("EXAT")
                    .arg(exp.max(now) + 1);
                let marked = set.query_async::<Option<String>>(&mut connection);
                match tokio::time::timeout(STORE_WITHIN, marked).await {
                    Ok(Ok(Some(_))) => Ok(()),
                    Ok(Ok(None)) => Err(StateError::Invalid("it was used already")),
                    Ok(Err(e)) => {
                        tracing::warn!("the confirmation store failed: {e}");
                        Err(StateError::Unavailable(
                            "the store of used confirmations failed; ask again in a moment",
                        ))
                    }
                    Err(_) => {
                        tracing::warn!(
                            "the confirmation store did not answer within {STORE_WITHIN:?}"
                        );
                        Err(StateError::Unavailable(
                            "the store of used confirmations did not answer; ask again in a moment",
                        ))
                    }
                }
            }
        }
    }
}
