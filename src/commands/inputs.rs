//! The dossier inputs of `check`: finding them (files, directories, `-`) and reading each one
//! within the input size limit, as UTF-8 text.
//!
//! Directories are searched recursively for `.yaml`, `.yml` and `.json`, and for the item
//! lists `.csv`, `.xlsx`, `.xlsm` and `.xls` (not Excel's `~$` lock files), in sorted order,
//! skipping hidden entries (names starting with `.`, such as `.git`); git's ignore files are
//! not consulted, so the same tree gives the same run inside and outside a checkout. Symbolic
//! links are followed while they stay inside the directory searched; a link that leads out of
//! it, a link to nothing, a loop or a device named like a dossier is an error, never a silent
//! skip: a dossier directory from a pull request must not be able to make guifan print
//! `~/.git-credentials`. A file named on the command line is read wherever it is.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{GuifanError, LocatedError};
use crate::source::{read_at_most, SourceFile, Span, MAX_SOURCE_BYTES};

/// The default of `--max-input-bytes`: a dossier of 100,000 items is about 60 MiB of YAML.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Where a dossier file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File { display: String, path: PathBuf },
    Stdin,
}

/// Expands the paths given on the command line into inputs, in a stable order. Every problem
/// found is reported together.
pub fn collect_inputs(paths: &[String]) -> Result<Vec<Input>, GuifanError> {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for given in paths {
        if given == "-" {
            if !inputs.contains(&Input::Stdin) {
                inputs.push(Input::Stdin);
            }
            continue;
        }
        let path = PathBuf::from(given);
        if path.is_dir() {
            let (inputs_before, errors_before) = (inputs.len(), errors.len());
            walk_directory(given, &path, &mut inputs, &mut errors);
            if inputs.len() == inputs_before && errors.len() == errors_before {
                errors.push(GuifanError::Usage(format!(
                    "no .yaml/.yml/.json file under {given} (nor a .csv, .xlsx or .xls item list)"
                )));
            }
        } else if path.exists() {
            inputs.push(Input::File {
                display: given.replace('\\', "/"),
                path,
            });
        } else {
            errors.push(GuifanError::Read {
                path: given.clone(),
                message: if path.symlink_metadata().is_ok() {
                    "a symbolic link to a file that does not exist".to_string()
                } else {
                    "no such file or directory".to_string()
                },
            });
        }
    }
    match errors.len() {
        0 => Ok(inputs),
        1 => Err(errors.remove(0)),
        count => Err(GuifanError::Inputs { count, errors }),
    }
}

fn walk_directory(
    given: &str,
    directory: &Path,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<GuifanError>,
) {
    let display_of = |path: &Path| {
        let relative = path.strip_prefix(directory).unwrap_or(path);
        join_display(given, relative)
    };
    let root = match std::fs::canonicalize(directory) {
        Ok(root) => root,
        Err(error) => {
            errors.push(GuifanError::Read {
                path: given.to_string(),
                message: error.to_string(),
            });
            return;
        }
    };
    // walkdir follows links and stops at a loop (a link to an ancestor) with an error
    let walker = walkdir::WalkDir::new(directory)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map(Path::to_path_buf).unwrap_or_default();
                let dangling = error
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    && path.symlink_metadata().is_ok();
                let message = if let Some(ancestor) = error.loop_ancestor() {
                    format!("a symbolic link back to {} (a loop)", display_of(ancestor))
                } else if dangling {
                    if !is_dossier_file(&path) {
                        // a broken link that would not have been a dossier anyway
                        continue;
                    }
                    "a symbolic link to a file that does not exist".to_string()
                } else {
                    error
                        .io_error()
                        .map_or_else(|| error.to_string(), ToString::to_string)
                };
                errors.push(GuifanError::Read {
                    path: display_of(&path),
                    message,
                });
                continue;
            }
        };
        let is_dossier = is_dossier_file(entry.path());
        if entry.depth() > 0
            && entry.path_is_symlink()
            && (is_dossier || entry.file_type().is_dir())
        {
            let inside = std::fs::canonicalize(entry.path())
                .map(|target| target.starts_with(&root))
                .unwrap_or(false);
            if !inside {
                errors.push(GuifanError::Read {
                    path: display_of(entry.path()),
                    message: format!(
                        "a symbolic link that leads out of {given}: name the file itself to check it"
                    ),
                });
                continue;
            }
        }
        if entry.file_type().is_dir() || !is_dossier {
            continue;
        }
        if !entry.file_type().is_file() {
            errors.push(GuifanError::Read {
                path: display_of(entry.path()),
                message: "not a regular file (a device, FIFO or socket)".to_string(),
            });
            continue;
        }
        inputs.push(Input::File {
            display: display_of(entry.path()),
            path: entry.path().to_path_buf(),
        });
    }
}

fn is_dossier_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    // Excel's lock file beside an open workbook (`~$items.xlsx`) is not a workbook
    if crate::sheet::is_sheet_name(&name) {
        return !name.starts_with("~$");
    }
    matches!(
        path.extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

fn join_display(given: &str, relative: &Path) -> String {
    let relative = relative.to_string_lossy().replace('\\', "/");
    let base = given.replace('\\', "/");
    let base = base.trim_end_matches('/');
    if base.is_empty() || base == "." {
        relative
    } else if relative.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{relative}")
    }
}

/// Reads an input, at most `max_bytes` of it (standard input and devices included: `/dev/zero`
/// stops at the limit), and decodes it as UTF-8.
pub fn read_input(input: &Input, max_bytes: u64) -> Result<SourceFile, GuifanError> {
    let (name, bytes) = read_input_bytes(input, max_bytes)?;
    decode_source(name, bytes)
}

/// Reads an input's bytes within the limit, with the name reports give it.
pub fn read_input_bytes(input: &Input, max_bytes: u64) -> Result<(String, Vec<u8>), GuifanError> {
    // spans are u32: the flag cannot raise the limit past them
    let max_bytes = max_bytes.min(MAX_SOURCE_BYTES as u64);
    let (name, bytes) = match input {
        Input::Stdin => {
            let name = "<stdin>".to_string();
            let bytes = read_bounded(std::io::stdin().lock(), &name, max_bytes, 0)?;
            (name, bytes)
        }
        Input::File { display, path } => {
            let read_error = |error: std::io::Error| GuifanError::Read {
                path: display.clone(),
                message: error.to_string(),
            };
            let file = std::fs::File::open(path).map_err(read_error)?;
            let metadata = file.metadata().map_err(read_error)?;
            if metadata.is_dir() {
                return Err(GuifanError::Read {
                    path: display.clone(),
                    message: "a directory".to_string(),
                });
            }
            // a regular file's size is known: refuse it before reading a byte
            if metadata.is_file() && metadata.len() > max_bytes {
                return Err(too_large(display, max_bytes));
            }
            // read into a buffer of the file's size: grown by doubling, a 40 MB file was
            // copied again at every step
            let size = if metadata.is_file() {
                metadata.len()
            } else {
                0
            };
            let bytes = match read_in_pieces(&file, size, rayon::current_num_threads()) {
                Some(bytes) => bytes,
                None => read_bounded(file, display, max_bytes, size)?,
            };
            (display.clone(), bytes)
        }
    };
    Ok((name, bytes))
}

/// A regular file at least this long is read in pieces, one on each thread of the pool.
const PIECE_READ_BYTES: u64 = 1 << 20;

/// A regular file of `size` bytes read in `pieces` pieces side by side on the pool's threads, or
/// `None` when it is too short for that, could not be read so, or changed while it was read (it
/// is then read as any other input, from its start, with that path's limit and errors). Why:
/// most of the time of reading a few megabytes into new memory is the kernel giving that memory
/// its pages, one page fault per 4 KiB, which threads can do side by side: a 42 MB list took
/// about 37 ms to read on one thread, 22 ms on two (docs/PERFORMANCE.md, point 58).
#[cfg(unix)]
fn read_in_pieces(file: &std::fs::File, size: u64, pieces: usize) -> Option<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    if size < PIECE_READ_BYTES || pieces < 2 {
        return None;
    }
    let length = usize::try_from(size).ok()?;
    let piece = length.div_ceil(pieces);
    // zeroed memory fresh from the system is not written to before the reads fill it
    let mut bytes = vec![0u8; length];
    let read = bytes
        .par_chunks_mut(piece)
        .enumerate()
        .all(|(index, chunk)| file.read_exact_at(chunk, (index * piece) as u64).is_ok());
    // a file that grew since its size was taken has a byte past it
    let mut past = [0u8; 1];
    (read && matches!(file.read_at(&mut past, size), Ok(0))).then_some(bytes)
}

#[cfg(not(unix))]
fn read_in_pieces(_file: &std::fs::File, _size: u64, _pieces: usize) -> Option<Vec<u8>> {
    None
}

/// Reads at most `max_bytes` (one more, to tell a text too long), into a buffer made for
/// `expected` bytes (the size of a regular file, 0 when unknown).
fn read_bounded(
    reader: impl Read,
    name: &str,
    max_bytes: u64,
    expected: u64,
) -> Result<Vec<u8>, GuifanError> {
    read_at_most(reader, max_bytes, expected)
        .map_err(|error| GuifanError::Read {
            path: name.to_string(),
            message: error.to_string(),
        })?
        .ok_or_else(|| too_large(name, max_bytes))
}

fn too_large(name: &str, max_bytes: u64) -> GuifanError {
    GuifanError::Read {
        path: name.to_string(),
        message: format!(
            "larger than the input limit of {max_bytes} bytes ({}); raise it with --max-input-bytes",
            human_size(max_bytes)
        ),
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// UTF-8 with or without a byte-order mark is read; UTF-16 and UTF-32 are refused by name (a
/// position in them would not be one an editor of the converted file shows); invalid UTF-8 is
/// refused at its line and column, showing the bytes found. Public for the fuzz targets
/// (fuzz/), which feed bytes the way `check` reads them.
pub fn decode_source(name: String, bytes: Vec<u8>) -> Result<SourceFile, GuifanError> {
    let wide = match bytes.as_slice() {
        [0xFF, 0xFE, 0, 0, ..] => Some(("UTF-32", "little-endian", "FF FE 00 00")),
        [0, 0, 0xFE, 0xFF, ..] => Some(("UTF-32", "big-endian", "00 00 FE FF")),
        [0xFF, 0xFE, ..] => Some(("UTF-16", "little-endian", "FF FE")),
        [0xFE, 0xFF, ..] => Some(("UTF-16", "big-endian", "FE FF")),
        _ => None,
    };
    if let Some((encoding, order, mark)) = wide {
        let file = SourceFile::new(name, "");
        return Err(LocatedError::new(
            &file,
            Span::default(),
            format!("the file is {encoding} ({order}) text, by its byte-order mark {mark}; guifan reads UTF-8"),
            format!("{encoding} byte-order mark"),
            Some(format!(
                "convert it to UTF-8, for example with `iconv -f {encoding} -t UTF-8`"
            )),
        )
        .into());
    }
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let bytes = error.as_bytes();
            let length = error
                .utf8_error()
                .error_len()
                .unwrap_or(bytes.len() - offset)
                .min(4);
            let found: Vec<String> = bytes[offset..offset + length]
                .iter()
                .map(|byte| format!("\\x{byte:02X}"))
                .collect();
            // the text up to the bad byte is the same in the lossy copy, so the line and
            // column computed there are the file's
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let file = SourceFile::new(name, lossy);
            Err(LocatedError::new(
                &file,
                Span::new(offset, offset + '\u{FFFD}'.len_utf8()),
                format!("not UTF-8 text: found the bytes {}", found.join(" ")),
                "not UTF-8",
                Some(
                    "save the file as UTF-8; a file in GB 18030 or GBK converts with `iconv -f GB18030 -t UTF-8`"
                        .to_string(),
                ),
            )
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_text(result: Result<SourceFile, GuifanError>) -> String {
        match result {
            Ok(file) => panic!("{} was read", file.name),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn invalid_utf8_is_located_with_the_bytes_found() {
        let text = error_text(decode_source(
            "a.yaml".into(),
            b"a: 1\nb: x\xC3\x28y\n".to_vec(),
        ));
        assert_eq!(text, "a.yaml:2:5: not UTF-8 text: found the bytes \\xC3");
    }

    #[test]
    fn byte_order_marks_decide_the_encoding() {
        let text = error_text(decode_source("a.yaml".into(), b"\xFF\xFEa\0".to_vec()));
        assert!(
            text.starts_with("a.yaml:1:1: the file is UTF-16 (little-endian)"),
            "{text}"
        );
        let file =
            decode_source("a.yaml".into(), b"\xEF\xBB\xBFa: 1\n".to_vec()).expect("UTF-8 BOM");
        assert_eq!(&*file.text, "a: 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_long_file_read_in_pieces_is_the_file() {
        // a length that no number of pieces divides evenly, with Chinese text cut anywhere
        let line = "- 名称: 建设工程规划许可证核发\n  task_type: \"01\"\n";
        let text: String = line.repeat((PIECE_READ_BYTES as usize * 3) / line.len() + 7);
        let directory = tempfile::tempdir().expect("a directory");
        let path = directory.path().join("long.yaml");
        std::fs::write(&path, &text).expect("written");
        let file = std::fs::File::open(&path).expect("opened");
        let size = text.len() as u64;
        for pieces in [2, 3, 7] {
            let read = read_in_pieces(&file, size, pieces).expect("read in pieces");
            assert!(read == text.as_bytes(), "{pieces} pieces");
        }
        // too short, or one thread: read as any input
        assert!(read_in_pieces(&file, PIECE_READ_BYTES - 1, 2).is_none());
        assert!(read_in_pieces(&file, size, 1).is_none());
        // longer than its size said (it grew), or shorter (it shrank): read again from the start
        assert!(read_in_pieces(&file, size - 1, 2).is_none());
        assert!(read_in_pieces(&file, size + 1, 2).is_none());
        // and the whole read gives the file as it is
        let input = Input::File {
            display: "long.yaml".to_string(),
            path: path.clone(),
        };
        let (_, bytes) = read_input_bytes(&input, DEFAULT_MAX_INPUT_BYTES).expect("read");
        assert!(bytes == text.as_bytes());
    }

    #[test]
    fn sizes_are_shown_in_the_unit_they_were_given() {
        assert_eq!(human_size(DEFAULT_MAX_INPUT_BYTES), "256 MiB");
        assert_eq!(human_size(4096), "4 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
