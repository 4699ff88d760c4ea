//! `billcom-connection-server`: see `--help` and README.md.

use billcom_connection_server::cli::{Cli, Command, Config};
use billcom_connection_server::startup;
use clap::Parser;
use std::process::ExitCode;
use zeroizing_alloc::ZeroAlloc;

/// Freed heap memory is overwritten with zeros (issue 13, finding 5): secrets
/// copied into buffers the stack owns (hyper's, serde_json's, reqwest's) do not
/// outlive those buffers. `bench/secret-copies.mjs` measures what is left.
#[global_allocator]
static ALLOC: ZeroAlloc<std::alloc::System> = ZeroAlloc(std::alloc::System);

fn main() -> ExitCode {
    // Usage errors exit 2 with clap's message; --help and --version exit 0.
    let cli = Cli::parse();
    startup::init_logging();
    match cli.command {
        Some(Command::RotateKey { data_dir, database_url }) => startup::rotate_key(&data_dir, database_url.as_deref()),
        None => startup::run(Config::from(cli.run)),
    }
}
