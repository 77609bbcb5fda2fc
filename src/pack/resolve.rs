//! The one way a pack names a file: every path written in a pack (the manifest, `schema`,
//! `include`) is resolved here and confined to the pack's root directory.
//!
//! A pack arrives in pull requests and from other administrations, so it is data, never a key
//! to the machine: an absolute path, a `~`, a `..` that climbs out, or a symbolic link whose
//! target lies outside the root is refused before a byte is read; only regular files up to
//! [`MAX_PACK_FILE_BYTES`] are read. The reasons never quote the file refused: a pack must not
//! be able to print `/proc/self/environ` into a CI log through an error message.

use std::path::{Component, Path, PathBuf};

use std::sync::{Arc, Mutex};

use include_dir::Dir;

use crate::document::Node;
use crate::source::Span;

/// The largest pack file read (manifest, include or schema). The national pack's largest file
/// is under 100 KiB; 16 MiB leaves room for generated packs and stops `/dev/zero`-like files.
pub const MAX_PACK_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A pack file read through the resolver.
pub struct ResolvedFile {
    pub text: String,
    /// The file's canonical path on disk; `None` inside the embedded pack.
    pub path_on_disk: Option<PathBuf>,
}

/// Checks what a pack wrote before any file system look-up: the refusals that depend only on
/// the text. Returns the path relative to the pack's root, with `.` removed and `..` applied.
fn confine_written_path(written: &str) -> Result<PathBuf, String> {
    if written.trim().is_empty() {
        return Err("an empty file name".to_string());
    }
    if written.starts_with('~') {
        return Err(
            "`~` is not expanded: name a file inside the pack directory, relative to it"
                .to_string(),
        );
    }
    let path = Path::new(written);
    // `/x`, `\x` and `C:\x` are all absolute somewhere; none names a file of the pack
    if path.is_absolute() || written.starts_with(['/', '\\']) || path.has_root() {
        return Err(
            "an absolute path: a pack names its files relative to its own directory".to_string(),
        );
    }
    if written.contains('\0') {
        return Err("a file name with a NUL character".to_string());
    }
    let mut inside = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => inside.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !inside.pop() {
                    return Err("`..` leads out of the pack directory".to_string());
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(
                    "an absolute path: a pack names its files relative to its own directory"
                        .to_string(),
                )
            }
        }
    }
    if inside.as_os_str().is_empty() {
        return Err("names the pack directory itself, not a file".to_string());
    }
    Ok(inside)
}

/// Resolves and reads a file that a pack on disk names, confined to `root`.
pub fn read_from_directory(root: &Path, written: &str) -> Result<ResolvedFile, String> {
    let relative = confine_written_path(written)?;
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let canonical_root = std::fs::canonicalize(root)
        .map_err(|error| format!("the pack directory cannot be read: {error}"))?;
    let joined = canonical_root.join(&relative);
    // the file itself may be a link: canonicalisation follows every link on the way, so a link
    // anywhere (a linked subdirectory too) that leads out is caught by the prefix test
    let canonical = match std::fs::canonicalize(&joined) {
        Ok(canonical) => canonical,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(if joined.symlink_metadata().is_ok() {
                "a symbolic link to a file that does not exist".to_string()
            } else {
                "no such file in the pack directory".to_string()
            });
        }
        Err(error) => return Err(error.to_string()),
    };
    if !canonical.starts_with(&canonical_root) {
        return Err(
            "a symbolic link that leads out of the pack directory: a pack may only name its own files"
                .to_string(),
        );
    }
    let metadata = std::fs::metadata(&canonical).map_err(|error| error.to_string())?;
    if metadata.is_dir() {
        return Err("a directory, not a file".to_string());
    }
    if !metadata.is_file() {
        return Err(
            "not a regular file (a device, FIFO or socket): a pack's files are plain files"
                .to_string(),
        );
    }
    if metadata.len() > MAX_PACK_FILE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(&canonical).map_err(|error| error.to_string())?;
    // the length was checked, but a file may grow while it is read
    let bytes = crate::source::read_at_most(file, MAX_PACK_FILE_BYTES, metadata.len())
        .map_err(|error| error.to_string())?
        .ok_or_else(too_large)?;
    let text = String::from_utf8(bytes).map_err(|error| {
        format!(
            "not UTF-8 text (an invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })?;
    Ok(ResolvedFile {
        text: strip_byte_order_mark(text),
        path_on_disk: Some(canonical),
    })
}

/// Resolves and reads a file of the embedded pack, with the same refusals as on disk.
pub fn read_from_embedded(directory: &Dir<'static>, written: &str) -> Result<ResolvedFile, String> {
    let relative = confine_written_path(written)?;
    let text = directory
        .get_file(&relative)
        .and_then(|file| file.contents_utf8())
        .ok_or_else(|| "no such file in the embedded pack".to_string())?;
    Ok(ResolvedFile {
        text: text.to_string(),
        path_on_disk: None,
    })
}

/// A file of a pack held in memory (`PackFiles::Memory`), confined as a file on disk is.
pub fn read_from_memory(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    written: &str,
) -> Result<ResolvedFile, String> {
    let relative = confine_written_path(written)?;
    let key = relative.to_string_lossy().replace('\\', "/");
    let bytes = files
        .get(&key)
        .ok_or_else(|| "no such file in the pack".to_string())?;
    if bytes.len() as u64 > MAX_PACK_FILE_BYTES {
        return Err(too_large());
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| "stream did not contain valid UTF-8".to_string())?;
    Ok(ResolvedFile {
        text: text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
        path_on_disk: None,
    })
}

fn too_large() -> String {
    format!(
        "larger than {} MiB, the limit of a pack file",
        MAX_PACK_FILE_BYTES / (1024 * 1024)
    )
}

/// Editors on Windows write a byte-order mark; it is not part of the text.
fn strip_byte_order_mark(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// The JSON Schema's retriever: it fetches nothing (no network, no file) and remembers what
/// the schema asked for, so that the load error can point at the reference. Set explicitly
/// rather than relying on jsonschema's features being off: a feature turned on by another
/// crate in the build must not turn retrieval back on.
#[derive(Default)]
pub struct NoRetrieval {
    asked: Arc<Mutex<Vec<String>>>,
}

impl NoRetrieval {
    /// The URIs asked for so far, in order (shared with the retriever once it is handed over).
    pub fn asked(&self) -> Arc<Mutex<Vec<String>>> {
        Arc::clone(&self.asked)
    }
}

impl jsonschema::Retrieve for NoRetrieval {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(uri.as_str().to_string());
        }
        Err(format!("{uri} is outside the pack and is not fetched").into())
    }
}

/// The place in the schema of the reference that made jsonschema ask for `uri`: the first
/// `$ref` (or `$dynamicRef`, `$recursiveRef`, `$schema`) whose document part the URI ends
/// with; the URI was resolved against `$id`, so the written text is a suffix of it.
pub fn reference_span(schema: &Node, uri: &str) -> Option<Span> {
    let wanted = uri.split('#').next().unwrap_or(uri);
    let mut stack = vec![schema];
    while let Some(node) = stack.pop() {
        if let Some(entries) = node.as_entries() {
            for entry in entries {
                let is_reference = matches!(
                    &*entry.key,
                    "$ref" | "$dynamicRef" | "$recursiveRef" | "$schema"
                );
                if let (true, Some(written)) = (is_reference, entry.value.as_str()) {
                    let document = written.split('#').next().unwrap_or(written);
                    if !document.is_empty() && wanted.ends_with(document) {
                        return Some(entry.value.span);
                    }
                }
            }
            // in the order of the text: the last pushed is looked at first
            stack.extend(entries.iter().rev().map(|entry| &entry.value));
        } else if let Some(items) = node.as_items() {
            stack.extend(items.iter().rev());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_paths_are_confined_before_any_look_up() {
        assert_eq!(
            confine_written_path("rules/./a.yaml"),
            Ok(PathBuf::from("rules/a.yaml"))
        );
        assert_eq!(
            confine_written_path("rules/../a.yaml"),
            Ok(PathBuf::from("a.yaml"))
        );
        for refused in [
            "",
            "/etc/passwd",
            "~/.git-credentials",
            "~root/x",
            "../x.yaml",
            "a/../../x.yaml",
            ".",
            "a\0b",
        ] {
            assert!(
                confine_written_path(refused).is_err(),
                "{refused:?} was accepted"
            );
        }
    }
}
