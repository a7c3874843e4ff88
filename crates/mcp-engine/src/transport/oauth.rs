//! OAuth 2.1 resource server, as the MCP authorization specification describes: access
//! tokens are JWTs from one issuer, checked against its published keys (JWKS), meant for
//! this server (audience), and never passed upstream. Scopes decide what is served.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

/// The settings of an OAuth-protected server.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The authorization server's issuer (`iss` of its tokens).
    pub issuer: String,
    /// Where its keys are published (a JWKS document).
    pub jwks_url: String,
    /// This server's resource URL: the audience tokens must name.
    pub resource: String,
    /// The scope that lets a token list and call read-only tools.
    pub read_scope: String,
    /// The scope that lets a token call every tool.
    pub write_scope: String,
}

/// What a valid token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    ReadOnly,
    Everything,
}

/// Why a token is refused; `insufficient_scope` is a 403, the rest 401.
#[derive(Debug)]
pub(crate) enum TokenRefusal {
    Invalid(String),
    InsufficientScope,
}

/// Keys are fetched again when a token names an unknown key, at most this often.
const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(30);
/// And in any case after this long.
const KEYS_MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// Checks tokens; keeps the issuer's keys.
pub(crate) struct OAuthVerifier {
    pub settings: OAuthSettings,
    client: reqwest::Client,
    keys: Mutex<Option<(Instant, JwkSet)>>,
}

impl std::fmt::Debug for OAuthVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthVerifier")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Vec<String>>,
}

impl OAuthVerifier {
    pub(crate) fn new(settings: OAuthSettings) -> Arc<Self> {
        crate::crypto::install();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Arc::new(Self {
            settings,
            client,
            keys: Mutex::new(None),
        })
    }

    /// The Protected Resource Metadata document (RFC 9728).
    pub(crate) fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "resource": self.settings.resource,
            "authorization_servers": [self.settings.issuer],
            "scopes_supported": [self.settings.read_scope, self.settings.write_scope],
            "bearer_methods_supported": ["header"],
        })
    }

    /// Validates a token: signature by one of the issuer's keys, expiry, issuer, audience,
    /// then the scopes.
    pub(crate) async fn check(&self, token: &str) -> Result<(Grant, Option<String>), TokenRefusal> {
        let invalid = |why: &str| TokenRefusal::Invalid(why.to_owned());
        // `alg: none` and unknown algorithms fail here: they are not `Algorithm`s.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the access token is not a signed JWT"))?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(invalid(
                "the access token is signed with a shared secret; the issuer's public keys are required",
            ));
        }
        let jwk = self
            .key(header.kid.as_deref())
            .await
            .ok_or_else(|| invalid("the access token is not signed by a key of the issuer"))?;
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|_| invalid("the issuer's key cannot be used"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.resource]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => invalid("the access token has expired"),
                ErrorKind::InvalidAudience => {
                    invalid("the access token is not meant for this server (audience)")
                }
                ErrorKind::InvalidIssuer => invalid("the access token comes from another issuer"),
                ErrorKind::InvalidSignature => invalid("the access token's signature is not valid"),
                _ => invalid("the access token is not valid"),
            }
        })?;
        let scopes: Vec<String> = match (data.claims.scope, data.claims.scp) {
            (Some(text), _) => text.split_whitespace().map(str::to_owned).collect(),
            (None, Some(list)) => list,
            (None, None) => Vec::new(),
        };
        let subject = data.claims.sub;
        if scopes.contains(&self.settings.write_scope) {
            Ok((Grant::Everything, subject))
        } else if scopes.contains(&self.settings.read_scope) {
            Ok((Grant::ReadOnly, subject))
        } else {
            Err(TokenRefusal::InsufficientScope)
        }
    }

    /// The issuer's key named `kid` (or its only key), fetched again when unknown or old.
    async fn key(&self, kid: Option<&str>) -> Option<jsonwebtoken::jwk::Jwk> {
        let mut keys = self.keys.lock().await;
        let find = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let fresh_enough = |at: &Instant, limit: Duration| at.elapsed() < limit;
        if let Some((at, set)) = keys.as_ref()
            && fresh_enough(at, KEYS_MAX_AGE)
        {
            if let Some(key) = find(set) {
                return Some(key);
            }
            if fresh_enough(at, REFETCH_AT_MOST_EVERY) {
                return None;
            }
        }
        match self.fetch().await {
            Ok(set) => {
                let key = find(&set);
                *keys = Some((Instant::now(), set));
                key
            }
            Err(e) => {
                tracing::warn!(
                    "cannot fetch the issuer's keys from {}: {e}",
                    self.settings.jwks_url
                );
                keys.as_ref().and_then(|(_, set)| find(set))
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let response = self
            .client
            .get(&self.settings.jwks_url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("it answered {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        if bytes.len() > 1024 * 1024 {
            return Err("the key set is larger than 1 MiB".into());
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("not a JWKS document: {e}"))
    }
}
