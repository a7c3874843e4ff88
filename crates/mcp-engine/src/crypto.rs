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

/// Checks signatures only: the server never signs a token.
static TOKEN_SIGNATURES: CryptoProvider = CryptoProvider {
    signer_factory: never_sign,
    verifier_factory: verifier,
    jwk_utils: JwkUtils::new_unimplemented(),
};

fn never_sign(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
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
    }
}
