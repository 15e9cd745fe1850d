//! TLS for database connections, with libpq's `sslmode` meanings, over rustls.
//!
//! | sslmode | encrypts | verifies the chain | verifies the host name |
//! |---|---|---|---|
//! | `disable` | no | - | - |
//! | `prefer` | if the server offers TLS | no | no |
//! | `require` | yes | no (yes with `sslrootcert`, as libpq) | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! When the URL names no `sslmode`: local hosts (see [`is_local_host`]) use `disable`,
//! any other host `require` (so Neon's and Supabase's plain strings are encrypted), and
//! an `sslrootcert` alone means `verify-full`. Roots: the PEM file of `sslrootcert`, else
//! (or with `sslrootcert=system`) the Mozilla roots of `webpki-roots`.
//!
//! tokio-postgres parses only disable/prefer/require and rejects `sslrootcert`, so
//! brain-db's own connection-string parser (`db::conn_string`) takes both off before the
//! driver sees the rest.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::Host;

/// libpq's `sslmode` values (`allow` is read as `prefer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The driver's mode: whether TLS is tried, and whether it is required.
    pub(super) fn driver_mode(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TLS parameters a connection string carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsParams {
    /// `sslmode`, if given.
    pub mode: Option<SslMode>,
    /// `sslrootcert`, if given: a PEM file, or `system` for the built-in roots.
    pub root_cert: Option<String>,
}

impl TlsParams {
    /// The mode in force: the URL's, else `verify-full` when only `sslrootcert` is
    /// given, else `disable` for local hosts and `require` for any other.
    pub fn effective_mode(&self, local: bool) -> SslMode {
        match (self.mode, &self.root_cert) {
            (Some(mode), _) => mode,
            (None, Some(_)) => SslMode::VerifyFull,
            (None, None) if local => SslMode::Disable,
            (None, None) => SslMode::Require,
        }
    }
}

/// Whether a host is this machine or the compose file's `db` service: `localhost`,
/// 127.0.0.0/8, `::1`, a Unix socket, `db`. Such hosts get no TLS unless the URL asks.
pub fn is_local_host(host: &Host) -> bool {
    match host {
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || name == "db"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// Why a TLS configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error("cannot read the root certificate file {path} (sslrootcert): {cause}")]
    RootCert { path: String, cause: String },
    #[error("the root certificate file {path} (sslrootcert) holds no certificate")]
    NoRootCert { path: String },
    #[error("cannot set up TLS: {0}")]
    Rustls(String),
}

/// The rustls client configuration for `mode` (not used with `disable`).
pub fn client_config(
    mode: SslMode,
    root_cert: Option<&str>,
) -> Result<ClientConfig, TlsConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    // libpq: with a root certificate, require verifies the chain like verify-ca.
    let mode = match (mode, root_cert) {
        (SslMode::Require, Some(path)) if path != "system" => SslMode::VerifyCa,
        (mode, _) => mode,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => {
            Arc::new(EncryptOnly { algorithms })
        }
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(root_store(root_cert)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;
            if mode == SslMode::VerifyCa {
                Arc::new(ChainOnly { inner: webpki })
            } else {
                webpki
            }
        }
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rustls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(config)
}

fn root_store(root_cert: Option<&str>) -> Result<RootCertStore, TlsConfigError> {
    let mut store = RootCertStore::empty();
    match root_cert {
        None | Some("system") => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
                .map_err(|e| TlsConfigError::RootCert {
                    path: path.to_string(),
                    cause: e.to_string(),
                })?;
            if certs.is_empty() {
                return Err(TlsConfigError::NoRootCert {
                    path: path.to_string(),
                });
            }
            for cert in certs {
                store.add(cert).map_err(|e| TlsConfigError::RootCert {
                    path: path.to_string(),
                    cause: e.to_string(),
                })?;
            }
        }
    }
    Ok(store)
}

/// `require`: any certificate is accepted (libpq's meaning), but the handshake
/// signatures are still checked, so the session is encrypted to the holder of the key
/// the server presented.
#[derive(Debug)]
struct EncryptOnly {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first and the name last: a name error means the
        // chain was good.
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The remedy for a failed TLS handshake: by the rustls error, or (`None`) the server
/// declined TLS.
pub(super) fn remedy(mode: SslMode, error: Option<&rustls::Error>) -> &'static str {
    match error {
        None => {
            "the server does not accept TLS connections: enable ssl on the server, or use \
             sslmode=prefer or sslmode=disable if the network is trusted"
        }
        Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            "the server's certificate is not signed by a trusted root: set sslrootcert to the \
             CA certificate (PEM) that signed it, or use sslmode=require to encrypt without \
             verifying the certificate"
        }
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => {
            "the server's certificate does not name this host: connect with a host name the \
             certificate was issued for, or use sslmode=verify-ca to verify only the chain"
        }
        Some(_) if mode == SslMode::Require => {
            "check that the server accepts TLS, or use sslmode=disable if the network is trusted"
        }
        Some(_) => {
            "check the server's certificate and sslrootcert, or use sslmode=require to encrypt \
             without verifying the certificate"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mode_is_plain_for_local_hosts_and_required_for_others() {
        let none = TlsParams::default();
        assert_eq!(none.effective_mode(true), SslMode::Disable);
        assert_eq!(none.effective_mode(false), SslMode::Require);
        let root = TlsParams {
            mode: None,
            root_cert: Some("ca.pem".into()),
        };
        assert_eq!(root.effective_mode(false), SslMode::VerifyFull);
        let given = TlsParams {
            mode: Some(SslMode::Prefer),
            root_cert: None,
        };
        assert_eq!(given.effective_mode(false), SslMode::Prefer);
    }

    #[test]
    fn local_hosts() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "db",
            "LOCALHOST",
        ] {
            assert!(is_local_host(&Host::Tcp(host.into())), "{host}");
        }
        assert!(is_local_host(&Host::Unix("/var/run/postgresql".into())));
        for host in [
            "ep-cool-name-123456.eu-central-1.aws.neon.tech",
            "db.abcdefgh.supabase.co",
            "aws-0-eu-central-1.pooler.supabase.com",
            "10.0.0.5",
            "dbhost",
        ] {
            assert!(!is_local_host(&Host::Tcp(host.into())), "{host}");
        }
    }

    #[test]
    fn configs_build_for_every_mode() {
        for mode in [
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            client_config(mode, None).unwrap();
            client_config(mode, Some("system")).unwrap();
        }
        let err = client_config(SslMode::VerifyFull, Some("/no/such/ca.pem")).unwrap_err();
        assert!(err.to_string().contains("/no/such/ca.pem"), "{err}");
    }
}
