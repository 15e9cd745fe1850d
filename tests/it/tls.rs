//! TLS against a TLS-only PostgreSQL the test starts, with certificates it generates:
//! libpq's sslmode meanings, the local-vs-remote default, clear errors, no password.

use std::path::Path;

use brain_db::db::{self, DbError};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::cluster::{TempCluster, write_server_file};
use crate::harness::Project;

/// A CA: its PEM and an issuer to sign with.
pub fn new_ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

/// A TLS-only server (`hostssl` lines only) whose certificate names `localhost` only,
/// signed by `ca`. Returns the cluster and the CA and wrong-CA PEM paths.
pub fn tls_server() -> (TempCluster, String, String) {
    let (ca_pem, ca) = new_ca("brain-db test CA");
    let (wrong_pem, _) = new_ca("some other CA");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    let cluster = TempCluster::start(|data: &Path| {
        write_server_file(&data.join("server.crt"), &cert_pem, 0o644)?;
        write_server_file(&data.join("server.key"), &key_pem, 0o600)?;
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, text)?;
        std::fs::write(
            data.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 trust\n",
        )
    });
    let ca_path = cluster.path().join("ca.pem");
    let wrong_path = cluster.path().join("wrong-ca.pem");
    std::fs::write(&ca_path, ca_pem).unwrap();
    std::fs::write(&wrong_path, wrong_pem).unwrap();
    (
        cluster,
        ca_path.display().to_string(),
        wrong_path.display().to_string(),
    )
}

async fn uses_tls(url: &str) -> Result<bool, DbError> {
    let client = db::connect(url).await?;
    let row = client
        .query_one(
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    Ok(row.get(0))
}

/// One server for every case: a cluster start costs a second or two.
#[tokio::test(flavor = "current_thread")]
async fn sslmodes_against_a_tls_only_server() {
    let (server, ca, wrong_ca) = tls_server();
    let port = server.port;
    // `localhost` is the certificate's name; hostaddr avoids resolving it to ::1.
    let named = |query: &str| {
        format!("postgres://postgres:hunter2@localhost:{port}/postgres?hostaddr=127.0.0.1&{query}")
    };
    let by_ip =
        |query: &str| format!("postgres://postgres:hunter2@127.0.0.1:{port}/postgres?{query}");

    // Encrypted, certificate not checked (libpq's require), and prefer takes TLS.
    for url in [
        named("sslmode=require"),
        by_ip("sslmode=require"),
        by_ip("sslmode=prefer"),
    ] {
        assert!(
            uses_tls(&url)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}")),
            "{url}"
        );
    }
    // A remote-looking host with nothing in the URL requires TLS (Neon, Supabase).
    let remote =
        format!("postgres://postgres@brain-db-tls.test:{port}/postgres?hostaddr=127.0.0.1");
    assert!(uses_tls(&remote).await.unwrap_or_else(|e| panic!("{e}")));
    // verify-full with the right root, and sslrootcert alone meaning verify-full.
    for url in [
        named(&format!("sslmode=verify-full&sslrootcert={ca}")),
        named(&format!("sslrootcert={ca}")),
        // verify-ca checks the chain, not the name.
        by_ip(&format!("sslmode=verify-ca&sslrootcert={ca}")),
    ] {
        assert!(
            uses_tls(&url)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}")),
            "{url}"
        );
    }

    let failure = |err: DbError| {
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
        (err, text)
    };
    // The wrong root: a clear refusal naming the remedy.
    for url in [
        named(&format!("sslmode=verify-full&sslrootcert={wrong_ca}")),
        by_ip(&format!("sslmode=verify-ca&sslrootcert={wrong_ca}")),
        // libpq: require with a root certificate verifies the chain.
        named(&format!("sslmode=require&sslrootcert={wrong_ca}")),
    ] {
        let (err, text) = failure(uses_tls(&url).await.unwrap_err());
        assert!(matches!(err, DbError::Tls { .. }), "{text}");
        assert!(text.contains("not signed by a trusted root"), "{text}");
        assert!(text.contains("set sslrootcert"), "{text}");
    }
    // The right root but a name the certificate does not hold.
    let (err, text) = failure(
        uses_tls(&by_ip(&format!("sslmode=verify-full&sslrootcert={ca}")))
            .await
            .unwrap_err(),
    );
    assert!(matches!(err, DbError::Tls { .. }), "{text}");
    assert!(text.contains("does not name this host"), "{text}");
    assert!(text.contains("sslmode=verify-ca"), "{text}");
    // Plain connections to a TLS-only server: explicit disable, and the local default.
    for url in [by_ip("sslmode=disable"), by_ip("")] {
        let (err, text) = failure(uses_tls(&url).await.unwrap_err());
        assert!(matches!(err, DbError::TlsRequired { .. }), "{text}");
        assert!(text.contains("refuses unencrypted connections"), "{text}");
        assert!(text.contains("sslmode=require"), "{text}");
    }
    // A root certificate file that does not exist.
    let (err, text) = failure(
        uses_tls(&named("sslmode=verify-full&sslrootcert=/no/such/ca.pem"))
            .await
            .unwrap_err(),
    );
    assert!(matches!(err, DbError::TlsConfig { .. }), "{text}");
    assert!(text.contains("/no/such/ca.pem"), "{text}");

    // Through the CLI: the error is printed once, redacted, with exit code 1.
    let project = Project::new();
    project.write_schema("[tables.t.columns]\nid = \"integer\"\n");
    let url = named(&format!(
        "sslmode=verify-full&sslrootcert={wrong_ca}&application_name=hunter2"
    ));
    let run = project.run_with_url(&url, &["push"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("not signed by a trusted root"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
        "{}",
        run.stderr
    );
    // And with the right root, push works over verify-full.
    let url = named(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let run = project.run_with_url(&url, &["push"]);
    run.assert_code(0);
    assert!(run.stdout.contains("CREATE TABLE"), "{}", run.stdout);
}
