//! Hostile names round-trip through push and pull, and nothing in a name reaches SQL
//! unquoted.

use crate::harness::{Project, TestDb};

fn long_name() -> String {
    "n".repeat(63)
}

fn schema() -> String {
    format!(
        r#"
[enums]
"Mood \"quoted\"" = ["it's", "semi;colon", "ünï"]

[tables."Odd \"Table\" Name"]
checks = {{ "check; drop table victim; --" = "\"Weird Col\" <> 'x'" }}

[tables."Odd \"Table\" Name".columns]
"Weird Col" = {{ type = "text", primary_key = true }}
"select" = {{ type = "integer", unique = true }}
"UPPER" = "text"
"ünïcødé_表" = {{ type = '"Mood ""quoted"""', default = "it's" }}
"{long}" = "text"

[tables."Odd \"Table\" Name".indexes]
"idx; drop table victim; --" = {{ columns = ["UPPER"] }}

[tables."semi;colon --".columns]
id = {{ type = "integer", primary_key = true }}
ref = {{ type = "text", references = "Odd \"Table\" Name.Weird Col" }}
"#,
        long = long_name()
    )
}

#[tokio::test]
async fn hostile_names_push_settle_and_round_trip_through_pull() {
    let db = TestDb::new("hostile_push").await;
    db.exec("create table victim (id integer)").await;
    let project = Project::new();
    project.write_schema(&schema());
    // victim is outside the file: without --force it stays (the push is refused for it),
    // so create everything else first with a file that declares it too.
    let with_victim = format!("{}\n[tables.victim.columns]\nid = \"integer\"\n", schema());
    project.write_schema(&with_victim);
    let run = project.run(&db, &["push"]);
    run.assert_code(0);
    assert_eq!(
        db.value("select count(*) from pg_class where relname = 'victim'")
            .await,
        "1"
    );
    let again = project.run(&db, &["push"]);
    again.assert_no_changes();
    let long = db
        .value("select attname from pg_attribute where attrelid = '\"Odd \"\"Table\"\" Name\"'::regclass and length(attname) = 63")
        .await;
    assert_eq!(long, long_name());

    let pulled = Project::new();
    pulled
        .run(&db, &["pull", "--out", "schema.toml"])
        .assert_code(0);
    let again = pulled.run(&db, &["push"]);
    again.assert_no_changes();
    let copy = TestDb::new("hostile_copy").await;
    pulled.run(&copy, &["push"]).assert_code(0);
    assert_eq!(db.dump(), copy.dump());
}
