//! Writing a file so that it is either whole or absent: staged as a temporary file beside
//! its target, synced, renamed into place. The lowest layer of output, with no knowledge of
//! commands: `report::output::Outputs` stages a command's files with it, and library callers
//! (`explore::repro::write`, the plots, the JSON Lines trace) write single files with
//! [`write_atomic`].
//!
//! Temporary files are named `.NAME.hvsim-tmp-PID-HEX`: HEX is 64 bits from std's
//! `RandomState` (keys the OS random source seeds) over the pid, a process-wide counter and
//! the wall clock's nanoseconds (files are written outside any run, so this touches no run's
//! determinism). They are created with `create_new`, which refuses an existing path and a
//! planted symlink. A write killed midway leaves at most such a file; the next write of the
//! same NAME in that directory removes those of processes that no longer exist.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The directory a file path is in ("." for a bare name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes one file atomically (staged, synced, renamed): for library callers that write a
/// single file outside a command's [`Outputs`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// As [`write_atomic`], the content written by `fill`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    if path.file_name().is_none() {
        return Err(io::Error::other("a file name, not a directory"));
    }
    let (tmp, file) = create_temp(path)?;
    let guard = TempGuard(Some(tmp));
    let mut w = BufWriter::new(file);
    fill(&mut w)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(guard.0.as_ref().expect("armed"), path)?;
    guard.disarm();
    remove_stale_temps(path);
    Ok(())
}

/// Removes its temporary file when dropped, unless disarmed (renamed into place).
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

const TMP_MARK: &str = ".hvsim-tmp-";

fn temp_prefix(dest: &Path) -> String {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{TMP_MARK}")
}

/// A name no other process can predict: see the module comment.
fn unpredictable() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u64(nanos);
    h.finish()
}

/// Creates a new temporary file beside `dest`, exclusively: an existing file or symlink of
/// the chosen name is never opened, another name is tried.
pub(crate) fn create_temp(dest: &Path) -> io::Result<(PathBuf, File)> {
    let dir = dir_of(dest);
    let prefix = temp_prefix(dest);
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!("{prefix}{pid}-{:016x}", unpredictable()));
        match create_exclusive(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Opens `path` for writing only if nothing (not even a dangling symlink) is there.
pub fn create_exclusive(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Removes `.NAME.hvsim-tmp-PID-*` beside `dest` whose process is gone (Linux: no
/// `/proc/PID`; elsewhere nothing is removed, the names never collide anyway).
pub(crate) fn remove_stale_temps(dest: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = temp_prefix(dest);
    let Ok(entries) = std::fs::read_dir(dir_of(dest)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            // A symlink is removed itself, never its target.
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hvsim-atomic-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn create_exclusive_refuses_a_planted_symlink_and_leaves_its_target_alone() {
        let d = dir("symlink");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = d.join(".t.json.hvsim-tmp-1-0");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = create_exclusive(&link).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_write_removes_temporaries_of_dead_processes_only() {
        let d = dir("stale");
        let dead = d.join(format!(".f{TMP_MARK}{}-00", u32::MAX - 1));
        let ours = d.join(format!(".f{TMP_MARK}{}-00", std::process::id()));
        let other = d.join(format!(".g{TMP_MARK}{}-00", u32::MAX - 1));
        for p in [&dead, &ours, &other] {
            std::fs::write(p, "").unwrap();
        }
        write_atomic(&d.join("f"), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(d.join("f")).unwrap(), "new");
        assert!(!dead.exists());
        assert!(ours.exists() && other.exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
