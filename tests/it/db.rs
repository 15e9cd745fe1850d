//! `brain_db::db`: connecting to a real server, and no password in connection errors.

use brain_db::db::{self, DbError};

use crate::harness::{TestDb, admin_url, url_with_database};

/// `url` with `password` added to its user info (`postgres://user:password@...`).
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap();
            format!("{scheme}://{user}:{password}{}", &rest[at..])
        }
        None => format!("{scheme}://postgres:{password}@{rest}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn connect_sets_search_path_and_application_name() {
    let test_db = TestDb::new("db_connect_sets_search_path").await;
    let client = db::connect(&test_db.url).await.expect("connect");
    let row = client.query_one("show search_path", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "public");
    let row = client
        .query_one("show application_name", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "brain-db");
}

#[tokio::test(flavor = "current_thread")]
async fn connection_errors_name_the_redacted_url_and_never_the_password() {
    // The test server may trust every password, so get the error another way: a missing
    // database, and a port nobody listens on. The password appears in several places.
    let password = "S3cr%40t:pw";
    let decoded = "S3cr@t:pw";
    let missing_db = url_with_database(&with_password(&admin_url(), password), "bdt_no_such_db");
    let missing_db = format!("{missing_db}?password={password}&application_name={password}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free_port = listener.local_addr().unwrap().port();
    drop(listener);
    let refused = format!("postgres://postgres:{password}@127.0.0.1:{free_port}/postgres");

    for url in [missing_db, refused] {
        let err = match db::connect(&url).await {
            Ok(_) => panic!("connecting to {} should fail", db::redact(&url)),
            Err(e) => e,
        };
        let text = err.to_string();
        let debug = format!("{err:?}");
        assert!(matches!(err, DbError::Connect { .. }), "{text}");
        assert!(text.contains(&db::redact(&url)), "{text}");
        assert!(
            text.contains("check that the PostgreSQL server is running"),
            "{text}"
        );
        for shown in [&text, &debug] {
            assert!(!shown.contains(password), "{shown}");
            assert!(!shown.contains(decoded), "{shown}");
        }
    }
}
