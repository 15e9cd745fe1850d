//! Convergence: pushing version after version gives the same database as pushing the
//! last version into an empty one (pg-schema-diff's oracle), and every push settles.

use crate::harness::{Project, TestDb, assert_same_schema};

/// Each version appends new columns at the end, as push does, so column order matches.
const VERSIONS: &[&str] = &[
    // v1
    r#"
[enums]
mood = ["calm", "busy"]

[tables.users.columns]
id = { type = "serial", primary_key = true }
email = { type = "text", not_null = true, unique = true }
name = "text"
mood = { type = "mood", default = "calm" }

[tables.posts.columns]
id = { type = "bigint", primary_key = true, identity = "by default" }
user_id = { type = "integer", references = "users.id" }
title = "text"
body = "text"
created = { type = "timestamptz", default_sql = "now()" }

[tables.posts.indexes]
posts_user_idx = { columns = ["user_id"] }

[tables.tags.columns]
id = { type = "integer", primary_key = true }
label = "text"
"#,
    // v2: add column, type change, nullability, default change, enum value added,
    // index changed, check added, new table
    r#"
[enums]
mood = ["calm", "busy", "tired"]

[tables.users]
checks = { users_age_positive = "age >= 0" }

[tables.users.columns]
id = { type = "serial", primary_key = true }
email = { type = "text", not_null = true, unique = true }
name = "text"
mood = { type = "mood", default = "busy" }
age = { type = "integer", default = 0, comment = "in years" }

[tables.posts.columns]
id = { type = "bigint", primary_key = true, identity = "by default" }
user_id = { type = "integer", references = "users.id", on_delete = "cascade" }
title = { type = "varchar(200)", not_null = true }
body = "text"
created = { type = "timestamptz", default_sql = "clock_timestamp()" }

[tables.posts.indexes]
posts_user_idx = { columns = ["user_id", "created"], where = "title <> ''" }

[tables.tags.columns]
id = { type = "integer", primary_key = true }
label = "text"

[tables.audit.columns]
at = { type = "timestamptz", not_null = true }
what = "text"
"#,
    // v3: renames (table and column), drop column, PK change, unique change
    r#"
[enums]
mood = ["calm", "busy", "tired"]

[tables.users]
checks = { users_age_positive = "age >= 0" }
unique = [["email", "full_name"]]

[tables.users.columns]
id = { type = "serial", primary_key = true }
email = { type = "text", not_null = true }
full_name = { type = "text", renamed_from = "name" }
mood = { type = "mood", default = "busy" }
age = { type = "integer", default = 0, comment = "in years" }

[tables.posts.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
user_id = { type = "integer", references = "users.id", on_delete = "cascade" }
title = { type = "varchar(300)", not_null = true }
created = { type = "timestamptz", default_sql = "clock_timestamp()" }

[tables.posts.indexes]
posts_user_idx = { columns = ["user_id", "created"], where = "title <> ''" }
posts_title_idx = { columns = ["lower(title)"], unique = true }

[tables.labels]
renamed_from = "tags"
primary_key = ["id", "label"]

[tables.labels.columns]
id = "integer"
label = "text"

[tables.audit.columns]
at = { type = "timestamptz", not_null = true }
what = "text"
"#,
    // v4: enum value removed (rebuild), table dropped, type widened, FK removed,
    // not null dropped, check changed
    r#"
[enums]
mood = ["tired", "calm"]

[tables.users]
checks = { users_age_positive = "age >= 0 and age < 200" }
unique = [["email", "full_name"]]

[tables.users.columns]
id = { type = "serial", primary_key = true }
email = "text"
full_name = "text"
mood = { type = "mood", default = "calm" }
age = { type = "bigint", default = 0, comment = "in years" }

[tables.posts.columns]
id = { type = "bigint", primary_key = true, identity = "always" }
user_id = "integer"
title = { type = "varchar(300)", not_null = true }
created = { type = "timestamptz", default_sql = "clock_timestamp()" }

[tables.posts.indexes]
posts_title_idx = { columns = ["lower(title)"], unique = true }

[tables.labels]
primary_key = ["id", "label"]

[tables.labels.columns]
id = "integer"
label = "text"
"#,
];

#[tokio::test]
async fn pushing_each_version_converges_to_a_fresh_push_of_the_last() {
    let stepwise = TestDb::new("converge_stepwise").await;
    let fresh = TestDb::new("converge_fresh").await;
    let project = Project::new();
    for (i, version) in VERSIONS.iter().enumerate() {
        project.write_schema(version);
        let run = project.run(&stepwise, &["push", "--force"]);
        assert_eq!(
            run.code,
            0,
            "push of v{} failed:\n{}\n{}",
            i + 1,
            run.stdout,
            run.stderr
        );
        let again = project.run(&stepwise, &["push"]);
        again.assert_no_changes();
    }
    project.run(&fresh, &["push"]).assert_code(0);
    assert_same_schema(&fresh, &stepwise, "");
}
