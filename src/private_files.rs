//! Files and folders that hold personal data (a case's bundle, its manifest, QR parts, the
//! counter's print spool): created private to this user, written whole or not at all. Used by
//! the command line and the counter alike.

use std::io::{self, Write};
use std::path::Path;

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
