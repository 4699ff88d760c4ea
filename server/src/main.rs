//! `billcom-connection-server`: see `--help` and README.md.

use billcom_connection_server::cli::{Cli, Command, Config};
use billcom_connection_server::startup;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit 2 with clap's message; --help and --version exit 0.
    let cli = Cli::parse();
    startup::init_logging();
    match cli.command {
        Some(Command::RotateKey { data_dir }) => startup::rotate_key(&data_dir),
        None => startup::run(Config::from(cli.run)),
    }
}
