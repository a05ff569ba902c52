//! The counter's configuration (`--config FILE`, else `~/.config/madoguchi/config.toml`,
//! else the defaults). Everything in it is optional.
//!
//! ```toml
//! counter = "1番窓口 (総合窓口)"
//! clerk = "窓口 花子"
//! role = "clerk"            # or "supervisor": browse, check, test and reload procedure sets
//! section = "市民課"        # the section this counter works for (case continuation)
//! database = "/var/lib/madoguchi/cases.sqlite3"   # or postgresql://madoguchi@db.example.lg.jp/madoguchi
//! procedures = "published"  # load the set published on the database (else the embedded set)
//! retention_days = 90
//! printer = "counter-1"     # CUPS queue
//! serial_scanner = "/dev/ttyACM0"
//! reader = "Sony RC-S300"   # PC/SC reader name (default: the first with a card)
//! lang = "ja"
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Clerk,
    Supervisor,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The counter's name shown in the header.
    pub counter: String,
    /// The clerk's name (recorded in the audit log; never personal data of residents).
    pub clerk: String,
    pub role: Role,
    /// The section (課) this counter works for: its procedures are the ones it marks.
    pub section: Option<String>,
    /// The case database: a SQLite path (older name: `db`).
    pub db: Option<PathBuf>,
    /// The case database: a SQLite path or a `postgresql://` URL (a town's server).
    pub database: Option<String>,
    /// `"published"`: load the procedure set published on the database (`madoguchi
    /// procedures publish`) at start and on reload, instead of the embedded set.
    pub procedures: Option<String>,
    /// Days after which closed cases lose their personal data.
    pub retention_days: u32,
    pub printer: Option<String>,
    pub serial_scanner: Option<PathBuf>,
    pub reader: Option<String>,
    pub lang: crate::rules::Lang,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            counter: "総合窓口".into(),
            clerk: "窓口担当".into(),
            role: Role::Clerk,
            section: None,
            db: None,
            database: None,
            procedures: None,
            retention_days: 90,
            printer: None,
            serial_scanner: None,
            reader: None,
            lang: crate::rules::Lang::Ja,
        }
    }
}

impl Config {
    /// The default location of the configuration file.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("madoguchi").join("config.toml"))
    }

    /// Loads `path`, or the default file if it exists, or the defaults. A broken file is an
    /// error naming the file and the place.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => match Self::default_path() {
                Some(p) if p.is_file() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text =
            read_config_file(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            // toml quotes the offending line (and names an unknown key): never a 個人番号
            // back, only where it is.
            if crate::intake::contains_individual_number(&e.to_string()) {
                let line = e
                    .span()
                    .and_then(|r| text.get(..r.start))
                    .map_or(1, |before| before.matches('\n').count() + 1);
                let why = crate::intake::individual_number::HOLDS_ONE;
                return format!("{}: line {line}: {why}", path.display());
            }
            // toml quotes the offending line: never a whole (megabyte) line back.
            let msg: Vec<String> = e
                .to_string()
                .lines()
                .map(|l| crate::text::ellipsize(l, 200).into_owned())
                .collect();
            format!("{}: {}", path.display(), msg.join("\n"))
        })?;
        // The clerk's and counter's names are printed and stored: never a 個人番号, never a
        // control character (the same rules as an intake's text).
        let table: toml::Table = toml::from_str(&text).unwrap_or_default();
        check_text(&toml::Value::Table(table), "")
            .map_err(|(key, why)| format!("{}: {key}: {why}", path.display()))?;
        config
            .check()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(config)
    }

    /// Values that parse but cannot work: said at load, with the allowed range.
    fn check(&self) -> Result<(), String> {
        let max = crate::store::MAX_RETENTION_DAYS;
        if self.retention_days > max {
            return Err(format!(
                "retention_days = {}: 0 から {max} 日の間で指定してください (out of range: 0..={max})",
                self.retention_days
            ));
        }
        if self.db.is_some() && self.database.is_some() {
            return Err(
                "db と database の両方は指定できません (give either db or database)".into(),
            );
        }
        match self.procedures.as_deref() {
            None | Some("published") | Some("embedded") => {}
            Some(other) => {
                return Err(format!(
                    "procedures = {other:?}: \"published\" か \"embedded\" を指定してください (use \"published\" or \"embedded\"; a folder is given with --procedures)"
                ))
            }
        }
        Ok(())
    }

    /// Whether counters load the procedure set published on the database.
    pub fn uses_published_set(&self) -> bool {
        self.procedures.as_deref() == Some("published")
    }

    /// Where the cases are: `--db` (a path or a URL), else `database`/`db` of the config,
    /// else the user's data directory. Training always uses a local file of its own, so
    /// practice never reaches the town's server.
    pub fn db_location(&self, cli_db: Option<&Path>, training: bool) -> crate::store::Location {
        use crate::store::Location;
        let given = cli_db
            .map(Path::to_path_buf)
            .or_else(|| self.database.as_ref().map(PathBuf::from));
        match given.as_deref().map(Location::parse) {
            Some(Location::Postgres(_)) if training => Location::Sqlite(self.db_path(None, true)),
            Some(Location::Postgres(u)) => Location::Postgres(u),
            Some(Location::Sqlite(p)) if training => Location::Sqlite(
                p.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
                    .join("training.sqlite3"),
            ),
            Some(Location::Sqlite(p)) => Location::Sqlite(p),
            None => Location::Sqlite(self.db_path(None, training)),
        }
    }

    /// The case database: `--db`, else `db` of the config, else the user's data directory
    /// (a separate file in training mode, so practice never mixes with real cases).
    pub fn db_path(&self, cli_db: Option<&Path>, training: bool) -> PathBuf {
        if let Some(p) = cli_db {
            return p.to_path_buf();
        }
        let base = match &self.db {
            Some(p) if !training => return p.clone(),
            Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => dirs::data_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("madoguchi"),
        };
        base.join(if training {
            "training.sqlite3"
        } else {
            "cases.sqlite3"
        })
    }
}

/// Every string of the file: no 個人番号 (`intake::individual_number`), no control character.
fn check_text(v: &toml::Value, key: &str) -> Result<(), (String, String)> {
    match v {
        toml::Value::String(s) => {
            if let Some(f) = crate::text::find_forbidden(s) {
                return Err((key.to_string(), f.to_string()));
            }
            if crate::intake::contains_individual_number(s) {
                let why = crate::intake::individual_number::HOLDS_ONE;
                return Err((key.to_string(), why.into()));
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                let k = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                check_text(v, &k)?;
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                check_text(v, &format!("{key}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A configuration file is small: at most this many bytes are read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads a configuration file: a regular file (a FIFO would block, `/dev/zero` never end)
/// of at most [`MAX_CONFIG_BYTES`], UTF-8.
fn read_config_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device)",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "larger than {} MiB: not a configuration file",
                MAX_CONFIG_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "clerk = \"佐藤\"\nrole = \"supervisor\"\n").unwrap();
        let c = Config::load(Some(&p)).unwrap();
        assert_eq!(c.clerk, "佐藤");
        assert_eq!(c.role, Role::Supervisor);
        assert_eq!(c.retention_days, 90);
        std::fs::write(&p, "clerc = \"x\"\n").unwrap();
        assert!(Config::load(Some(&p)).unwrap_err().contains("clerc"));
        assert!(c.db_path(None, true).ends_with("training.sqlite3"));
        std::fs::write(&p, "clerk = \"佐藤 1234.5678.9018\"\n").unwrap();
        let e = Config::load(Some(&p)).unwrap_err();
        assert!(
            e.contains("clerk: holds what looks like an individual number"),
            "{e}"
        );
        std::fs::write(&p, "counter = \"1番\\u001b[2J\"\n").unwrap();
        let e = Config::load(Some(&p)).unwrap_err();
        assert!(e.contains("counter: character 3 is U+001B"), "{e}");
        std::fs::write(&p, "retention_days = 100000000\n").unwrap();
        let e = Config::load(Some(&p)).unwrap_err();
        assert!(e.contains("36500"), "{e}");
    }

    #[test]
    fn database_urls_and_training() {
        use crate::store::Location;
        let c = Config {
            database: Some("postgresql://m@db.local/madoguchi".into()),
            ..Config::default()
        };
        assert_eq!(
            c.db_location(None, false),
            Location::Postgres("postgresql://m@db.local/madoguchi".into())
        );
        // Practice never reaches the town's server.
        assert!(
            matches!(c.db_location(None, true), Location::Sqlite(p) if p.ends_with("training.sqlite3"))
        );
        assert_eq!(
            c.db_location(Some(Path::new("/tmp/x.sqlite3")), false),
            Location::Sqlite("/tmp/x.sqlite3".into())
        );
    }
}
