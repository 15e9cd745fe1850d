//! Columns and types that a push rebuilds (a generated column dropped and added again, an
//! enum recreated without a value) keep everything attached to them: indexes (plain,
//! expression and partial), checks, keys, foreign keys from other tables, defaults and
//! comments, exactly as a fresh push of the same file creates them.

use crate::harness::{Project, TestDb, assert_same_schema};

/// Pushes `first`, then `second` with --force; the result must equal a fresh push of
/// `second` and settle. Returns the stepwise database for further checks.
async fn push_then_compare(label: &str, first: &str, second: &str) -> TestDb {
    let stepwise = TestDb::new(&format!("{label}_stepwise")).await;
    let fresh = TestDb::new(&format!("{label}_fresh")).await;
    let project = Project::new();
    project.write_schema(first);
    project.run(&stepwise, &["push"]).assert_code(0);
    seed(&stepwise).await;
    project.write_schema(second);
    project.run(&stepwise, &["push", "--force"]).assert_code(0);
    project.run(&stepwise, &["push"]).assert_no_changes();
    project.run(&fresh, &["push"]).assert_code(0);
    assert_same_schema(&fresh, &stepwise, second);
    stepwise
}

/// Rows for the schemas below, when their tables exist.
async fn seed(db: &TestDb) {
    let has = |t: &str| format!("select count(*) from pg_class where relname = '{t}'");
    if db.value(&has("orders")).await == "1" {
        db.exec(
            "insert into orders (id, price, qty) values (1, 10, 2), (2, 5, 3);
             insert into invoices (order_total) values (20)",
        )
        .await;
    }
    if db.value(&has("people")).await == "1" {
        db.exec(
            "insert into people (id, mood, moods) values (1, 'calm', '{calm,busy}'), (2, 'busy', '{busy}');
             insert into visits (id, person_mood) values (1, 'happy')",
        )
        .await;
    }
}

const ORDERS_V1: &str = r#"
[tables.orders.columns]
id = { type = "integer", primary_key = true }
price = { type = "integer", not_null = true }
qty = { type = "integer", not_null = true }
total = { type = "integer", generated = "price * qty", not_null = true, unique = true, check = "total >= 0", comment = "price times quantity" }

[tables.orders.indexes]
orders_total_idx = { columns = ["total"] }
orders_total_expr_idx = { columns = ["(total * 2)"] }
orders_big_idx = { columns = ["id"], where = "total > 100" }

[tables.invoices.columns]
id = { type = "integer", identity = "always", primary_key = true }
order_total = { type = "integer", references = "orders.total" }
"#;

#[tokio::test]
async fn a_changed_generated_expression_keeps_indexes_checks_keys_and_comments() {
    // Same values (the invoice's foreign key still holds), another expression.
    let v2 = ORDERS_V1.replace("\"price * qty\"", "\"qty * price\"");
    let db = push_then_compare("rebuild_generated", ORDERS_V1, &v2).await;
    let indexes = db
        .column("select indexname from pg_indexes where tablename = 'orders' order by 1")
        .await;
    let indexes: Vec<String> = indexes.into_iter().flatten().collect();
    assert_eq!(
        indexes,
        [
            "orders_big_idx",
            "orders_pkey",
            "orders_total_expr_idx",
            "orders_total_idx",
            "orders_total_key"
        ]
    );
    assert_eq!(
        db.value("select string_agg(conname, ',' order by conname) from pg_constraint where conrelid in ('orders'::regclass, 'invoices'::regclass) and contype <> 'n'")
            .await,
        "invoices_order_total_fkey,invoices_pkey,orders_pkey,orders_total_check,orders_total_key"
    );
    assert_eq!(
        db.value("select col_description('orders'::regclass, attnum) from pg_attribute where attrelid = 'orders'::regclass and attname = 'total'")
            .await,
        "price times quantity"
    );
    assert_eq!(
        db.value("select string_agg(total::text, ',' order by id) from orders")
            .await,
        "20,15"
    );
}

#[tokio::test]
async fn a_generated_column_whose_type_changes_keeps_its_index() {
    let v2 = ORDERS_V1
        .replace(
            "total = { type = \"integer\"",
            "total = { type = \"bigint\"",
        )
        .replace(
            "order_total = { type = \"integer\"",
            "order_total = { type = \"bigint\"",
        );
    push_then_compare("rebuild_generated_type", ORDERS_V1, &v2).await;
}

const PEOPLE_V1: &str = r#"
[enums]
mood = ["calm", "busy", "sad", "happy"]

[tables.people]
checks = { people_not_happy = "mood <> 'happy'", people_moods_known = "moods <@ array['calm', 'busy']::mood[]", people_note_mood = "note::mood <> 'calm'" }

[tables.people.columns]
id = { type = "integer", primary_key = true }
mood = { type = "mood", not_null = true, default = "calm", check = "mood in ('calm', 'busy')" }
moods = { type = "mood[]", default_sql = "array['calm']::mood[]" }
note = { type = "text", default_sql = "'busy'::mood::text" }
# Last: a generated column computed from the enum is dropped and added again.
is_calm = { type = "boolean", generated = "mood = 'calm'", comment = "computed" }

[tables.people.indexes]
people_calm_idx = { columns = ["is_calm"] }
people_busy_idx = { columns = ["id"], where = "mood = 'busy'" }
people_mood_expr_idx = { columns = ["(mood > 'calm')"] }
people_moods_idx = { columns = ["moods"], using = "gin" }

[tables.visits.columns]
id = { type = "integer", primary_key = true }
person_mood = { type = "mood", check = "person_mood <> 'busy'", default = "happy" }

[tables.visits.indexes]
visits_happy_idx = { columns = ["id"], where = "person_mood = 'happy'" }
"#;

#[tokio::test]
async fn removing_an_enum_value_keeps_checks_partial_indexes_and_defaults_that_use_it() {
    let v2 = PEOPLE_V1.replace("\"sad\", ", "");
    let db = push_then_compare("rebuild_enum_dependents", PEOPLE_V1, &v2).await;
    assert_eq!(
        db.value("select string_agg(enumlabel, ',' order by enumsortorder) from pg_enum where enumtypid = 'mood'::regtype")
            .await,
        "calm,busy,happy"
    );
    assert_eq!(
        db.value("select string_agg(id || ':' || mood || ':' || moods::text, ' ' order by id) from people")
            .await,
        "1:calm:{calm,busy} 2:busy:{busy}"
    );
    // The checks still hold.
    let err = db
        .error_of("insert into people (id, mood) values (9, 'happy')")
        .await;
    assert!(err.contains("check constraint"), "{err}");
    let err = db
        .error_of("insert into visits (id, person_mood) values (9, 'busy')")
        .await;
    assert!(err.contains("check constraint"), "{err}");
    assert_eq!(
        db.value("select count(*) from pg_indexes where tablename in ('people', 'visits')")
            .await,
        "7"
    );
}

#[tokio::test]
async fn reordering_enum_values_keeps_what_depends_on_them() {
    let v2 = PEOPLE_V1.replace(
        "[\"calm\", \"busy\", \"sad\", \"happy\"]",
        "[\"happy\", \"calm\", \"busy\"]",
    );
    push_then_compare("rebuild_enum_reorder", PEOPLE_V1, &v2).await;
}
