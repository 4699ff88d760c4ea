//! `billcom-connection-server`: see `--help` and README.md.

use billcom_connection_server::config::{self, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = config::parse(std::env::args_os().skip(1), |k| std::env::var_os(k));
    match command {
        Ok(Command::Run(c)) => {
            config::init_logging();
            config::run(c)
        }
        Ok(Command::RotateKey { data_dir }) => {
            config::init_logging();
            config::rotate_key(&data_dir)
        }
        Ok(Command::Help) => {
            print!("{}", config::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("billcom-connection-server {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("billcom-connection-server: error: {e}\n\n{}", config::USAGE);
            ExitCode::from(2)
        }
    }
}
