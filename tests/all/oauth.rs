//! `serve --http --oauth-issuer`: an OAuth 2.1 resource server, against an issuer run by the
//! test (its own key pair, its JWKS over loopback).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::http::{MockApi, Reply};
use crate::common::*;
use crate::http_transport::{initialize, open_session, post, start};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const RESOURCE: &str = "https://mcp.test/mcp";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/oauth").join(name)).expect("fixture")
}

struct Issuer {
    api: MockApi,
    url: String,
}

async fn issuer() -> Issuer {
    let jwks: Value = serde_json::from_str(&fixture("jwks.json")).expect("jwks");
    let api = MockApi::start(move |request, _| {
        if request.target == "/jwks.json" {
            Reply::json(200, jwks.clone())
        } else {
            Reply::json(404, json!({}))
        }
    })
    .await;
    let url = api.base_url.clone();
    Issuer { api, url }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A token signed by `key` (a fixture), with these claims over sensible defaults.
fn token(issuer: &str, key: &str, claims: Value) -> String {
    signed(issuer, Algorithm::ES256, "test-key-1", key, claims)
}

/// The same with any algorithm and key id.
fn signed(issuer: &str, alg: Algorithm, kid: &str, key: &str, claims: Value) -> String {
    let mut all =
        json!({"iss": issuer, "aud": RESOURCE, "sub": "alice", "exp": now() + 600, "iat": now()});
    for (k, v) in claims.as_object().expect("claims") {
        if v.is_null() {
            all.as_object_mut().expect("object").remove(k);
        } else {
            all[k] = v.clone();
        }
    }
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    let pem = fixture(key);
    let key = match alg {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem.as_bytes()),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
    }
    .expect("key");
    jsonwebtoken::encode(&header, &all, &key).expect("sign")
}

/// The server on `root` as a dry-running resource server of `issuer`.
fn resource_server(
    root: &TempRoot,
    issuer: &Issuer,
    listen: &str,
    extra: &[&str],
) -> crate::http_transport::HttpServer {
    let jwks = format!("{}/jwks.json", issuer.url);
    let mut args = vec![
        "--dry-run",
        "--oauth-issuer",
        &issuer.url,
        "--oauth-jwks-url",
        &jwks,
        "--oauth-resource",
        RESOURCE,
    ];
    args.extend_from_slice(extra);
    start(root.path(), listen, &args)
}

fn call(id: u64, tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_of_the_issuer_are_checked_and_their_scopes_decide_what_is_served() {
    let issuer = issuer().await;
    let root = TempRoot::standard();
    root.write("registry/read.yaml", "name: read_items\ndescription: Reads items.\ninput: { type: object }\nrequest: { method: GET, path: /items }\n");
    root.write("registry/write.yaml", "name: create_item\ndescription: Creates an item.\ninput: { type: object }\nrequest: { method: POST, path: /items }\n");
    let server = resource_server(&root, &issuer, "0.0.0.0:0", &[]);
    let url = server.url.replace("0.0.0.0", "127.0.0.1");
    let base = url.trim_end_matches("/mcp").to_owned();

    // The Protected Resource Metadata, without a token (RFC 9728).
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let metadata: Value = reqwest::get(format!("{base}{path}"))
            .await
            .expect("GET metadata")
            .json()
            .await
            .expect("JSON");
        assert_eq!(metadata["resource"], RESOURCE);
        assert_eq!(metadata["authorization_servers"], json!([issuer.url]));
        assert_eq!(
            metadata["scopes_supported"],
            json!(["layerops:read", "layerops:write"])
        );
    }

    // No token: 401 pointing at the metadata.
    let (status, _, body) = post(&url, None, None, initialize()).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains(
            "resource_metadata=\"https://mcp.test/.well-known/oauth-protected-resource/mcp\""
        ),
        "{body}"
    );

    // Every way a token can be wrong is refused.
    let iss = issuer.url.as_str();
    let header = |alg: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}"))
    };
    let payload = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            json!({"iss": iss, "aud": RESOURCE, "exp": now() + 600, "scope": "layerops:write"})
                .to_string(),
        )
    };
    let cases = [
        (
            "expired",
            token(
                iss,
                "issuer-private.pem",
                json!({"scope": "layerops:write", "exp": now() - 3600}),
            ),
            "expired",
        ),
        (
            "wrong audience",
            token(
                iss,
                "issuer-private.pem",
                json!({"scope": "layerops:write", "aud": "https://other.test/mcp"}),
            ),
            "audience",
        ),
        (
            "wrong issuer",
            token(
                iss,
                "issuer-private.pem",
                json!({"scope": "layerops:write", "iss": "https://evil.test"}),
            ),
            "another issuer",
        ),
        (
            "bad signature",
            token(iss, "other-private.pem", json!({"scope": "layerops:write"})),
            "signature",
        ),
        (
            "alg none",
            format!("{}.{payload}.", header("none")),
            "not a signed JWT",
        ),
        (
            "no expiry",
            token(
                iss,
                "issuer-private.pem",
                json!({"scope": "layerops:write", "exp": null}),
            ),
            "not valid",
        ),
    ];
    for (case, bad, said) in cases {
        let (status, _, body) = post(&url, Some(&bad), None, initialize()).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert!(
            body.contains("error=\"invalid_token\"") && body.contains(said),
            "{case}: {body}"
        );
    }
    let unscoped = token(iss, "issuer-private.pem", json!({"scope": "profile"}));
    let (status, _, body) = post(&url, Some(&unscoped), None, initialize()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("insufficient_scope"), "{body}");

    // The read scope: only read-only tools are listed, and a write is refused with 403.
    let reader = token(
        iss,
        "issuer-private.pem",
        json!({"scope": "openid layerops:read"}),
    );
    let session = open_session(&url, Some(&reader)).await;
    let (_, _, body) = post(
        &url,
        Some(&reader),
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    let listed: Value = serde_json::from_str(&body).expect("JSON");
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, vec!["read_items"]);
    let (status, _, body) = post(&url, Some(&reader), Some(&session), call(3, "read_items")).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = post(&url, Some(&reader), Some(&session), call(4, "create_item")).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("scope=\"layerops:write\"")
            && body.contains("needs an access token with the scope `layerops:write`"),
        "{body}"
    );

    // The write scope: everything.
    let writer = token(
        iss,
        "issuer-private.pem",
        json!({"scope": "layerops:write"}),
    );
    let session = open_session(&url, Some(&writer)).await;
    let (_, _, body) = post(
        &url,
        Some(&writer),
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"}),
    )
    .await;
    assert!(
        body.contains("create_item") && body.contains("read_items"),
        "{body}"
    );
    let (status, _, body) = post(&url, Some(&writer), Some(&session), call(6, "create_item")).await;
    assert_eq!(status, 200, "{body}");
    // The dry run shows what would be sent: the server's key, never the token.
    assert!(!body.contains(&writer[..20]), "{body}");

    // The issuer's keys were fetched once and kept.
    let fetched = issuer
        .api
        .requests()
        .iter()
        .filter(|r| r.target == "/jwks.json")
        .count();
    assert_eq!(fetched, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_search_mode_the_read_scope_finds_and_calls_only_read_only_tools() {
    let issuer = issuer().await;
    let root = TempRoot::standard();
    root.write("registry/read.yaml", "name: read_items\ndescription: Reads items.\ninput: { type: object }\nrequest: { method: GET, path: /items }\n");
    root.write("registry/write.yaml", "name: create_item\ndescription: Creates items.\ninput: { type: object }\nrequest: { method: POST, path: /items }\n");
    let server = resource_server(&root, &issuer, "127.0.0.1:0", &["--tool-search"]);
    let reader = token(
        &issuer.url,
        "issuer-private.pem",
        json!({"scope": "layerops:read"}),
    );
    let session = open_session(&server.url, Some(&reader)).await;
    let meta = |id: u64, tool: &str, arguments: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
    let (_, _, body) = post(
        &server.url,
        Some(&reader),
        Some(&session),
        meta(2, "search_tools", json!({"query": "items"})),
    )
    .await;
    assert!(
        body.contains("read_items") && !body.contains("create_item"),
        "{body}"
    );
    let (_, _, body) = post(
        &server.url,
        Some(&reader),
        Some(&session),
        meta(
            3,
            "call_tool",
            json!({"name": "create_item", "arguments": {}}),
        ),
    )
    .await;
    assert!(body.contains("ask for the write scope"), "{body}");
    assert!(!body.contains("POST"), "nothing was even rendered: {body}");
    let (_, _, body) = post(
        &server.url,
        Some(&reader),
        Some(&session),
        meta(
            4,
            "call_tool",
            json!({"name": "read_items", "arguments": {}}),
        ),
    )
    .await;
    assert!(
        body.contains("GET") && !body.contains("\"error\""),
        "{body}"
    );
}

/// Issuers sign with RSA (PKCS#1 and PSS), P-256, P-384 or Ed25519: each is checked, and a
/// signature changed by one character, or a key used with another family's algorithm, is
/// refused.
#[tokio::test(flavor = "multi_thread")]
async fn every_signature_family_an_issuer_may_use_is_checked() {
    let issuer = issuer().await;
    let root = TempRoot::standard();
    let server = resource_server(&root, &issuer, "127.0.0.1:0", &[]);
    let iss = issuer.url.as_str();
    let scope = json!({"scope": "layerops:write"});
    for (alg, kid, key) in [
        (Algorithm::RS256, "test-rsa", "issuer-rsa-private.pem"),
        (Algorithm::RS512, "test-rsa", "issuer-rsa-private.pem"),
        (Algorithm::PS256, "test-rsa", "issuer-rsa-private.pem"),
        (Algorithm::PS384, "test-rsa", "issuer-rsa-private.pem"),
        (Algorithm::ES256, "test-key-1", "issuer-private.pem"),
        (Algorithm::ES384, "test-p384", "issuer-p384-private.pem"),
        (
            Algorithm::EdDSA,
            "test-ed25519",
            "issuer-ed25519-private.pem",
        ),
    ] {
        let good = signed(iss, alg, kid, key, scope.clone());
        let (status, _, body) = post(&server.url, Some(&good), None, initialize()).await;
        assert_eq!(status, 200, "{alg:?}: {body}");
        // One character of the signature changed (not the last, whose low bits may be padding).
        let mut bad = good.clone().into_bytes();
        let at = bad.len() - 3;
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).expect("text");
        let (status, _, body) = post(&server.url, Some(&bad), None, initialize()).await;
        assert_eq!(status, 401, "{alg:?} with a changed signature: {body}");
        assert!(body.contains("signature"), "{alg:?}: {body}");
    }
    // An RSA key named by a token signed as ES256: never checked as such.
    let crossed = signed(
        iss,
        Algorithm::ES256,
        "test-rsa",
        "issuer-private.pem",
        scope,
    );
    let (status, _, body) = post(&server.url, Some(&crossed), None, initialize()).await;
    assert_eq!(status, 401, "{body}");
}
