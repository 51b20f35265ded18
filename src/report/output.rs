//! Where a command's outputs go, and how they get there without destroying data. One
//! mechanism for every output of every command:
//!
//! * **Standard streams.** [`out`] and [`err`] write to stdout / stderr. A closed pipe
//!   (`hvsim run X | head -1`) is not an error: the rest of the output is dropped, the
//!   command finishes (its files are written) and exits with the code it would have given.
//!   Any other write error on stdout is kept and reported by [`stdout_error`].
//! * **Files.** [`Outputs`] knows the command's inputs (canonical path and device + inode, so
//!   `./X.ron`, a symlink and a hard link are all "X.ron"). Each output destination is checked
//!   before the command runs (its directory exists and is a directory, it is not a directory
//!   itself, it is not an input); each file is staged as a temporary file in its target's
//!   directory and only renamed into place by [`Outputs::commit`], when the command succeeded.
//!   Dropping an `Outputs` without committing removes every staged file and every directory
//!   it made.
//! * **Temporary files** and the stage-sync-rename of one file are [`crate::atomic_write`]'s
//!   (named `.NAME.hvsim-tmp-PID-HEX`, created exclusively, stale ones of dead processes
//!   removed).

use crate::atomic_write::{create_temp, dir_of, remove_stale_temps};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Single-file atomic writes live one layer down (the library's `explore` writes repros with
/// them); re-exported so `report::output::write_atomic` keeps working.
pub use crate::atomic_write::{create_exclusive, write_atomic, write_atomic_with};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes `text` to stdout. After the reader has gone (EPIPE) everything is dropped quietly.
pub fn out(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            STDOUT_ERROR
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e.to_string());
        }
    }
}

/// Writes `text` to stderr; a closed stderr drops it quietly.
pub fn err(text: &str) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = io::stderr().lock();
    if o.write_all(text.as_bytes())
        .and_then(|_| o.flush())
        .is_err()
    {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// A write error on stdout other than a closed pipe (a full disk under `> file`), if any.
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// Why an output cannot be written. Displayed as the text after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError(pub String);

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OutputError {}

/// A file's identity: where it really is, and which file it is.
#[derive(Debug, Clone)]
struct FileId {
    shown: String,
    canon: PathBuf,
    dev_ino: (u64, u64),
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId {
            shown: path.display().to_string(),
            canon: std::fs::canonicalize(path).ok()?,
            dev_ino: (meta.dev(), meta.ino()),
        })
    }
}

/// Where `path` would be: canonical when it exists (symlinks followed), else its
/// directory's canonical path joined with its name.
fn would_be(path: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(path) {
        return Some(c);
    }
    Some(
        std::fs::canonicalize(dir_of(path))
            .ok()?
            .join(path.file_name()?),
    )
}

struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    announce: bool,
}

/// A command's inputs and staged outputs (see the module comment).
#[derive(Default)]
pub struct Outputs {
    inputs: Vec<FileId>,
    /// Destinations checked so far, with the flag naming each: two flags may not name one file.
    planned: Vec<(String, PathBuf)>,
    staged: Vec<Staged>,
    /// Directories this command created, outermost first; removed again if it fails.
    made_dirs: Vec<PathBuf>,
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Records an input of the command. A path that is not a file (a bundled scenario's
    /// name) is no file an output could overwrite, and is ignored.
    pub fn input(&mut self, path: impl AsRef<Path>) {
        if let Some(id) = FileId::of(path.as_ref()) {
            self.inputs.push(id);
        }
    }

    /// The input `path` is (would overwrite), if any.
    fn input_at(&self, path: &Path) -> Option<&FileId> {
        let canon = would_be(path);
        let dev_ino = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
        self.inputs
            .iter()
            .find(|i| Some(&i.canon) == canon.as_ref() || Some(i.dev_ino) == dev_ino)
    }

    /// Checks that `flag` may write the file `path`: its directory exists and is a directory,
    /// `path` is not a directory, and it is not one of the command's inputs.
    pub fn check_file(&self, flag: &str, path: &Path) -> Result<(), OutputError> {
        let shown = path.display();
        let fail = |m: String| Err(OutputError(format!("{shown}: {flag}: {m}")));
        if path.file_name().is_none() || path.is_dir() {
            return fail("is a directory, expected a file name".into());
        }
        let dir = dir_of(path);
        match std::fs::metadata(dir) {
            Err(_) => return fail(format!("the directory {} does not exist", dir.display())),
            Ok(m) if !m.is_dir() => return fail(format!("{} is not a directory", dir.display())),
            Ok(_) => {}
        }
        if let Some(i) = self.input_at(path) {
            return fail(format!("would overwrite the input {}", i.shown));
        }
        Ok(())
    }

    /// Checks that `flag` may write the files `names` into `dir`, created if needed: `dir`
    /// is a directory or can be made below its nearest existing ancestor, and none of the
    /// files is an input.
    pub fn check_dir(&self, flag: &str, dir: &Path, names: &[&str]) -> Result<(), OutputError> {
        let shown = dir.display();
        let fail = |m: String| Err(OutputError(format!("{shown}: {flag}: {m}")));
        let mut existing = dir;
        while !existing.exists() {
            existing = match existing.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
        }
        if !existing.is_dir() {
            return fail(format!("{} is not a directory", existing.display()));
        }
        if existing == dir {
            for n in names {
                let p = dir.join(n);
                if let Some(i) = self.input_at(&p) {
                    return fail(format!(
                        "would overwrite the input {} with {}",
                        i.shown,
                        p.display()
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Outputs::check_file`], and that no other output flag names the same file.
    pub fn plan_file(&mut self, flag: &str, path: &Path) -> Result<(), OutputError> {
        self.check_file(flag, path)?;
        self.plan(flag, path)
    }

    /// [`Outputs::check_dir`], and that no other output flag names one of the files.
    pub fn plan_dir(&mut self, flag: &str, dir: &Path, names: &[&str]) -> Result<(), OutputError> {
        self.check_dir(flag, dir, names)?;
        for n in names {
            self.plan(flag, &dir.join(n))?;
        }
        Ok(())
    }

    fn plan(&mut self, flag: &str, path: &Path) -> Result<(), OutputError> {
        let at = would_be(path).unwrap_or_else(|| path.to_path_buf());
        if let Some((other, _)) = self.planned.iter().find(|(_, p)| *p == at) {
            return Err(OutputError(format!(
                "{}: {flag} names the same file as {other}",
                path.display()
            )));
        }
        self.planned.push((flag.to_string(), at));
        Ok(())
    }

    /// Makes `dir` and its missing ancestors, remembering them to remove if the command fails.
    pub fn make_dir(&mut self, dir: &Path) -> Result<(), OutputError> {
        let mut missing = Vec::new();
        let mut d = dir;
        while !d.as_os_str().is_empty() && !d.exists() {
            missing.push(d.to_path_buf());
            d = d.parent().unwrap_or(Path::new(""));
        }
        for m in missing.into_iter().rev() {
            std::fs::create_dir(&m).map_err(|e| {
                OutputError(format!("{}: cannot create the directory: {e}", m.display()))
            })?;
            self.made_dirs.push(m);
        }
        Ok(())
    }

    /// Stages `bytes` for `path` (checked as [`Outputs::check_file`] with `flag`).
    pub fn stage(&mut self, flag: &str, path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        self.stage_with(flag, path, false, |w| w.write_all(bytes))
    }

    /// As [`Outputs::stage`], the file reported by [`Outputs::commit`] ("wrote PATH").
    pub fn stage_announced(
        &mut self,
        flag: &str,
        path: &Path,
        bytes: &[u8],
    ) -> Result<(), OutputError> {
        self.stage_with(flag, path, true, |w| w.write_all(bytes))
    }

    /// Stages the file `path` with what `fill` writes, synced to disk.
    pub fn stage_with(
        &mut self,
        flag: &str,
        path: &Path,
        announce: bool,
        fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        self.check_file(flag, path)?;
        let cannot = |e: io::Error| OutputError(format!("{}: cannot write: {e}", path.display()));
        let (tmp, file) = create_temp(path).map_err(cannot)?;
        // Registered first, so a failure below still removes it (on drop).
        self.staged.push(Staged {
            tmp,
            dest: path.to_path_buf(),
            announce,
        });
        let mut w = BufWriter::new(file);
        fill(&mut w)
            .and_then(|_| w.into_inner().map_err(|e| e.into_error()))
            .and_then(|f| f.sync_all())
            .map_err(cannot)
    }

    /// Renames every staged file into place, in the order staged. Returns the announced
    /// paths. Stale temporary files of the same names (left by killed writes) are removed.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        let mut announced = Vec::new();
        while !self.staged.is_empty() {
            let s = self.staged.remove(0);
            if let Err(e) = std::fs::rename(&s.tmp, &s.dest) {
                let _ = std::fs::remove_file(&s.tmp);
                return Err(OutputError(format!(
                    "{}: cannot write: {e}",
                    s.dest.display()
                )));
            }
            remove_stale_temps(&s.dest);
            if s.announce {
                announced.push(s.dest);
            }
        }
        self.made_dirs.clear();
        Ok(announced)
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for s in &self.staged {
            let _ = std::fs::remove_file(&s.tmp);
        }
        for d in self.made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hvsim-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn dropping_uncommitted_outputs_removes_staged_files_and_made_dirs() {
        let d = dir("drop");
        let sub = d.join("a/b");
        {
            let mut o = Outputs::new();
            o.make_dir(&sub).unwrap();
            o.stage("--x", &sub.join("f"), b"x").unwrap();
            assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
        }
        assert!(!d.join("a").exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_output_is_its_input_through_dot_slash_symlink_and_hard_link() {
        let d = dir("ident");
        let input = d.join("x.ron");
        std::fs::write(&input, "x").unwrap();
        std::os::unix::fs::symlink(&input, d.join("sym.ron")).unwrap();
        std::fs::hard_link(&input, d.join("hard.ron")).unwrap();
        let mut o = Outputs::new();
        o.input(&input);
        for p in ["x.ron", "./x.ron", "sym.ron", "hard.ron"] {
            let e = o.check_file("--out", &d.join(p)).unwrap_err();
            assert!(e
                .0
                .ends_with(&format!("would overwrite the input {}", input.display())));
        }
        assert!(o.check_file("--out", &d.join("y.ron")).is_ok());
        let _ = std::fs::remove_dir_all(&d);
    }
}
