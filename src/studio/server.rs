//! The listening socket and the checks every request passes before a route sees it:
//! the `Host` header (DNS rebinding), the access token (URL once, then an HttpOnly
//! SameSite=Strict cookie) and, for writes, a same-origin request (CSRF).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, MutexGuard, RwLock};
use tokio_postgres::Client;

use crate::db::{self, DbError};
use crate::model::Schema;

/// How the studio listens and what it allows.
#[derive(Debug, Clone)]
pub struct StudioOptions {
    pub host: IpAddr,
    /// 0 picks a free port (the printed address has the real one).
    pub port: u16,
    /// Refuse every write (each one runs in a read-only transaction, so PostgreSQL refuses it).
    pub read_only: bool,
    /// The project's schema.toml, to mark a table's drift from it (none: not checked).
    pub schema_file: Option<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot read the database's structure")]
    Introspect(#[from] crate::introspect::IntrospectError),
    #[error("cannot set up the studio's session")]
    Session(#[source] tokio_postgres::Error),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot generate an access token")]
    Token(#[source] getrandom::Error),
    #[error("the studio's server stopped")]
    Serve(#[source] std::io::Error),
}

/// A bound studio: [`Studio::url`] is the address to open; [`Studio::serve`] answers
/// until the shutdown future completes.
pub struct Studio {
    listener: TcpListener,
    state: Arc<AppState>,
    address: String,
}

/// What every request handler shares.
pub(crate) struct AppState {
    url: String,
    pub(crate) secrets: Vec<String>,
    pub(crate) read_only: bool,
    client: Mutex<Client>,
    /// The introspected structure that identifiers from the page are checked against;
    /// refreshed when the page lists the tables.
    pub(crate) schema: RwLock<Arc<Schema>>,
    pub(crate) schemas: Vec<String>,
    pub(crate) schema_file: Option<std::path::PathBuf>,
    token: String,
    cookie_name: String,
    /// `Host` header values that name this server.
    hosts: Vec<String>,
    /// `Origin` header values of this server's own page.
    origins: Vec<String>,
}

impl Studio {
    /// Connects (same TLS decision as every command), reads the structure and binds the
    /// socket. Nothing is served before [`Studio::serve`].
    pub async fn bind(database_url: &str, options: &StudioOptions) -> Result<Studio, StudioError> {
        let mut client = open_session(database_url, options.read_only).await?;
        let schemas = crate::introspect::user_schemas(&client).await?;
        let schema = crate::introspect::introspect(&mut client, &schemas).await?;

        let addr = SocketAddr::new(options.host, options.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StudioError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| StudioError::Bind { addr, source })?;
        let authority = match local.ip() {
            IpAddr::V6(ip) => format!("[{ip}]:{}", local.port()),
            IpAddr::V4(ip) => format!("{ip}:{}", local.port()),
        };
        let mut hosts = vec![authority.clone()];
        if local.ip().is_loopback() {
            hosts.push(format!("localhost:{}", local.port()));
        }
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        let token = new_token()?;
        let state = Arc::new(AppState {
            url: database_url.to_string(),
            secrets: db::secrets(database_url),
            read_only: options.read_only,
            client: Mutex::new(client),
            schema: RwLock::new(Arc::new(schema)),
            schemas,
            schema_file: options.schema_file.clone(),
            cookie_name: format!("brain_db_studio_{}", local.port()),
            token,
            hosts,
            origins,
        });
        let address = format!("http://{authority}/?token={}", state.token);
        Ok(Studio {
            listener,
            state,
            address,
        })
    }

    /// The address to open, with the access token.
    pub fn url(&self) -> &str {
        &self.address
    }

    /// The socket the studio listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight and closes
    /// the database session.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StudioError> {
        let app = Router::new()
            .merge(super::api::routes())
            .merge(super::assets::routes())
            .layer(middleware::from_fn_with_state(self.state.clone(), guard))
            .with_state(self.state.clone());
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StudioError::Serve)?;
        // Dropping the last client makes its connection task send Terminate; give that
        // task a turn before the runtime goes away, so no session is left behind.
        drop(self.state);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Ok(())
    }
}

impl AppState {
    /// The session, reopened if the server closed it.
    pub(crate) async fn session(&self) -> Result<MutexGuard<'_, Client>, StudioError> {
        let mut client = self.client.lock().await;
        if client.is_closed() {
            *client = open_session(&self.url, self.read_only).await?;
        }
        Ok(client)
    }
}

impl AppState {
    /// A short-lived session of its own for scratch work (canonicalising declared
    /// expressions in a transaction that is always rolled back): the studio's session is
    /// read-only under `--read-only`, and it never runs anything but reads and the
    /// user's own writes. Read-write only for this session, which holds no user data.
    pub(crate) async fn scratch_session(&self) -> Result<Client, StudioError> {
        let client = db::connect(&self.url).await?;
        client
            .batch_execute(
                "SET default_transaction_read_only = off; \
                 SET application_name = 'brain-db studio (scratch)'",
            )
            .await
            .map_err(StudioError::Session)?;
        Ok(client)
    }
}

/// A session whose text output does not depend on the server's or the role's settings
/// (ISO dates that the page can send back as they are), read-only by default when the
/// studio is.
async fn open_session(url: &str, read_only: bool) -> Result<Client, StudioError> {
    let client = db::connect(url).await?;
    let mut setup = String::from(
        "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; \
         SET application_name = 'brain-db studio'",
    );
    if read_only {
        setup.push_str("; SET default_transaction_read_only = on");
    }
    client
        .batch_execute(&setup)
        .await
        .map_err(StudioError::Session)?;
    Ok(client)
}

/// 32 bytes from the operating system's CSPRNG, as hex.
fn new_token() -> Result<String, StudioError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(StudioError::Token)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal strings, in a time that does not depend on where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "error": message }).to_string(),
    )
        .into_response()
}

/// Every request: the `Host` must be this server (403), the token must come with it
/// (401), and a write must come from this server's own page (403).
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !state.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "refused: the Host header does not name this studio",
        );
    }

    let cookie_ok = cookie_token(request.headers(), &state.cookie_name)
        .is_some_and(|t| same_secret(t, &state.token));
    if !cookie_ok {
        let url_token = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
            .ok()
            .and_then(|q| q.0.into_iter().find(|(k, _)| k == "token").map(|(_, v)| v));
        let is_page = request.method() == Method::GET && request.uri().path() == "/";
        if is_page && url_token.is_some_and(|t| same_secret(&t, &state.token)) {
            // Trade the URL token for a cookie, and take it out of the address bar.
            let cookie = format!(
                "{}={}; HttpOnly; SameSite=Strict; Path=/",
                state.cookie_name, state.token
            );
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, HeaderValue::from_static("/"));
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.insert(header::SET_COOKIE, value);
            }
            return response;
        }
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized: open the address that `brain-db studio` printed (it carries the token)",
        );
    }

    let is_write = !matches!(*request.method(), Method::GET | Method::HEAD);
    if is_write && !same_origin(request.headers(), &state.origins) {
        return refuse(
            StatusCode::FORBIDDEN,
            "refused: a write must come from the studio's own page (same origin)",
        );
    }
    next.run(request).await
}

/// `Origin` is this server's, or (no `Origin`) the browser says `Sec-Fetch-Site:
/// same-origin`. A request with neither is refused: browsers send one of them on writes.
fn same_origin(headers: &HeaderMap, origins: &[String]) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (text("origin"), text("sec-fetch-site")) {
        (Some(origin), _) => origins.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        (None, Some(site)) => site == "same-origin",
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
    }

    #[test]
    fn origin_rules() {
        let origins = vec!["http://127.0.0.1:4983".to_string()];
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, &origins));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h, &origins));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h, &origins));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:4983"),
        );
        assert!(same_origin(&h, &origins));
    }
}
