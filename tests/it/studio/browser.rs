//! The studio's page in a real browser: Debian's headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini. Screenshots go to
//! target/studio-screenshots/ to be looked at.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use super::{Studio, seeded_db};

const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver and a Chromium session, both ended when dropped.
struct Browser {
    client: Option<Client>,
    _driver: Child,
    _profile: tempfile::TempDir,
}

fn missing(what: &str) -> ! {
    panic!(
        "{what} is missing: the studio's browser tests need Debian's headless Chromium.\n\
         Install it with: apt-get update && apt-get install -y chromium chromium-driver\n\
         (.ci/run does this on a fresh machine)"
    )
}

fn find_driver() -> PathBuf {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| missing("chromedriver"))
}

impl Browser {
    async fn start() -> Browser {
        if !std::path::Path::new(CHROMIUM).is_file() {
            missing(CHROMIUM);
        }
        let driver_path = find_driver();
        let port = brain_db::db::local::free_port().expect("a free port");
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1400,860",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let address = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&address)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client: Some(client),
                        _driver: driver,
                        _profile: profile,
                    };
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("chromedriver at {address} did not start a Chromium session: {last_error}");
    }

    /// Opens `url`; a page load that fails under a loaded machine is tried again, and the
    /// last error is reported.
    async fn open(&self, url: &str) {
        let mut last = String::new();
        for _ in 0..3 {
            match self.client().goto(url).await {
                Ok(()) => return,
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("cannot open the studio page: {last}");
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("open")
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }

    /// The element, waiting for it to appear.
    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client()
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// The element, which must be on the page now.
    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    async fn click(&self, css: &str) {
        click_element(self.find(css).await, css).await;
    }

    /// Clicks the element once it appears.
    async fn click_when_ready(&self, css: &str) {
        click_element(self.wait_for(css).await, css).await;
    }

    async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot select {value} in {css}: {e}"));
    }

    async fn type_into(&self, css: &str, text: &str) {
        type_into_element(&self.find(css).await, css, text).await;
    }

    /// Types into the element once it appears.
    async fn type_when_ready(&self, css: &str, text: &str) {
        type_into_element(&self.wait_for(css).await, css, text).await;
    }

    /// Empties the field once it appears, then types into it.
    async fn clear_and_type(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        type_into_element(&element, css, text).await;
    }

    /// Waits until the script returns true.
    async fn wait_until(&self, what: &str, script: &str) {
        for _ in 0..200 {
            let value = self
                .client()
                .execute(script, vec![])
                .await
                .unwrap_or_else(|e| panic!("script for {what}: {e}"));
            if value == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}");
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let script = format!(
            "return Array.from(document.querySelectorAll({})).map(e => e.textContent);",
            json!(css)
        );
        let value = self
            .client()
            .execute(&script, vec![])
            .await
            .expect("query texts");
        serde_json::from_value(value).expect("texts")
    }

    async fn shot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/studio-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = self.client().screenshot().await.expect("screenshot");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}

async fn click_element(element: fantoccini::elements::Element, css: &str) {
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

async fn type_into_element(element: &fantoccini::elements::Element, css: &str, text: &str) {
    element
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
}

async fn title_of(db: &crate::harness::TestDb, id: u32) -> String {
    db.value(&format!(
        "SELECT title FROM tasks WHERE id = '00000000-0000-0000-0000-{id:012}'"
    ))
    .await
}

#[tokio::test]
async fn studio_page_browses_follows_and_edits_in_chromium() {
    let (db, project) = seeded_db("studio_browser").await;
    let studio = Studio::start(&db, &project, &[]).await;
    let browser = Browser::start().await;
    let page = browser.client();

    // Open with the token: the table list shows the seed tables with their counts.
    browser.open(&studio.url).await;
    browser.wait_for("a[data-table='public.tasks']").await;
    let url = page.current_url().await.expect("url");
    assert!(
        !url.as_str().contains("token"),
        "the token leaves the address bar: {url}"
    );
    let names = browser.texts(".table-link span:first-child").await;
    assert_eq!(names, ["conversations", "reminders", "tasks"]);
    let counts = browser.texts(".table-link .count").await;
    assert_eq!(counts, ["0", "5", "120"]);

    // Open tasks: the first page in key order, NULL shown apart from the empty string.
    browser
        .click_when_ready("a[data-table='public.tasks']")
        .await;
    browser
        .wait_until(
            "the tasks grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 50;",
        )
        .await;
    let titles = browser.texts("#grid tbody td[data-column='title']").await;
    assert_eq!(titles[0], "Task 1");
    let descriptions = browser
        .texts("#grid tbody td[data-column='description']")
        .await;
    assert_eq!(descriptions[0], "NULL");
    assert_eq!(descriptions[2], "empty");
    assert!(
        descriptions[1].ends_with("…more"),
        "long text is cut: {}",
        descriptions[1]
    );
    browser.shot("tasks").await;

    // Filter: title contains "Task 11".
    browser.select("#filter-column", "title").await;
    browser.select("#filter-op", "contains").await;
    browser.type_into("#filter-value", "Task 11").await;
    browser.click("#filter-add").await;
    browser
        .wait_until(
            "the filtered grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 11;",
        )
        .await;
    let titles = browser.texts("#grid tbody td[data-column='title']").await;
    assert_eq!(titles[0], "Task 11");
    assert!(titles.iter().all(|t| t.contains("Task 11")), "{titles:?}");
    browser.shot("tasks-filtered").await;

    // Follow a reminder's task_id to its task.
    browser.click("a[data-table='public.reminders']").await;
    browser
        .wait_until(
            "the reminders grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 5;",
        )
        .await;
    browser
        .click("#grid tbody tr:nth-child(2) td[data-column='task_id'] a.fk")
        .await;
    browser
        .wait_until(
            "the referenced task",
            "return document.getElementById('table-title').textContent === 'tasks' && document.querySelectorAll('#grid tbody tr[data-key]').length === 1;",
        )
        .await;
    assert_eq!(
        browser.texts("#grid tbody td[data-column='title']").await,
        ["Task 14"]
    );

    // Open the row: its reminders are listed; edit its title.
    browser.click("#grid tbody tr[data-key]").await;
    let refs = browser
        .wait_for("#drawer-refs a[data-ref='public.reminders']")
        .await;
    let parent = refs
        .find(Locator::XPath(".."))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(parent, "reminders via task_id: 1 row");
    browser
        .clear_and_type("#row-form [name='title']", "Task 14, edited in the studio")
        .await;
    browser.shot("edit").await;
    browser.click("#save").await;
    browser
        .wait_until(
            "the saved row",
            "return document.getElementById('toast').textContent === 'row updated';",
        )
        .await;
    assert_eq!(title_of(&db, 14).await, "Task 14, edited in the studio");
    let log = browser.texts("#sql-log li").await;
    assert!(
        log[0].starts_with(
            "UPDATE public.tasks SET title = $1::text::text WHERE id = $2::text::uuid"
        ),
        "{log:?}"
    );
    assert!(
        log[0].contains("$1 = 'Task 14, edited in the studio'"),
        "{log:?}"
    );

    // A stale edit: the row changes in PostgreSQL after the page loaded it.
    db.exec("UPDATE tasks SET title = 'changed meanwhile' WHERE id = '00000000-0000-0000-0000-000000000014'")
        .await;
    browser
        .clear_and_type("#row-form [name='title']", "my late edit")
        .await;
    browser.click("#save").await;
    let error = browser.wait_for("#drawer-error:not([hidden])").await;
    assert!(
        error
            .text()
            .await
            .unwrap()
            .contains("the row changed since you loaded it")
    );
    assert_eq!(title_of(&db, 14).await, "changed meanwhile");
    browser.shot("stale-edit").await;

    // Insert a row, then delete it.
    browser.click("a[data-table='public.tasks']").await;
    browser
        .wait_until(
            "the tasks grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 50;",
        )
        .await;
    browser.click("#insert").await;
    browser
        .type_when_ready("#row-form [name='title']", "Inserted from the page")
        .await;
    browser
        .click_when_ready("#row-form [name='priority-default']")
        .await;
    browser.type_into("#row-form [name='priority']", "4").await;
    browser.click("#save").await;
    browser
        .wait_until(
            "the inserted row",
            "return document.getElementById('toast').textContent === 'row inserted';",
        )
        .await;
    assert_eq!(
        db.value("SELECT concat_ws('|', status, priority, count(*) OVER ()) FROM tasks WHERE title = 'Inserted from the page'").await,
        "todo|4|1"
    );
    page.execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    browser.click_when_ready("#delete").await;
    browser
        .wait_until(
            "the deleted row",
            "return document.getElementById('toast').textContent === 'row deleted';",
        )
        .await;
    assert_eq!(
        db.value("SELECT count(*) FROM tasks WHERE title = 'Inserted from the page'")
            .await,
        "0"
    );

    // The structure tab: the table in schema.toml's notation.
    browser.click("#tab-structure").await;
    let toml = browser.wait_for("#toml").await.text().await.unwrap();
    assert!(toml.contains("[tables.tasks.columns]"), "{toml}");
    assert!(toml.contains("title"), "{toml}");
    assert_eq!(browser.texts("#table-drift").await, ["matches schema.toml"]);
    browser.shot("structure").await;

    browser.close().await;
    studio.stop().await;
}

#[tokio::test]
async fn studio_page_in_read_only_mode_offers_no_writes() {
    let (db, project) = seeded_db("studio_browser_ro").await;
    let studio = Studio::start(&db, &project, &["--read-only"]).await;
    let browser = Browser::start().await;
    let page = browser.client();
    browser.open(&studio.url).await;
    browser
        .click_when_ready("a[data-table='public.tasks']")
        .await;
    browser
        .wait_until(
            "the tasks grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 50;",
        )
        .await;
    assert_eq!(browser.texts("#mode").await, ["read-only"]);
    // Drift is judged in the server's spelling even though this session cannot write.
    browser
        .wait_until(
            "the drift badge",
            "return document.getElementById('table-drift').textContent === 'matches schema.toml';",
        )
        .await;
    let insert_disabled = page
        .execute("return document.getElementById('insert').disabled;", vec![])
        .await
        .unwrap();
    assert_eq!(insert_disabled, json!(true));
    // Even a write sent from the page's own script is refused by the server.
    let status = page
        .execute_async(
            "const done = arguments[0]; fetch('/api/tables/public/tasks/rows', { method: 'POST', \
             headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ values: { title: 'x' } }) }) \
             .then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    assert_eq!(db.value("SELECT count(*) FROM tasks").await, "120");
    browser.close().await;
    studio.stop().await;
}

/// Dates and times edit through the browser's own pickers and round-trip exactly: the
/// timestamptz keeps the offset the user chose (never the browser's zone), a value the
/// picker cannot hold (microseconds) stays text, and an untouched field is not written.
#[tokio::test]
async fn studio_page_edits_dates_and_times_exactly() {
    let (db, project) = seeded_db("studio_browser_times").await;
    db.exec(
        "CREATE TABLE events (id integer PRIMARY KEY, on_day date, at timestamptz, \
         at_local timestamp, noted_at timestamptz, starts time, done boolean, size bigint); \
         INSERT INTO events VALUES (1, '2026-05-01', '2026-05-01 10:20:30+00', \
         '2026-05-01 10:20:30', '2026-05-01 10:20:30.123456+00', '08:15:00', true, 9007199254740993)",
    )
    .await;
    let studio = Studio::start(&db, &project, &[]).await;
    let browser = Browser::start().await;
    let page = browser.client();
    browser.open(&studio.url).await;
    browser
        .click_when_ready("a[data-table='public.events']")
        .await;
    browser
        .wait_until(
            "the events grid",
            "return document.querySelectorAll('#grid tbody tr[data-key]').length === 1;",
        )
        .await;
    browser.click("#grid tbody tr[data-key]").await;
    browser.wait_for("#field-at-offset").await;
    let kinds = page
        .execute(
            "return ['on_day', 'at', 'at_local', 'noted_at', 'starts', 'done', 'size'].map((c) => { \
               const e = document.getElementById('field-' + c); \
               return [c, e.tagName === 'SELECT' ? 'select' : e.type, e.getAttribute('step'), e.getAttribute('inputmode'), e.value]; });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        kinds,
        json!([
            ["on_day", "date", null, null, "2026-05-01"],
            ["at", "datetime-local", "1", null, "2026-05-01T10:20:30"],
            [
                "at_local",
                "datetime-local",
                "1",
                null,
                "2026-05-01T10:20:30"
            ],
            // Microseconds do not fit the picker: text, as stored.
            [
                "noted_at",
                "text",
                null,
                null,
                "2026-05-01 10:20:30.123456+00"
            ],
            ["starts", "time", "1", null, "08:15:00"],
            ["done", "select", null, null, "true"],
            // bigint stays text: a number input would round it through a double.
            ["size", "text", null, "numeric", "9007199254740993"]
        ])
    );
    let offset = page
        .execute(
            "return document.getElementById('field-at-offset').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(offset, json!("+00"));

    // Edit the date and the timestamptz (with an offset of its own); leave the rest.
    page.execute(
        "const set = (id, v) => { const e = document.getElementById(id); e.value = v; \
           e.dispatchEvent(new Event('input', { bubbles: true })); }; \
         set('field-on_day', '2026-06-15'); set('field-at', '2026-06-15T23:59:58'); \
         set('field-at-offset', '+05:30');",
        vec![],
    )
    .await
    .unwrap();
    browser.shot("edit-times").await;
    browser.click("#save").await;
    browser
        .wait_until(
            "the saved row",
            "return document.getElementById('toast').textContent === 'row updated';",
        )
        .await;
    assert_eq!(
        db.value(
            "SELECT concat_ws('|', on_day, at = timestamptz '2026-06-15 23:59:58+05:30', \
             at_local, noted_at = timestamptz '2026-05-01 10:20:30.123456+00', starts, done, size) \
             FROM events WHERE id = 1"
        )
        .await,
        "2026-06-15|t|2026-05-01 10:20:30|t|08:15:00|t|9007199254740993"
    );
    let log = browser.texts("#sql-log li").await;
    assert!(log[0].starts_with("UPDATE public.events SET "), "{log:?}");
    for untouched in ["at_local =", "noted_at =", "starts =", "size ="] {
        assert!(
            !log[0].split(" WHERE ").next().unwrap().contains(untouched),
            "{log:?}"
        );
    }

    // A value the picker left alone is sent back exactly as stored when another field
    // changes: save the date once more, the microseconds of noted_at survive.
    page.execute(
        "const e = document.getElementById('field-on_day'); e.value = '2026-06-16'; \
         e.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();
    browser.click("#save").await;
    browser
        .wait_until(
            "the second save",
            "return document.querySelectorAll('#sql-log li').length === 2;",
        )
        .await;
    assert_eq!(
        db.value(
            "SELECT concat_ws('|', on_day, at = timestamptz '2026-06-15 23:59:58+05:30', \
             noted_at = timestamptz '2026-05-01 10:20:30.123456+00') FROM events WHERE id = 1"
        )
        .await,
        "2026-06-16|t|t"
    );
    browser.close().await;
    studio.stop().await;
}
