//! The program of the test crate that tests/it/types.rs builds: `repo` and `all` are the
//! modules `brain-db types --lang rust` generated for the repo's schema.toml and for
//! all_types.toml, pushed into the databases at argv[1] and argv[2]. Every row goes in
//! through a `New*` struct and comes back through `TryFrom<&Row>` equal, field by field.

#[rustfmt::skip]
mod all;
#[rustfmt::skip]
mod repo;

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repo_db = connect(&args[1]).await;
    let all_db = connect(&args[2]).await;
    repo_round_trip(&repo_db).await;
    all_round_trip(&all_db).await;
    serde_round_trip();
    println!("round trips ok");
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

fn at(micros: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 24, 18, 30, 0).unwrap() + chrono::Duration::microseconds(micros)
}

async fn repo_round_trip(db: &Client) {
    use repo::*;
    let new = NewTask {
        id: Some(Uuid::from_u128(0x0123_4567_89ab_cdef)),
        title: "Write the types".into(),
        description: Some("from schema.toml".into()),
        status: Some(TaskStatus::InProgress),
        priority: Some(3),
        project: Some("brain-db".into()),
        due_date: Some(at(123_456)),
        tags: Some(vec!["rust".into(), "typescript".into()]),
        created_at: Some(at(1)),
        updated_at: Some(at(2)),
        completed_at: None,
    };
    let (sql, params) = new.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    let expected = Task {
        id: new.id.unwrap(),
        title: new.title.clone(),
        description: new.description.clone(),
        status: new.status,
        priority: new.priority,
        project: new.project.clone(),
        due_date: new.due_date,
        tags: new.tags.clone(),
        created_at: new.created_at,
        updated_at: new.updated_at,
        completed_at: None,
    };
    assert_eq!(Task::try_from(&row).unwrap(), expected, "RETURNING of {sql}");
    let select = format!("{} WHERE \"id\" = $1", Task::SELECT);
    let row = db.query_one(&select, &[&expected.id]).await.expect(&select);
    assert_eq!(Task::try_from(&row).unwrap(), expected, "{select}");

    // Only the required field: the defaults apply.
    let minimal = NewTask {
        id: None,
        title: "Defaults".into(),
        description: None,
        status: None,
        priority: None,
        project: None,
        due_date: None,
        tags: None,
        created_at: None,
        updated_at: None,
        completed_at: None,
    };
    let (sql, params) = minimal.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    let defaulted = Task::try_from(&row).unwrap();
    assert_eq!(defaulted.status, Some(TaskStatus::Todo));
    assert_eq!(defaulted.priority, Some(0));
    assert!(defaulted.created_at.is_some());
    assert_eq!(defaulted.description, None);

    // A patch: set, clear (Some(None)) and leave alone.
    let patch = TaskUpdate {
        status: Some(Some(TaskStatus::Done)),
        completed_at: Some(Some(at(99))),
        description: Some(None),
        ..Default::default()
    };
    assert!(!patch.is_empty());
    assert!(TaskUpdate::default().is_empty());
    let (set, mut params) = patch.set_clause(1);
    let sql = format!(
        "UPDATE {} SET {set} WHERE \"id\" = ${} RETURNING {}",
        Task::TABLE,
        params.len() + 1,
        Task::COLUMNS
    );
    params.push(&expected.id);
    let row = db.query_one(&sql, &params).await.expect(&sql);
    let read = Task::try_from(&row).unwrap();
    // schema.toml's BEFORE UPDATE trigger (set_updated_at) moves updated_at to now().
    assert_ne!(read.updated_at, expected.updated_at, "{read:?}");
    let updated = Task {
        status: Some(TaskStatus::Done),
        completed_at: Some(at(99)),
        description: None,
        updated_at: read.updated_at,
        ..expected.clone()
    };
    assert_eq!(read, updated, "{sql}");

    let reminder = NewReminder {
        id: None,
        task_id: Some(expected.id),
        message: "soon".into(),
        remind_at: at(5),
        notified: Some(true),
        created_at: None,
    };
    let (sql, params) = reminder.insert_statement();
    let got = Reminder::try_from(&db.query_one(&sql, &params).await.expect(&sql)).unwrap();
    assert_eq!(
        (got.task_id, got.message.as_str(), got.remind_at, got.notified),
        (Some(expected.id), "soon", at(5), Some(true))
    );
    let conversation = NewConversation {
        id: None,
        session_id: "s-1".into(),
        summary: Some("hello".into()),
        started_at: Some(at(7)),
        ended_at: None,
        message_count: Some(2),
    };
    let (sql, params) = conversation.insert_statement();
    let got = Conversation::try_from(&db.query_one(&sql, &params).await.expect(&sql)).unwrap();
    assert_eq!(
        (got.session_id.as_str(), got.summary.as_deref(), got.started_at, got.ended_at, got.message_count),
        ("s-1", Some("hello"), Some(at(7)), None, Some(2))
    );
    assert_eq!(TaskStatus::from_str("blocked"), Ok(TaskStatus::Blocked));
    assert!(TaskStatus::from_str("later").unwrap_err().contains("later"));
    assert_eq!(TaskStatus::InProgress.to_string(), "in_progress");
}

async fn all_round_trip(db: &Client) {
    use all::*;
    // money's text form follows lc_monetary: take the server's spelling.
    let cash: String = db
        .query_one("SELECT '12.34'::money::text", &[])
        .await
        .unwrap()
        .get(0);
    let new = NewEverything {
        ticket: Some(41),
        seq: Some(9),
        small: -3,
        int: Some(7),
        big: 9_007_199_254_740_993,
        r: 1.5,
        d: -2.25,
        num: Decimal::from_str("12345678901234.567891").unwrap(),
        num_any: Some(Decimal::from_str("0.000000000000000000000000001").unwrap()),
        flag: true,
        t: "tab\there, quote ' and \"".into(),
        vc: Some("varying".into()),
        ch: Some("abc".into()),
        u: Uuid::from_u128(42),
        j: Some(serde_json::json!({"a": [1, null, "x"]})),
        jb: serde_json::json!({"nested": {"deep": true}, "n": 1.25}),
        tstz: at(654_321),
        ts: Some(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_micro_opt(3, 4, 5, 6).unwrap()),
        day: Some(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()),
        tod: Some(chrono::NaiveTime::from_hms_micro_opt(23, 59, 58, 999_999).unwrap()),
        todtz: Some("12:34:56+02".into()),
        dur: "1 day 02:03:04.5".into(),
        cash: Some(cash),
        ip: Some("10.1.2.3/8".into()),
        net: Some("10.0.0.0/8".into()),
        mac: Some("08:00:2b:01:02:03".into()),
        bits: Some("101".into()),
        vbits: Some("1101".into()),
        doc: Some("<a>x</a>".into()),
        bin: Some(vec![0, 1, 255]),
        tags: vec!["one".into(), "two, with comma".into()],
        nums: Some(vec![1, -2, 3]),
        durs: Some(vec!["1 day".into(), "00:00:01".into()]),
        feeling: Mood::InProgress,
        feelings: Some(vec![Mood::Busy, Mood::Calm]),
        lvl: Some(Level::Warn),
        status: Some(EverythingStatus::ItSDone),
        r#type: Some("a keyword column".into()),
        self_: Some("self".into()),
        due_date: Some(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()),
        _2fa: Some(false),
        oid_col: Some(4_000_000_000),
        rng: Some("[1,5)".into()),
        tsv: Some("'a' 'b'".into()),
    };
    let (sql, params) = new.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    let got = Everything::try_from(&row).unwrap();
    let expected = Everything {
        id: got.id,
        ticket: 41,
        seq: 9,
        small: new.small,
        int: 7,
        big: new.big,
        r: new.r,
        d: new.d,
        num: new.num,
        num_any: new.num_any,
        flag: new.flag,
        t: new.t.clone(),
        vc: new.vc.clone(),
        ch: new.ch.clone(),
        u: new.u,
        j: new.j.clone(),
        jb: new.jb.clone(),
        tstz: new.tstz,
        ts: new.ts,
        day: new.day,
        tod: new.tod,
        todtz: new.todtz.clone(),
        dur: new.dur.clone(),
        cash: new.cash.clone(),
        ip: new.ip.clone(),
        net: new.net.clone(),
        mac: new.mac.clone(),
        bits: new.bits.clone(),
        vbits: new.vbits.clone(),
        doc: new.doc.clone(),
        bin: new.bin.clone(),
        tags: new.tags.clone(),
        nums: new.nums.clone(),
        durs: new.durs.clone(),
        feeling: new.feeling,
        feelings: new.feelings.clone(),
        lvl: new.lvl,
        status: EverythingStatus::ItSDone,
        twice: Some(14),
        r#type: new.r#type.clone(),
        self_: new.self_.clone(),
        due_date: new.due_date,
        _2fa: new._2fa,
        oid_col: new.oid_col,
        rng: new.rng.clone(),
        tsv: new.tsv.clone(),
    };
    assert_eq!(got, expected, "RETURNING of {sql}");
    assert_eq!(got.id, 1, "identity always starts at 1");
    let select = format!("{} WHERE \"id\" = $1", Everything::SELECT);
    let row = db.query_one(&select, &[&got.id]).await.expect(&select);
    assert_eq!(Everything::try_from(&row).unwrap(), expected, "{select}");

    // A patch through the text casts, an enum array and NULLs.
    let patch = EverythingUpdate {
        dur: Some("3 days".into()),
        durs: Some(None),
        feelings: Some(Some(vec![Mood::Calm])),
        status: Some(EverythingStatus::New),
        int: Some(21),
        cash: Some(None),
        ..Default::default()
    };
    let (set, mut params) = patch.set_clause(1);
    let sql = format!(
        "UPDATE {} SET {set} WHERE \"id\" = ${} RETURNING {}",
        Everything::TABLE,
        params.len() + 1,
        Everything::COLUMNS
    );
    params.push(&got.id);
    let row = db.query_one(&sql, &params).await.expect(&sql);
    let updated = Everything {
        dur: "3 days".into(),
        durs: None,
        feelings: Some(vec![Mood::Calm]),
        status: EverythingStatus::New,
        int: 21,
        twice: Some(42),
        cash: None,
        ..expected.clone()
    };
    assert_eq!(Everything::try_from(&row).unwrap(), updated, "{sql}");

    // Nothing to write: DEFAULT VALUES.
    let (sql, params) = NewCounter {}.insert_statement();
    assert!(sql.contains("DEFAULT VALUES"), "{sql}");
    let row = db.query_one(&sql, &params).await.expect(&sql);
    assert_eq!(Counter::try_from(&row).unwrap(), Counter { id: 1 });
    assert!(CounterUpdate::default().is_empty());

    let other = NewOtherTask { id: None, lvl: Level::Info };
    let (sql, params) = other.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    assert_eq!(OtherTask::try_from(&row).unwrap(), OtherTask { id: 1, lvl: Level::Info });
    assert_eq!(OtherTask::TABLE, "\"other\".\"tasks\"");

    let s2 = NewString2 { value: "s".into() };
    let (sql, params) = s2.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    assert_eq!(String2::try_from(&row).unwrap(), String2 { value: "s".into() });
    let category = NewTaskCategory { name: "c".into() };
    let (sql, params) = category.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    assert_eq!(TaskCategory::try_from(&row).unwrap().name, "c");
    let task = NewTask { id: None, title: "t".into() };
    let (sql, params) = task.insert_statement();
    let row = db.query_one(&sql, &params).await.expect(&sql);
    assert_eq!(Task::try_from(&row).unwrap().title, "t");

    // JSON uses the column names, also for renamed fields.
    let json = serde_json::to_value(&expected).unwrap();
    assert_eq!(json["Due date"], "2027-03-01");
    assert_eq!(json["2fa"], false);
    assert_eq!(json["type"], "a keyword column");
    assert_eq!(json["feeling"], "in progress");
    assert_eq!(json["status"], "it's done");
    let back: Everything = serde_json::from_value(json).unwrap();
    assert_eq!(back, expected);
    assert_eq!(Mood::ALL, &[Mood::Calm, Mood::Busy, Mood::InProgress]);
}

fn serde_round_trip() {
    let err = serde_json::from_str::<repo::NewTask>(r#"{"description": "no title"}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `title`"), "{err}");
    let err = serde_json::from_str::<repo::NewTask>(r#"{"title": "x", "status": "later"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("unknown variant `later`"), "{err}");
    let new: repo::NewTask = serde_json::from_str(r#"{"title": "x"}"#).unwrap();
    assert_eq!((new.title.as_str(), new.status), ("x", None));

    let patch: repo::TaskUpdate = serde_json::from_str(r#"{"description": null}"#).unwrap();
    assert_eq!(patch.description, Some(None), "null clears");
    assert_eq!(patch.title, None, "absent leaves alone");
    let patch: repo::TaskUpdate = serde_json::from_str("{}").unwrap();
    assert!(patch.is_empty());
    let err = serde_json::from_str::<repo::TaskUpdate>(r#"{"title": null}"#).unwrap_err();
    assert!(err.to_string().contains("invalid type: null"), "{err}");
    assert_eq!(
        serde_json::to_string(&repo::TaskUpdate {
            priority: Some(Some(2)),
            ..Default::default()
        })
        .unwrap(),
        r#"{"priority":2}"#
    );
}
