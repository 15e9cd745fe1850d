//! The server's PostgreSQL major, the range brain-db supports, and what needs a newer one.

use tokio_postgres::GenericClient;

/// The majors brain-db is tested on (README, `cargo xtask test --all-pg`).
pub const SUPPORTED: std::ops::RangeInclusive<u32> = 14..=18;

/// `server_version_num`, e.g. 180001 for 18.1.
pub async fn version_num(client: &impl GenericClient) -> Result<u32, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .await?;
    Ok(u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
}

/// The major of a `server_version_num`.
pub fn major(version_num: u32) -> u32 {
    version_num / 10000
}

/// A warning for a server outside [`SUPPORTED`]: nothing is refused for it, but nothing
/// was tested on it either.
pub fn support_warning(version_num: u32) -> Option<String> {
    let major = major(version_num);
    if SUPPORTED.contains(&major) {
        return None;
    }
    let relation = if major < *SUPPORTED.start() {
        "older than"
    } else {
        "newer than"
    };
    Some(format!(
        "warning: the server is PostgreSQL {major}, {relation} the majors brain-db supports \
         ({}-{}); continuing, but its catalogs may differ from what brain-db reads",
        SUPPORTED.start(),
        SUPPORTED.end()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_outside_the_range_only() {
        for num in [140000, 150020, 180006] {
            assert_eq!(support_warning(num), None, "{num}");
        }
        let old = support_warning(130015).unwrap();
        assert!(
            old.contains("PostgreSQL 13, older than") && old.contains("14-18"),
            "{old}"
        );
        let new = support_warning(190000).unwrap();
        assert!(new.contains("PostgreSQL 19, newer than"), "{new}");
    }
}
