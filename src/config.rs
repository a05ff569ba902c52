//! The counter's configuration (`--config FILE`, else `~/.config/madoguchi/config.toml`,
//! else the defaults). Everything in it is optional.
//!
//! ```toml
//! counter = "1番窓口 (総合窓口)"
//! clerk = "窓口 花子"
//! role = "clerk"            # or "supervisor": browse, check, test and reload procedure sets
//! db = "/var/lib/madoguchi/cases.sqlite3"
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
    pub db: Option<PathBuf>,
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
            db: None,
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
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let config = toml::from_str(&text).map_err(|e| {
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
        Ok(config)
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
    }
}
