//! Signing and verification keys of the configured algorithm, and the JWKS that
//! publishes the public half.

use std::path::Path;

use jsonwebtoken::{
    jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash},
    Algorithm, DecodingKey, EncodingKey,
};

use crate::settings::{self, JwtSettings, SettingsError};

/// The `jsonwebtoken` algorithm of `jwt.algorithm`.
fn algorithm(alg: settings::Algorithm) -> Algorithm {
    use settings::Algorithm as A;
    match alg {
        A::HS256 => Algorithm::HS256,
        A::HS384 => Algorithm::HS384,
        A::HS512 => Algorithm::HS512,
        A::RS256 => Algorithm::RS256,
        A::RS384 => Algorithm::RS384,
        A::RS512 => Algorithm::RS512,
        A::PS256 => Algorithm::PS256,
        A::PS384 => Algorithm::PS384,
        A::PS512 => Algorithm::PS512,
        A::ES256 => Algorithm::ES256,
        A::ES384 => Algorithm::ES384,
        A::EdDSA => Algorithm::EdDSA,
    }
}

/// A key given inline or as a file; the inline one wins.
fn key_text(
    inline: &Option<String>,
    file: &Option<std::path::PathBuf>,
    what: &str,
) -> Result<Option<String>, SettingsError> {
    if let Some(text) = inline {
        return Ok(Some(text.clone()));
    }
    match file {
        Some(path) => read(path, what).map(Some),
        None => Ok(None),
    }
}

fn read(path: &Path, what: &str) -> Result<String, SettingsError> {
    std::fs::read_to_string(path)
        .map_err(|e| SettingsError::new(format!("jwt.{what}: cannot read {}: {e}", path.display())))
}

/// The keys in use, and the public key as a JWK when the algorithm is asymmetric.
pub(crate) struct Keys {
    pub(crate) algorithm: Algorithm,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// `kid` put in every token header (asymmetric algorithms, or when configured).
    pub(crate) kid: Option<String>,
    pub(crate) jwks: JwkSet,
}

impl Keys {
    /// Loads the keys of `settings`; `secret` is the HMAC key when no `signing_key`
    /// is configured.
    pub(crate) fn load(settings: &JwtSettings, secret: &str) -> Result<Self, SettingsError> {
        let alg = algorithm(settings.algorithm);
        let signing = key_text(
            &settings.signing_key,
            &settings.signing_key_file,
            "signing_key",
        )?;
        if settings.algorithm.is_hmac() {
            let secret = signing.unwrap_or_else(|| secret.to_owned());
            if secret.len() < 32 {
                return Err(SettingsError::new(
                    "jwt.signing_key must be at least 32 characters for HMAC",
                ));
            }
            return Ok(Self {
                algorithm: alg,
                encoding: EncodingKey::from_secret(secret.as_bytes()),
                decoding: DecodingKey::from_secret(secret.as_bytes()),
                kid: settings.key_id.clone(),
                // A symmetric key is never published.
                jwks: JwkSet::default(),
            });
        }
        let pem = signing.ok_or_else(|| {
            SettingsError::new(format!(
                "jwt.algorithm {:?} needs a PEM private key in jwt.signing_key or jwt.signing_key_file",
                settings.algorithm
            ))
        })?;
        let bad = |e: jsonwebtoken::errors::Error| {
            SettingsError::new(format!(
                "jwt.signing_key is not a PEM private key for {:?}: {e}",
                settings.algorithm
            ))
        };
        let encoding = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem.as_bytes()),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .map_err(bad)?;
        let mut jwk = Jwk::from_encoding_key(&encoding, alg).map_err(bad)?;
        let verifying = key_text(
            &settings.verifying_key,
            &settings.verifying_key_file,
            "verifying_key",
        )?;
        let decoding = match verifying {
            Some(pem) => {
                let bad = |e: jsonwebtoken::errors::Error| {
                    SettingsError::new(format!("jwt.verifying_key is not a PEM public key: {e}"))
                };
                match alg {
                    Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem.as_bytes()),
                    Algorithm::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()),
                    _ => DecodingKey::from_rsa_pem(pem.as_bytes()),
                }
                .map_err(bad)?
            }
            None => DecodingKey::from_jwk(&jwk).map_err(bad)?,
        };
        // The RFC 7638 thumbprint is the default key id: stable for a key, new for a
        // new key, so verifiers pick the right one during a rotation.
        let kid = match &settings.key_id {
            Some(kid) => kid.clone(),
            None => jwk.thumbprint(ThumbprintHash::SHA256).map_err(bad)?,
        };
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(key_algorithm(alg));
        Ok(Self {
            algorithm: alg,
            encoding,
            decoding,
            kid: Some(kid),
            jwks: JwkSet { keys: vec![jwk] },
        })
    }
}

fn key_algorithm(alg: Algorithm) -> KeyAlgorithm {
    match alg {
        // `algorithm()` produced `alg`; any other is HMAC's, never published.
        Algorithm::HS256 => KeyAlgorithm::HS256,
        Algorithm::HS384 => KeyAlgorithm::HS384,
        Algorithm::HS512 => KeyAlgorithm::HS512,
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::ES384 => KeyAlgorithm::ES384,
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::RS384 => KeyAlgorithm::RS384,
        Algorithm::RS512 => KeyAlgorithm::RS512,
        Algorithm::PS256 => KeyAlgorithm::PS256,
        Algorithm::PS384 => KeyAlgorithm::PS384,
        Algorithm::PS512 => KeyAlgorithm::PS512,
        Algorithm::EdDSA => KeyAlgorithm::EdDSA,
        _ => KeyAlgorithm::HS256,
    }
}
