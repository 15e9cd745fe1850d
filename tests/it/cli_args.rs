//! Command-line arguments: a usage error exits 1 (2 means "refused"), and the duration
//! flags take one syntax, state their range and never panic, before anything runs.

use crate::harness::{Project, TestDb};

/// Every table of the database, so a test can show that nothing ran.
async fn tables(db: &TestDb) -> Vec<Option<String>> {
    db.column("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1")
        .await
}

#[tokio::test]
async fn usage_errors_exit_1_and_touch_nothing() {
    let db = TestDb::new("cli_args_usage_errors_exit_1").await;
    let project = Project::new();
    project.write_schema("[tables.notes.columns]\nid = \"integer\"\n");
    for (args, says) in [
        (
            &["push", "--no-such-flag"][..],
            "unexpected argument '--no-such-flag'",
        ),
        (
            &["no-such-command"][..],
            "unrecognized subcommand 'no-such-command'",
        ),
        (&["push", "--force=maybe"][..], "unexpected value 'maybe'"),
        (
            &["migrate", "--lock-timeout"][..],
            "a value is required for '--lock-timeout",
        ),
        (&[][..], "Usage:"),
    ] {
        let run = project.run(&db, args);
        run.assert_code(1);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert!(tables(&db).await.is_empty(), "a usage error ran a command");

    // Help and version are not errors.
    for args in [&["--help"][..], &["push", "--help"][..], &["--version"][..]] {
        let run = project.run(&db, args);
        run.assert_code(0);
        assert!(!run.stdout.is_empty(), "{args:?}");
    }
}

#[tokio::test]
async fn out_of_range_durations_are_clear_errors_not_panics() {
    let db = TestDb::new("cli_args_out_of_range_durations").await;
    let project = Project::new();
    project.write_schema("[tables.notes.columns]\nid = \"integer\"\n");
    std::fs::create_dir(project.path().join("migrations")).unwrap();
    for (command, flag) in [
        ("push", "--ddl-lock-timeout"),
        ("migrate", "--ddl-lock-timeout"),
        ("migrate", "--lock-timeout"),
    ] {
        for (value, says) in [
            ("99999999999h", "is too long: the most is 2147483647 ms"),
            (
                "99999999999999999999999s",
                "is too long: the most is 2147483647 ms",
            ),
            ("2147483648ms", "is too long: the most is 2147483647 ms"),
            ("1e30", "unknown unit `e30`"),
            ("inf", "is not a duration"),
            ("-5s", "is not a duration"),
            ("1.2.3s", "is not a duration"),
            ("10d", "unknown unit `d`"),
        ] {
            // `--flag=value`, so that `-5s` is not read as a flag of its own.
            let arg = format!("{flag}={value}");
            let run = project.run(&db, &[command, &arg]);
            let context = format!("{command} {flag} {value}");
            run.assert_code(1);
            assert!(
                !run.stderr.contains("panicked"),
                "{context}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(says), "{context}: {}", run.stderr);
            assert!(run.stderr.contains(flag), "{context}: {}", run.stderr);
        }
    }
    assert!(
        tables(&db).await.is_empty(),
        "a rejected flag ran a command"
    );

    // The largest value is accepted by PostgreSQL as lock_timeout, and both flags take
    // the same forms.
    let run = project.run(&db, &["push", "--ddl-lock-timeout", "2147483647ms"]);
    run.assert_code(0);
    assert_eq!(tables(&db).await, vec![Some("notes".to_string())]);
    let run = project.run(
        &db,
        &[
            "migrate",
            "--lock-timeout",
            "1.5s",
            "--ddl-lock-timeout",
            "24d",
        ],
    );
    run.assert_code(1);
    assert!(run.stderr.contains("unknown unit `d`"), "{}", run.stderr);
    for value in ["500ms", "2m", "30", "0"] {
        let run = project.run(
            &db,
            &[
                "migrate",
                "--lock-timeout",
                value,
                "--ddl-lock-timeout",
                value,
            ],
        );
        run.assert_code(0);
    }
    assert!(
        tables(&db)
            .await
            .contains(&Some("__migrations".to_string())),
        "migrate ran"
    );
}
