//! The engine's cryptography comes from one library, ring: TLS to the upstream API (rustls)
//! and the signature checks of OAuth access tokens (jsonwebtoken). A source build then
//! compiles ring's small C and assembly instead of aws-lc's, the default of both crates: 45 s
//! of CPU less, and a first build on two cores in 172 s instead of 203 s (docs/performance.md).
//! Installed once per process, before the first HTTP client is built and the first token is
//! checked.

use std::sync::Once;

use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::signature as ring_signature;

/// Makes ring the process's provider for TLS and token signatures. A provider installed
/// before (by a program that embeds the engine) is kept.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let _ = TOKEN_SIGNATURES.install_default();
    });
}

/// Checks signatures only: the server never signs a token, nor makes a JWK of a private key.
/// Nothing here panics (jsonwebtoken's placeholders for what a provider leaves out do).
static TOKEN_SIGNATURES: CryptoProvider = CryptoProvider {
    signer_factory: never_sign,
    verifier_factory: verifier,
    jwk_utils: JwkUtils {
        extract_rsa_public_key_components: |_| Err(ErrorKind::InvalidAlgorithm.into()),
        extract_ec_public_key_coordinates: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
        compute_digest: thumbprint_digest,
    },
};

fn never_sign(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

/// A JWK thumbprint's hash (RFC 7638).
fn thumbprint_digest(data: &[u8], hash: jsonwebtoken::jwk::ThumbprintHash) -> Vec<u8> {
    use jsonwebtoken::jwk::ThumbprintHash;
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &ring::digest::SHA256,
        ThumbprintHash::SHA384 => &ring::digest::SHA384,
        ThumbprintHash::SHA512 => &ring::digest::SHA512,
    };
    ring::digest::digest(algorithm, data).as_ref().to_vec()
}

/// How a signature is checked: RSA keys come as DER or as modulus and exponent (a JWK),
/// elliptic-curve and Ed25519 keys as their public bytes.
#[derive(Clone, Copy)]
enum Check {
    Rsa(&'static ring_signature::RsaParameters),
    PublicBytes(&'static dyn ring_signature::VerificationAlgorithm),
}

struct RingVerifier {
    algorithm: Algorithm,
    check: Check,
    key: DecodingKey,
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    use ring_signature as s;
    let check = match algorithm {
        Algorithm::RS256 => Check::Rsa(&s::RSA_PKCS1_2048_8192_SHA256),
        Algorithm::RS384 => Check::Rsa(&s::RSA_PKCS1_2048_8192_SHA384),
        Algorithm::RS512 => Check::Rsa(&s::RSA_PKCS1_2048_8192_SHA512),
        Algorithm::PS256 => Check::Rsa(&s::RSA_PSS_2048_8192_SHA256),
        Algorithm::PS384 => Check::Rsa(&s::RSA_PSS_2048_8192_SHA384),
        Algorithm::PS512 => Check::Rsa(&s::RSA_PSS_2048_8192_SHA512),
        Algorithm::ES256 => Check::PublicBytes(&s::ECDSA_P256_SHA256_FIXED),
        Algorithm::ES384 => Check::PublicBytes(&s::ECDSA_P384_SHA384_FIXED),
        Algorithm::EdDSA => Check::PublicBytes(&s::ED25519),
        // A shared secret is not a key of the issuer: the server refuses such tokens.
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
    };
    if key.family() != algorithm.family() {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(RingVerifier {
        algorithm: *algorithm,
        check,
        key: key.clone(),
    }))
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let checked = match (self.check, self.key.kind()) {
            (Check::Rsa(parameters), DecodingKeyKind::RsaModulusExponent { n, e }) => {
                ring_signature::RsaPublicKeyComponents { n, e }
                    .verify(parameters, message, signature)
            }
            (Check::Rsa(parameters), DecodingKeyKind::SecretOrDer(der)) => {
                ring_signature::UnparsedPublicKey::new(parameters, der).verify(message, signature)
            }
            (Check::PublicBytes(algorithm), DecodingKeyKind::SecretOrDer(bytes)) => {
                ring_signature::UnparsedPublicKey::new(algorithm, bytes).verify(message, signature)
            }
            (Check::PublicBytes(_), DecodingKeyKind::RsaModulusExponent { .. }) => {
                return Err(signature::Error::new());
            }
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

#[cfg(test)]
mod tests {
    // This crate's tests link no other provider (aws-lc comes only with the binary's
    // test dependencies): what they see is what a published build sees.

    #[test]
    fn http_clients_build_once_ring_is_installed() {
        super::install();
        super::install();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        reqwest::Client::builder()
            .build()
            .expect("a client with TLS through ring");
    }

    #[test]
    fn tokens_are_never_signed_and_shared_secrets_never_checked() {
        use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
        super::install();
        let secret = EncodingKey::from_secret(b"k");
        assert!(super::never_sign(&Algorithm::HS256, &secret).is_err());
        let shared = DecodingKey::from_secret(b"k");
        assert!(super::verifier(&Algorithm::HS256, &shared).is_err());
        // A key of one family is not used with another family's algorithm.
        let rsa = DecodingKey::from_rsa_components("AQAB", "AQAB").expect("components");
        assert!(super::verifier(&Algorithm::ES256, &rsa).is_err());
        assert!(super::verifier(&Algorithm::RS256, &rsa).is_ok());
        // What the provider leaves out is refused, not a panic; a thumbprint is RFC 7638's
        // (its example key, whose thumbprint the RFC gives).
        let rfc7638: jsonwebtoken::jwk::Jwk = serde_json::from_str(
            r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}"#,
        )
        .expect("the RFC's key");
        assert_eq!(
            rfc7638.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        let private = EncodingKey::from_rsa_der(b"not a key");
        assert!(jsonwebtoken::jwk::Jwk::from_encoding_key(&private, Algorithm::RS256).is_err());
    }
}
