//! The command line and environment (clap derive: flags win over `env`, help and
//! errors generated). Parsed once in `main`, then passed down as a [`Config`].

use crate::bill::{self, BillSettings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The reference backend of the Bill.com connection form.
#[derive(Debug, Parser)]
#[command(name = "billcom-connection-server", version, about, after_help = ENV_HELP, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// With the server stopped, re-encrypts every saved secret under a new key in one
    /// transaction. With a key file, a new key is generated (or taken from
    /// BILLCOM_NEW_CONNECTION_KEY) and replaces DIR/connection.key. With the key in
    /// BILLCOM_CONNECTION_KEY, set BILLCOM_NEW_CONNECTION_KEY to the new key, then
    /// start the server with BILLCOM_CONNECTION_KEY set to it.
    RotateKey {
        /// Where the database and key file live.
        #[arg(long, env = "BILLCOM_DATA_DIR", default_value = "./data", value_name = "DIR")]
        data_dir: PathBuf,
        /// Rotate the key of this PostgreSQL database (stop every instance first).
        #[arg(long, env = "DATABASE_URL", value_name = "URL", value_parser = database_url)]
        database_url: Option<String>,
    },
}

#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// Address to listen on.
    #[arg(long, env = "BILLCOM_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR", value_parser = non_empty)]
    pub listen: String,
    /// Where the database and key file live.
    #[arg(long, env = "BILLCOM_DATA_DIR", default_value = "./data", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the embedded SQLite file: postgres://user[:password]@host[:port]/database.
    /// Several instances may share one database.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", value_parser = database_url)]
    pub database_url: Option<String>,
    /// The repository root: serves DIR/www at / and DIR/pkg at /pkg/.
    #[arg(long, env = "BILLCOM_STATIC_DIR", default_value = ".", value_name = "DIR")]
    pub static_dir: PathBuf,
    /// A connection that has not sent a complete request header this long after it
    /// opened (or after its previous response: an idle keep-alive connection) is closed.
    #[arg(long, env = "BILLCOM_HEADER_TIMEOUT_MS", default_value_t = 10_000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub header_timeout_ms: u64,
    /// The longest one request may take, body included; past it the answer is 408.
    #[arg(long, env = "BILLCOM_REQUEST_TIMEOUT_MS", default_value_t = 30_000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub request_timeout_ms: u64,
    /// Connections served at once; further ones wait in the listen queue until one
    /// closes (logged when reached).
    #[arg(long, env = "BILLCOM_MAX_CONNECTIONS", default_value_t = 1024, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// FOR TESTS ONLY: sends every connection test to this origin
    /// (scheme://host[:port], e.g. http://127.0.0.1:9911) instead of BILL, keeping
    /// BILL's paths; plain HTTP is then allowed.
    #[arg(long, env = "BILLCOM_API_ORIGIN", value_name = "ORIGIN", value_parser = bill::parse_origin, hide_short_help = true)]
    pub api_origin: Option<String>,
    /// FOR TESTS ONLY: the total time one connection test may take.
    #[arg(long, env = "BILLCOM_API_TIMEOUT_MS", value_name = "MS", value_parser = api_timeout, hide_short_help = true)]
    pub api_timeout_ms: Option<u64>,
}

const ENV_HELP: &str = "\
Environment:
  BILLCOM_CONNECTION_KEY   base64 of 32 bytes: the key that encrypts saved secrets. When
                           unset, DIR/connection.key is used (generated on first start,
                           mode 0600). Keep it: without it no saved secret can be read.
  BILLCOM_ALLOWED_HOSTS    host names answered besides localhost and IP addresses.";

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("needs a non-empty value".into())
    } else {
        Ok(s.to_owned())
    }
}

fn database_url(s: &str) -> Result<String, String> {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        Ok(s.to_owned())
    } else {
        Err("must be a postgres:// URL (without it, the SQLite file in --data-dir is used)".into())
    }
}

fn api_timeout(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n @ 1..=120_000) => Ok(n),
        _ => Err(format!("BILLCOM_API_TIMEOUT_MS must be a whole number of milliseconds from 1 to 120000 (got {s:?})")),
    }
}

/// What the server needs to run, read once at startup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    /// PostgreSQL URL; `None`: SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub static_dir: PathBuf,
    /// Outbound calls to BILL (connection tests).
    pub bill: BillSettings,
    pub limits: Limits,
}

/// How long and how many: the defences against slow and idle clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl From<RunArgs> for Config {
    fn from(a: RunArgs) -> Config {
        Config {
            listen: a.listen,
            data_dir: a.data_dir,
            database_url: a.database_url,
            static_dir: a.static_dir,
            bill: BillSettings {
                origin: a.api_origin,
                timeout: a.api_timeout_ms.map_or(bill::DEFAULT_TIMEOUT, Duration::from_millis),
            },
            limits: Limits {
                header_timeout: Duration::from_millis(a.header_timeout_ms),
                request_timeout: Duration::from_millis(a.request_timeout_ms),
                max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("billcom-connection-server").chain(args.iter().copied()))
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_and_defaults() {
        let Ok(cli) = parse(&["--listen=127.0.0.1:0", "--data-dir", "/a", "--header-timeout-ms", "500"]) else {
            panic!("parse failed")
        };
        assert!(cli.command.is_none());
        let c = Config::from(cli.run);
        assert_eq!((c.listen.as_str(), c.data_dir.to_str()), ("127.0.0.1:0", Some("/a")));
        assert_eq!(c.limits.header_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.max_connections, 1024);
        assert_eq!(c.limits.request_timeout, Duration::from_secs(30));
        assert_eq!(c.bill, BillSettings::default());
    }

    #[test]
    fn bad_arguments_are_errors() {
        for bad in [
            &["--nope"][..],
            &["--listen"],
            &["--listen="],
            &["--header-timeout-ms", "0"],
            &["--max-connections", "-1"],
            &["--api-origin", "http://x/api"],
            &["--api-timeout-ms", "999999"],
            &["--database-url", "mysql://x/y"],
            &["rotate-key", "--listen", "127.0.0.1:1"],
            &["--data-dir", "/d", "rotate-key"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rotate_key_takes_the_data_dir() {
        let Ok(Cli { command: Some(Command::RotateKey { data_dir, .. }), .. }) =
            parse(&["rotate-key", "--data-dir", "/d"])
        else {
            panic!("parse failed")
        };
        assert_eq!(data_dir, PathBuf::from("/d"));
    }

    #[test]
    fn the_bill_override_is_parsed() {
        let Ok(cli) = parse(&["--api-origin", "http://127.0.0.1:9911/", "--api-timeout-ms", "250"]) else {
            panic!("parse failed")
        };
        let c = Config::from(cli.run);
        assert_eq!(c.bill.origin.as_deref(), Some("http://127.0.0.1:9911"));
        assert_eq!(c.bill.timeout, Duration::from_millis(250));
    }
}
