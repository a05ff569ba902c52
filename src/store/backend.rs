//! Opening the database: where it is ([`Location`]), and the checks made before anything is
//! written to it — a SQLite file that is a symbolic link, damaged, or another application's
//! is refused untouched; a PostgreSQL database holding someone else's tables likewise.

use super::db::{Dialect, Sql, Val};
use super::StoreError;
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a madoguchi SQLite file ("MDGO"). Files written before
/// version 3 have 0 and are recognised by their tables instead.
pub const SQLITE_APPLICATION_ID: i64 = 0x4D44_474F;

/// Where the cases are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (one PC; the default).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgresql://USER@HOST:PORT/DB?sslmode=require`).
    Postgres(String),
}

impl Location {
    /// A `postgresql://` or `postgres://` URL is a server; anything else a file path.
    pub fn parse(s: &Path) -> Location {
        match s.to_str() {
            Some(t) if is_url(t) => Location::Postgres(t.to_string()),
            _ => Location::Sqlite(s.to_path_buf()),
        }
    }

    /// How to name it in a message: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => redact_url(u),
        }
    }
}

pub fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// The URL with any password replaced by `***` (messages and logs never carry it).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(auth_end);
    let auth = match auth.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((u, _)) => format!("{u}:***@{host}"),
            None => auth.to_string(),
        },
        None => auth.to_string(),
    };
    let tail = tail
        .split('&')
        .map(|kv| {
            let lower = kv.to_ascii_lowercase();
            if lower.starts_with("password=") || lower.contains("?password=") {
                match kv.split_once("password=") {
                    Some((a, _)) => format!("{a}password=***"),
                    None => kv.to_string(),
                }
            } else {
                kv.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{auth}{tail}")
}

// ---------------------------------------------------------------------------------- SQLite

/// Creates the file (and its folder) readable by its owner only, before SQLite opens it:
/// SQLite gives the `-wal` and `-shm` files the database file's mode. A symbolic link (the
/// file or its `-wal`/`-shm` companions) or anything but a regular file is refused before it
/// is opened or its mode touched: following it would let whoever made the link point the
/// counter's personal data, or a chmod, at another file.
pub fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let unavailable = |what: &str, e: std::io::Error| {
        StoreError::Unavailable(format!("{}: {what}: {e}", path.display()))
    };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            if m.file_type().is_symlink() {
                return Err(StoreError::Unavailable(format!(
                    "{}: シンボリックリンクは使えません。実際のファイルを指定してください (a symbolic link is refused; give the real file)",
                    p.display()
                )));
            }
            if !m.is_file() {
                return Err(StoreError::Unavailable(format!(
                    "{}: 通常のファイルではありません (not a regular file)",
                    p.display()
                )));
            }
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)
                .map_err(|e| unavailable("cannot create the folder", e))?;
        }
    }
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
        // Closes the gap between the check above and this open.
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let f = o.open(path).map_err(|e| unavailable("cannot open", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An existing file made by hand or an older tool may be readable by others: tighten
        // it (through the open descriptor: never through a path that could be swapped).
        // Failing to (someone else's file) is not fatal; the clerk can still work.
        if let Ok(m) = f.metadata() {
            if m.permissions().mode() & 0o077 != 0 {
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    Ok(())
}

/// Checks that an opened SQLite file is undamaged and is ours (or empty), before migrating
/// or writing anything.
pub fn check_sqlite(conn: &mut rusqlite::Connection, path: &Path) -> Result<(), StoreError> {
    let name = path.display();
    let corrupt = |detail: String| StoreError::Corrupt(format!("{name}: {detail}"));
    let conn_sql: &mut dyn Sql = conn;
    // quick_check reads every page (O(N), milliseconds for a counter's file) and finds the
    // damage that would otherwise surface only when a later write touches it.
    let rows = conn_sql
        .query("PRAGMA quick_check", &[])
        .map_err(|e| match e {
            StoreError::Corrupt(m) => corrupt(m),
            other => other,
        })?;
    let first = rows
        .first()
        .and_then(|r| r.opt_text(0).ok().flatten())
        .unwrap_or_default();
    if first != "ok" {
        let detail: Vec<String> = rows
            .iter()
            .take(3)
            .filter_map(|r| r.opt_text(0).ok().flatten())
            .collect();
        return Err(corrupt(format!(
            "ファイルが壊れています。バックアップから戻してください (quick_check: {})",
            detail.join("; ")
        )));
    }
    // The three readings in one read transaction: another counter starting at the same
    // moment may be creating the tables, and a mix of before and after would look foreign.
    let identity = |conn_sql: &mut dyn Sql| -> Result<(i64, i64, Vec<String>), StoreError> {
        let app = conn_sql.query_one("PRAGMA application_id", &[])?.int(0)?;
        let version = conn_sql.query_one("PRAGMA user_version", &[])?.int(0)?;
        let tables: Vec<String> = conn_sql
            .query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                &[],
            )?
            .iter()
            .filter_map(|r| r.opt_text(0).ok().flatten())
            .collect();
        Ok((app, version, tables))
    };
    conn_sql.batch("BEGIN")?;
    let read = identity(&mut *conn_sql);
    let end = conn_sql.batch(if read.is_ok() { "COMMIT" } else { "ROLLBACK" });
    let (app, version, tables) = read?;
    end?;
    let has = |t: &str| tables.iter().any(|x| x == t);
    let ours_by_tables = has("cases") && has("audit") && has("prints");
    let ok = app == SQLITE_APPLICATION_ID
        || (app == 0 && tables.is_empty() && version == 0)
        || (app == 0 && ours_by_tables && version >= 1);
    if !ok {
        return Err(StoreError::Corrupt(format!(
            "{name}: madoguchi のデータベースではありません。別のアプリケーションのファイルは変更しません (not a madoguchi database: application_id {app}, user_version {version}, tables {}; refused untouched)",
            if tables.is_empty() { "-".to_string() } else { tables.join(",") }
        )));
    }
    Ok(())
}

// ------------------------------------------------------------------------------ PostgreSQL

/// Connects to a PostgreSQL URL. TLS is used when the URL asks for it (`sslmode=require`,
/// `verify-ca`, `verify-full`); `sslrootcert=FILE` adds the town's own CA. Without `sslmode`
/// the connection is plain (a server on the town's closed network, as most 自治体 LGWAN
/// segments are); say `sslmode=require` to insist.
pub fn connect_postgres(url: &str) -> Result<postgres::Client, StoreError> {
    let shown = redact_url(url);
    let (url_rest, rootcert, mode) = split_tls_params(url);
    let config: postgres::Config = url_rest.parse().map_err(|e| {
        StoreError::Invalid(format!(
            "{shown}: PostgreSQL の URL が正しくありません (not a valid PostgreSQL URL): {e}"
        ))
    })?;
    let mut config = config;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("madoguchi");
    }
    let unavailable = |e: postgres::Error| {
        StoreError::Unavailable(format!(
            "{shown}: データベースサーバーに接続できません (cannot connect to the database server): {}",
            pg_message(&e)
        ))
    };
    match mode.as_deref() {
        Some("require") | Some("verify-ca") | Some("verify-full") => {
            let mut b = native_tls::TlsConnector::builder();
            if let Some(file) = &rootcert {
                let pem = std::fs::read(file).map_err(|e| {
                    StoreError::Unavailable(format!("{shown}: sslrootcert {file}: {e}"))
                })?;
                let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
                    StoreError::Invalid(format!("{shown}: sslrootcert {file}: {e}"))
                })?;
                b.add_root_certificate(cert);
            }
            // "require" (libpq's meaning): encrypted, the server not verified; verify-ca:
            // the chain, not the name; verify-full: both.
            match mode.as_deref() {
                Some("require") if rootcert.is_none() => {
                    b.danger_accept_invalid_certs(true);
                    b.danger_accept_invalid_hostnames(true);
                }
                Some("verify-ca") | Some("require") => {
                    b.danger_accept_invalid_hostnames(true);
                }
                _ => {}
            }
            let connector = b
                .build()
                .map_err(|e| StoreError::Unavailable(format!("{shown}: TLS: {e}")))?;
            config.ssl_mode(postgres::config::SslMode::Require);
            config
                .connect(postgres_native_tls::MakeTlsConnector::new(connector))
                .map_err(unavailable)
        }
        Some("disable") | Some("allow") | Some("prefer") | None => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls).map_err(unavailable)
        }
        Some(other) => Err(StoreError::Invalid(format!(
            "{shown}: sslmode={other} は使えません (use disable, require, verify-ca or verify-full)"
        ))),
    }
}

/// Takes `sslmode` and `sslrootcert` out of the URL's query (the driver knows only some
/// modes and no root certificate files); returns the rest of the URL.
fn split_tls_params(url: &str) -> (String, Option<String>, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None, None);
    };
    let mut keep = vec![];
    let (mut rootcert, mut mode) = (None, None);
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("sslrootcert", v)) => rootcert = Some(v.to_string()),
            Some(("sslmode", v)) => mode = Some(v.to_ascii_lowercase()),
            _ => keep.push(kv),
        }
    }
    let rest = if keep.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", keep.join("&"))
    };
    (rest, rootcert, mode)
}

/// The server's message (a `postgres::Error` prints only "db error" otherwise).
pub fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(x) = src {
                s.push_str(": ");
                s.push_str(&x.to_string());
                src = x.source();
            }
            s
        }
    }
}

/// Refuses a PostgreSQL database that holds tables of another application in our schema:
/// madoguchi wants a database (or a schema) of its own and never migrates someone else's.
pub fn check_postgres(c: &mut dyn Sql, shown: &str) -> Result<(), StoreError> {
    debug_assert_eq!(c.dialect(), Dialect::Postgres);
    // One statement, one snapshot: another counter may be committing the first migration
    // right now, and its tables must not be mistaken for someone else's.
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
            &[] as &[Val],
        )?
        .iter()
        .filter_map(|r| r.opt_text(0).ok().flatten())
        .collect();
    if tables.is_empty() || tables.iter().any(|t| t == "madoguchi_schema") {
        return Ok(());
    }
    let others: Vec<String> = tables.into_iter().take(5).collect();
    Err(StoreError::Corrupt(format!(
        "{shown}: このデータベースには madoguchi 以外の表があります。madoguchi 専用のデータベースを用意してください (the database holds other tables: {}; refused untouched)",
        others.join(",")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_apart_and_passwords_never_shown() {
        assert_eq!(
            Location::parse(Path::new("postgresql://u:secret@db.local:5432/madoguchi")),
            Location::Postgres("postgresql://u:secret@db.local:5432/madoguchi".into())
        );
        assert_eq!(
            Location::parse(Path::new("/var/lib/m/cases.sqlite3")),
            Location::Sqlite("/var/lib/m/cases.sqlite3".into())
        );
        assert_eq!(
            redact_url("postgresql://u:secret@db.local:5432/m?sslmode=require"),
            "postgresql://u:***@db.local:5432/m?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://db.local/m?user=u&password=secret"),
            "postgresql://db.local/m?user=u&password=***"
        );
        let (rest, ca, mode) =
            split_tls_params("postgresql://u@h/m?sslmode=verify-full&sslrootcert=/etc/ca.pem&x=1");
        assert_eq!(rest, "postgresql://u@h/m?x=1");
        assert_eq!(ca.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(mode.as_deref(), Some("verify-full"));
    }
}
