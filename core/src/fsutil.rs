//! Atomic file writes: write beside the target, flush to disk, rename over it. A reader (a Max
//! `buffer~ read`, a Pd `soundfiler`) never sees half a file, and a failed write leaves the old
//! file in place.

use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    path.with_file_name(format!(".{name}.tmp-{}-{unique}", std::process::id()))
}

/// Write a file atomically with a closure that fills a buffered writer.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let file = fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, &e)
    })
}

/// Write bytes atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Read a whole file, with the path in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io(path, &e))
}

/// Whether `path`, resolved to its real path (links followed), lies inside one of `roots`
/// (real paths too); with no roots, anywhere is allowed. A path that cannot be resolved is
/// not inside. What a host that confines reading (the OSC daemon's `--path` folders) checks
/// every file a scan finds against: a link inside an allowed folder may point out of it.
pub fn within(path: &Path, roots: Option<&[PathBuf]>) -> bool {
    let Some(roots) = roots else {
        return true;
    };
    match fs::canonicalize(path) {
        Ok(real) => roots.iter().any(|r| real.starts_with(r)),
        Err(_) => false,
    }
}

/// What a scan says of a file [`within`] refused.
pub const OUTSIDE: &str = "it lies or links outside the folders that may be read; left out";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let dir = std::env::temp_dir().join(format!("bm-fsutil-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // A failing fill leaves the old content and no temp file behind.
        let err = write_atomic_with(&p, |_| Err(std::io::Error::other("boom"))).unwrap_err();
        assert!(err.to_string().contains("a.bin: boom"), "{err}");
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // A missing folder is an error naming the file.
        assert!(write_atomic(&dir.join("no/such/x"), b"").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
