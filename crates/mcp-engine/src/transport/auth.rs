//! Who may call over HTTP: nobody checked (loopback), holders of a static token (the
//! server's own key is used), or users who send their own API key (the server holds none).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::oauth::{Grant, OAuthSettings, OAuthVerifier, TokenRefusal};

/// How HTTP callers are authenticated.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// No check: only for loopback, or behind a proxy that authenticates.
    #[default]
    None,
    /// `Authorization: Bearer <token>`, where the token's SHA-256 is in this set.
    Tokens(TokenHashes),
    /// `Authorization: Bearer <first>:<second>`: the caller's own credentials, given to the
    /// upstream as these two variables (what `secret()` reads in `_server.yaml`).
    UserKey {
        /// The variable that receives the part before the first `:` (a key id).
        id_variable: String,
        /// The variable that receives the rest (the secret).
        secret_variable: String,
    },
    /// OAuth 2.1 access tokens (JWTs) of one issuer; the server's own key is used.
    OAuth(OAuthSettings),
}

impl Auth {
    /// True when requests are checked.
    pub fn is_enabled(&self) -> bool {
        !matches!(self, Auth::None)
    }
}

/// The SHA-256 digests of the accepted tokens.
#[derive(Debug, Clone, Default)]
pub struct TokenHashes(Arc<Vec<[u8; 32]>>);

/// Why a tokens file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("line {line} of the tokens file: {message}")]
pub struct TokenFileError {
    /// 1-based.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl TokenHashes {
    /// One `sha256:<64 hex digits>` per line; `#` starts a comment.
    pub fn parse(text: &str) -> Result<TokenHashes, TokenFileError> {
        let mut hashes = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let error = |message: &str| TokenFileError {
                line: index + 1,
                message: message.to_owned(),
            };
            let hex = line.strip_prefix("sha256:").ok_or_else(|| {
                error("expected `sha256:<64 hex digits>`, as `token mint` prints it")
            })?;
            let bytes =
                decode_hex(hex).ok_or_else(|| error("the digest must be 64 hexadecimal digits"))?;
            hashes.push(bytes);
        }
        if hashes.is_empty() {
            return Err(TokenFileError {
                line: 0,
                message: "it holds no token hash; add one with `token mint`".into(),
            });
        }
        Ok(TokenHashes(Arc::new(hashes)))
    }

    /// Which hash (by its place in the file) accepts `token`.
    fn accepts(&self, token: &str) -> Option<usize> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every hash is compared whole, without an early exit.
        self.0.iter().enumerate().fold(None, |found, (i, hash)| {
            if constant_time_eq(hash, &digest) {
                Some(i)
            } else {
                found
            }
        })
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// A new random token, and the line that accepts it in a tokens file.
#[derive(Debug)]
pub struct MintedToken {
    /// Give this to the client (`Authorization: Bearer <token>`); it is not stored.
    pub token: String,
    /// Put this in the tokens file.
    pub hash_line: String,
}

/// Mints a token of 244 random bits.
pub fn mint_token(prefix: &str) -> MintedToken {
    let token = format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    MintedToken {
        token,
        hash_line: format!("sha256:{hex}"),
    }
}

/// The caller's own credentials, for the calls of one HTTP request.
#[derive(Clone)]
pub(crate) struct CallerCredentials {
    pub key_id: String,
    pub values: BTreeMap<String, String>,
}

// Only the key id is ever shown.
impl std::fmt::Debug for CallerCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallerCredentials")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// What an authenticated request may do, and the credentials its calls carry.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub credentials: Option<CallerCredentials>,
    pub grant: Grant,
    /// Who is calling, where it is known (a key id, a token's subject, which token): sessions
    /// are counted per user and bound to the user who opened them.
    pub user: Option<String>,
}

/// A refusal: its status, its message and its `WWW-Authenticate` challenge.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: String,
    pub challenge: String,
}

/// The authentication of a running server (with the OAuth verifier and its key cache).
#[derive(Debug)]
pub(crate) struct Gate {
    pub auth: Auth,
    pub oauth: Option<Arc<OAuthVerifier>>,
}

impl Gate {
    pub(crate) fn new(auth: Auth) -> Self {
        let oauth = match &auth {
            Auth::OAuth(settings) => Some(OAuthVerifier::new(settings.clone())),
            _ => None,
        };
        Self { auth, oauth }
    }

    /// Where the Protected Resource Metadata of this server is (RFC 9728): the resource's
    /// path after `/.well-known/oauth-protected-resource`.
    pub(crate) fn metadata_url(&self) -> Option<String> {
        let resource = &self.oauth.as_ref()?.settings.resource;
        let url = url::Url::parse(resource).ok()?;
        let path = url.path().trim_end_matches('/');
        Some(format!(
            "{}/.well-known/oauth-protected-resource{path}",
            url.origin().ascii_serialization()
        ))
    }

    fn refuse(
        &self,
        status: StatusCode,
        message: &str,
        error: Option<&str>,
        scope: Option<&str>,
    ) -> Refusal {
        let mut challenge = "Bearer".to_owned();
        let mut parts = Vec::new();
        if let Some(url) = self.metadata_url() {
            parts.push(format!("resource_metadata=\"{url}\""));
        }
        if let Some(error) = error {
            parts.push(format!("error=\"{error}\""));
        }
        if let Some(scope) = scope {
            parts.push(format!("scope=\"{scope}\""));
        }
        if !parts.is_empty() {
            challenge.push(' ');
            challenge.push_str(&parts.join(", "));
        }
        Refusal {
            status,
            message: message.to_owned(),
            challenge,
        }
    }

    /// Checks the request's credentials.
    pub(crate) async fn check(&self, headers: &HeaderMap) -> Result<Identity, Refusal> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let unauthorized =
            |message: &str| self.refuse(StatusCode::UNAUTHORIZED, message, None, None);
        let everything = Identity {
            credentials: None,
            grant: Grant::Everything,
            user: None,
        };
        match &self.auth {
            Auth::None => Ok(everything),
            Auth::Tokens(hashes) => match (bearer, bearer.and_then(|t| hashes.accepts(t))) {
                (_, Some(index)) => Ok(Identity {
                    user: Some(format!("token:{index}")),
                    ..everything
                }),
                (Some(_), None) => Err(unauthorized(
                    "the bearer token is not accepted by this server; ask its operator for a token",
                )),
                (None, _) => Err(unauthorized(
                    "this server needs a token: send `Authorization: Bearer <token>` (its operator mints one with `token mint`)",
                )),
            },
            Auth::UserKey {
                id_variable,
                secret_variable,
            } => match bearer.and_then(|b| b.split_once(':')) {
                Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                    let mut values = BTreeMap::new();
                    values.insert(id_variable.clone(), id.to_owned());
                    values.insert(secret_variable.clone(), secret.to_owned());
                    Ok(Identity {
                        credentials: Some(CallerCredentials {
                            key_id: id.to_owned(),
                            values,
                        }),
                        grant: Grant::Everything,
                        user: Some(format!("key:{id}")),
                    })
                }
                _ => Err(unauthorized(
                    "this server calls the API with each user's own key: send `Authorization: Bearer <key id>:<secret>` with your API key",
                )),
            },
            Auth::OAuth(settings) => {
                let Some(token) = bearer else {
                    return Err(unauthorized(
                        "this server needs an OAuth access token: the resource metadata in WWW-Authenticate names its authorization server",
                    ));
                };
                let Some(verifier) = &self.oauth else {
                    return Err(unauthorized("the server's OAuth settings are not loaded"));
                };
                match verifier.check(token).await {
                    Ok((grant, subject)) => Ok(Identity {
                        credentials: None,
                        grant,
                        user: subject.map(|s| format!("sub:{s}")),
                    }),
                    Err(TokenRefusal::Invalid(why)) => Err(self.refuse(
                        StatusCode::UNAUTHORIZED,
                        &why,
                        Some("invalid_token"),
                        None,
                    )),
                    Err(TokenRefusal::InsufficientScope) => Err(self.refuse(
                        StatusCode::FORBIDDEN,
                        &format!(
                            "the access token has neither the scope `{}` nor `{}`",
                            settings.read_scope, settings.write_scope
                        ),
                        Some("insufficient_scope"),
                        Some(&settings.read_scope),
                    )),
                }
            }
        }
    }

    /// A call beyond a read-only grant: 403 naming the scope needed.
    pub(crate) fn write_needed(&self, tool: &str) -> Refusal {
        let scope = self
            .oauth
            .as_ref()
            .map(|o| o.settings.write_scope.clone())
            .unwrap_or_default();
        self.refuse(
            StatusCode::FORBIDDEN,
            &format!("`{tool}` changes things: it needs an access token with the scope `{scope}`"),
            Some("insufficient_scope"),
            Some(&scope),
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let challenge = axum::http::HeaderValue::from_str(&self.challenge)
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("Bearer"));
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}.\n", self.message),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_accepted_and_others_are_not() {
        let minted = mint_token("t_");
        let hashes = TokenHashes::parse(&format!("# team\n{}\n", minted.hash_line)).unwrap();
        assert_eq!(hashes.accepts(&minted.token), Some(0));
        assert_eq!(hashes.accepts(&format!("{}x", minted.token)), None);
        assert_eq!(hashes.accepts(""), None);
        assert_eq!(TokenHashes::parse("sha256:zz").unwrap_err().line, 1);
        assert!(TokenHashes::parse("# nothing\n").is_err());
    }
}
