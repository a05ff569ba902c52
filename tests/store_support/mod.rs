//! The two backends the store tests run on: a SQLite file in a temp folder, and a fresh
//! database on a throwaway PostgreSQL cluster — the one `scripts/test-all` started
//! (`MADOGUCHI_TEST_PG`), else one this test process starts itself with
//! `scripts/pg-test-cluster` and stops at exit. With `MADOGUCHI_REQUIRE_SERVICES=1` a missing
//! PostgreSQL fails the test; without it the PostgreSQL half is skipped with a message.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where one test keeps its cases.
pub enum Target {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        url: String,
        name: String,
    },
}

impl Target {
    /// What `Store::open` and `--db` take: the file path or the URL.
    pub fn location(&self) -> PathBuf {
        match self {
            Target::Sqlite { path, .. } => path.clone(),
            Target::Postgres { url, .. } => PathBuf::from(url),
        }
    }
    pub fn is_pg(&self) -> bool {
        matches!(self, Target::Postgres { .. })
    }
    pub fn label(&self) -> &'static str {
        if self.is_pg() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
    /// Every byte an outsider could read back: the SQLite file with its WAL, or a `pg_dump`
    /// of the database.
    pub fn dump(&self) -> Vec<u8> {
        match self {
            Target::Sqlite { path, .. } => file_bytes(path),
            Target::Postgres { url, .. } => {
                let out = std::process::Command::new(pg_bin("pg_dump"))
                    .args(["--no-owner", "--data-only", "-d", url])
                    .output()
                    .expect("pg_dump runs");
                assert!(
                    out.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
        }
    }
}

/// The bytes of the database file and of its `-wal`, `-shm` and `-journal` files.
pub fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = vec![];
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(p)) {
            all.extend(b);
        }
    }
    all
}

pub fn sqlite() -> Target {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.sqlite3");
    Target::Sqlite { _dir: dir, path }
}

/// Both backends (PostgreSQL only when a server can be had: see the module comment).
pub fn targets() -> Vec<Target> {
    let mut v = vec![sqlite()];
    v.extend(postgres());
    v
}

fn required() -> bool {
    std::env::var("MADOGUCHI_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

struct Cluster {
    url: String,
    dir: Option<String>,
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static STARTED_DIR: Mutex<Option<String>> = Mutex::new(None);

extern "C" fn stop_cluster() {
    if let Some(dir) = STARTED_DIR.lock().ok().and_then(|mut d| d.take()) {
        let _ = std::process::Command::new(script())
            .args(["stop", &dir])
            .status();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-test-cluster")
}

/// A PostgreSQL client program of the installed server (pg_dump, psql).
pub fn pg_bin(name: &str) -> PathBuf {
    let out = std::process::Command::new(script()).arg("bin").output();
    match out {
        Ok(o) if o.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join(name)
        }
        _ => PathBuf::from(name),
    }
}

fn cluster() -> Option<&'static Cluster> {
    CLUSTER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("MADOGUCHI_TEST_PG") {
                return Some(Cluster { url, dir: None });
            }
            let out = std::process::Command::new(script()).arg("start").output();
            match out {
                Ok(o) if o.status.success() => {
                    let line = String::from_utf8_lossy(&o.stdout).trim().to_string();
                    let (url, dir) = line.split_once(' ').expect("URL DIR");
                    *STARTED_DIR.lock().unwrap() = Some(dir.to_string());
                    unsafe {
                        libc::atexit(stop_cluster);
                    }
                    Some(Cluster {
                        url: url.to_string(),
                        dir: Some(dir.to_string()),
                    })
                }
                Ok(o) => {
                    let why = String::from_utf8_lossy(&o.stderr).to_string();
                    assert!(
                        !required(),
                        "PostgreSQL is required (MADOGUCHI_REQUIRE_SERVICES=1) but no cluster could be started: {why}"
                    );
                    eprintln!("skipped: the PostgreSQL half of the store tests ({why})");
                    None
                }
                Err(e) => {
                    assert!(!required(), "PostgreSQL is required but: {e}");
                    eprintln!("skipped: the PostgreSQL half of the store tests ({e})");
                    None
                }
            }
        })
        .as_ref()
}

/// The admin URL of the test cluster.
pub fn admin_url() -> Option<String> {
    cluster().map(|c| c.url.clone())
}

/// A fresh, empty database on the test cluster.
pub fn postgres() -> Option<Target> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let c = cluster()?;
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut admin = postgres::Client::connect(&c.url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test cluster {}: {e}", c.url));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, _) = c.url.rsplit_once('/').unwrap();
    Some(Target::Postgres {
        url: format!("{base}/{name}"),
        name,
    })
}

/// Runs `sql` on a target's database outside the store (what a tool or an intruder could do).
pub fn pg_exec(t: &Target, sql: &str) -> Result<u64, postgres::Error> {
    let Target::Postgres { url, .. } = t else {
        panic!("PostgreSQL only")
    };
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.execute(sql, &[])
}
