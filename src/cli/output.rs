//! The command's output, written so that a full disk or a closed pipe is an outcome, never a
//! panic and never a silent exit 0 with nothing written (issue 14, defect 4).
//!
//! - stdout: [`stdout`] / [`with_stdout`] write everything and flush before returning. A
//!   closed pipe (`madoguchi cases list | head -1`, EPIPE) ends the program quietly the way
//!   other Unix tools end: killed by SIGPIPE (a shell shows status 141), no message. Any other
//!   write error (ENOSPC on `> /dev/full`, EIO) is one message and exit 3.
//! - stderr: [`say!`](crate::say) instead of `eprintln!`, which panics when stderr is a full
//!   disk; a message that cannot be written is dropped (there is nowhere left to say it).
//! - files: [`write_private_file`] writes 0600 through a temporary file renamed into place,
//!   so a full disk never leaves a truncated bundle; [`create_private_dir_all`] makes the
//!   folders it creates 0700.

use super::exit;
use std::io::{self, Write};
use std::path::Path;

/// `eprintln!` that never panics: messages to stderr, dropped if stderr cannot take them.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}

/// Writes `text` to stdout in full and flushes it. `Ok(exit::OK)`-style: returns the exit
/// code of the outcome (0, or 3 after a message).
pub fn stdout(text: impl AsRef<[u8]>) -> i32 {
    with_stdout(|out| out.write_all(text.as_ref()))
}

/// Runs `write` against a buffered, locked stdout, flushes, and maps the outcome to an exit
/// code (see the module's doc). Use it for output written piece by piece (`cases list`).
pub fn with_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> i32 {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let r = write(&mut out).and_then(|_| out.flush());
    // The BufWriter's buffer was flushed (or the error is reported): dropping it writes no more.
    let (_lock, _unwritten) = out.into_parts();
    match r {
        Ok(()) => exit::OK,
        Err(e) => stdout_failed(&e),
    }
}

/// The outcome of a failed write to stdout: a quiet death by SIGPIPE for a closed pipe, else
/// a message and exit 3.
pub fn stdout_failed(e: &io::Error) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        die_of_sigpipe();
    }
    crate::say!("出力を書き込めませんでした (cannot write the output to stdout): {e}");
    exit::DEVICE
}

/// Ends the process the way a Unix tool ends when its reader went away: by SIGPIPE (Rust
/// ignores it by default, which is why the write returned EPIPE instead).
fn die_of_sigpipe() -> ! {
    // SAFETY: restoring a signal's default disposition and raising it are async-signal-safe
    // libc calls with no memory effects on this program.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Not reached; if the signal were blocked, exit with the status a shell would show.
    std::process::exit(128 + libc::SIGPIPE)
}

/// The exit code for an I/O error on a file the user named (`error_kind::io_kind`).
pub fn io_exit(e: &io::Error) -> i32 {
    exit::of(crate::error_kind::io_kind(e))
}

/// Creates `dir` and its missing parents; the folders it creates are 0700 (a case's papers
/// are personal data). An existing folder is left as it is.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `bytes` to `path` as a 0600 file: into a fresh temporary file in the same folder
/// (created 0600 by `tempfile`), synced, then renamed over `path`. A full disk leaves the old
/// file (if any) untouched and no partial file behind; a symlink at `path` is replaced, never
/// followed.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".madoguchi-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_files_and_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_private_dir_all(&dir).unwrap();
        for d in [tmp.path().join("a"), dir.clone()] {
            let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
        let f = dir.join("bundle.pdf");
        std::fs::write(&f, b"old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private_file(&f, b"new").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A symlink planted at the path is replaced, its target untouched.
        let target = tmp.path().join("target");
        std::fs::write(&target, b"theirs").unwrap();
        let link = dir.join("manifest.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_private_file(&link, b"ours").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"theirs");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        // Nothing else is left in the folder.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    }
}
