//! Reading scenario and manifest files from disk, bounded: only regular files are opened
//! (a directory, FIFO or device is refused before any read, so `/dev/zero` cannot hang
//! the loader), at most `MAX_FILE_BYTES` are read, and the text must be UTF-8 (the first
//! bad byte is reported at its line and column). Manifest paths stay inside the
//! scenario's folder unless the user allows otherwise.

use super::echo;
use super::limits::MAX_FILE_BYTES;
use super::locate::Pos;
use super::ScenarioError;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The error for a file over the size limit.
pub fn too_big(file: &str, at: Pos, len: u64) -> ScenarioError {
    ScenarioError::new(
        file,
        Some(at),
        format!(
            "the file has {len} bytes or more, over the limit of {MAX_FILE_BYTES} bytes (16 MiB), expected a smaller file"
        ),
    )
}

/// The text of the regular file `path` (named `shown` in errors about its content, and
/// `label` in errors opening it: "the scenario file"). An error opening it is reported at
/// `at_open`: the scenario's `File(..)` entry for a manifest, the file itself for a
/// scenario.
pub fn read(
    path: &Path,
    shown: &str,
    label: &str,
    at_open: (&str, Pos),
) -> Result<String, ScenarioError> {
    let (open_file, open_at) = at_open;
    let fail = |m: String| ScenarioError::new(open_file, Some(open_at), m);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read {label}: {e}")))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(fail(format!("{label} is {what}, expected a regular file")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(open_file, open_at, meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read {label}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read {label}: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(open_file, open_at, bytes.len() as u64));
    }
    utf8(bytes, shown)
}

/// The bytes as text, or an error at the first byte that is not UTF-8.
pub fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Everything before `good` is valid UTF-8.
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        ScenarioError::new(
            file,
            Some((line, col)),
            format!(
                "byte 0x{:02x} is not UTF-8, expected UTF-8 text",
                bytes[good]
            ),
        )
    })
}

/// The file a manifest path names: relative to the scenario's folder `base`, and unless
/// `allow_outside` inside it: no absolute path, no `..`, no symlink leading out.
pub fn manifest_path(base: &Path, rel: &str, allow_outside: bool) -> Result<PathBuf, String> {
    let full = base.join(rel);
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    if allow_outside {
        return Ok(full);
    }
    let outside = || {
        format!(
            "manifest path {} leads outside the scenario's folder, expected a path inside it (or pass --allow-outside-manifests)",
            echo::quoted(rel)
        )
    };
    let escapes = Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(outside());
    }
    // A symlink inside the folder may still point out of it.
    if let (Ok(b), Ok(f)) = (base.canonicalize(), base.join(rel).canonicalize()) {
        if !f.starts_with(&b) {
            return Err(outside());
        }
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_found_at_its_line_and_column() {
        let e = utf8(b"ab\ncd\xc3\xa9x\xffy".to_vec(), "f.ron").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.ron:2:5: byte 0xff is not UTF-8, expected UTF-8 text"
        );
    }

    #[test]
    fn manifest_paths_may_not_leave_the_folder() {
        let base = Path::new("scenarios");
        assert!(manifest_path(base, "m/a.yaml", false).is_ok());
        assert!(manifest_path(base, "../a.yaml", false).is_err());
        assert!(manifest_path(base, "m/../../a.yaml", false).is_err());
        assert!(manifest_path(base, "/etc/passwd", false).is_err());
        assert!(manifest_path(base, "/etc/passwd", true).is_ok());
    }
}
