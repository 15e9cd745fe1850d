//! `brain-db studio`: prints the address (with its token) and serves until Ctrl-C.

use std::net::IpAddr;

use super::{Cli, Outcome, exit};
use crate::studio::{Studio, StudioOptions};

pub async fn run(cli: &Cli, host: IpAddr, port: u16, read_only: bool, open: bool) -> Outcome {
    let url = super::database_url(cli)?;
    if !host.is_loopback() {
        eprintln!(
            "warning: --host {host} is not a loopback address: anyone who can reach it and \
             learns the token can read{} this database",
            if read_only { "" } else { " and change" }
        );
    }
    let studio = Studio::bind(
        &url,
        &StudioOptions {
            host,
            port,
            read_only,
            schema_file: cli.schema.exists().then(|| cli.schema.clone()),
        },
    )
    .await?;
    println!("studio: {}", studio.url());
    if read_only {
        eprintln!("read-only: every write is refused");
    }
    eprintln!("press Ctrl-C to stop");
    if open && let Err(e) = open::that_detached(studio.url()) {
        eprintln!("note: cannot start a browser ({e}): open the address above");
    }
    studio
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    eprintln!("studio stopped");
    Ok(exit::OK)
}
