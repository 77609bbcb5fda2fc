//! The one writer of output files (`check --output`, `pack doc --output`): it refuses to write
//! over an input or a file of the pack in use, keeps what it replaces, and leaves nothing
//! behind when the run is interrupted.
//!
//! - A clash is found by device and inode, not by name: a hard link, a symbolic link or
//!   another spelling of an input's path is the input.
//! - A regular file is replaced atomically: a temporary file beside it, renamed over it, so a
//!   failed run never leaves half a report. The file keeps its mode (and its owner where the
//!   system allows); a new file is made 0644 under the umask, like a shell redirection would
//!   make a report readable, not tempfile's 0600. A symbolic link to a regular file stays a
//!   link: the file it names is replaced.
//! - A character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe), and any path
//!   through `/dev` or `/proc`, is written to directly: renaming over it would replace the
//!   device with a file (as root, `/dev/null` itself). Block devices are refused.
//! - SIGINT, SIGTERM and SIGHUP while the temporary file exists remove it, then end the
//!   process as the signal would have.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::GuifanError;

/// A file an output must never replace, known by device and inode.
#[derive(Debug)]
struct Protected {
    description: String,
    device: u64,
    inode: u64,
}

/// The inputs and pack files of a run, which `--output` must not name.
#[derive(Debug, Default)]
pub struct ProtectedFiles(Vec<Protected>);

impl ProtectedFiles {
    /// Protects the file at `path` (followed through links); a path that does not exist
    /// cannot clash and is not recorded.
    pub fn add_path(&mut self, description: String, path: &Path) {
        if let Ok(metadata) = std::fs::metadata(path) {
            self.add(description, &metadata);
        }
    }

    /// Protects the file standard input was redirected from (`guifan check - < a.yaml`).
    pub fn add_stdin(&mut self) {
        use std::os::fd::AsFd;
        let Ok(descriptor) = std::io::stdin().as_fd().try_clone_to_owned() else {
            return;
        };
        if let Ok(metadata) = File::from(descriptor).metadata() {
            if metadata.is_file() {
                self.add("the standard input".to_string(), &metadata);
            }
        }
    }

    fn add(&mut self, description: String, metadata: &Metadata) {
        self.0.push(Protected {
            description,
            device: metadata.dev(),
            inode: metadata.ino(),
        });
    }

    /// Refuses an output that is one of the protected files (exit 2), before any work.
    pub fn refuse_clash(&self, output: &Path) -> Result<(), GuifanError> {
        let Ok(metadata) = std::fs::metadata(output) else {
            return Ok(());
        };
        match self
            .0
            .iter()
            .find(|protected| protected.device == metadata.dev() && protected.inode == metadata.ino())
        {
            Some(protected) => Err(GuifanError::Usage(format!(
                "--output {} is {}: guifan never writes over its inputs or the pack in use; choose another file",
                output.display(),
                protected.description
            ))),
            None => Ok(()),
        }
    }
}

/// Writes `contents` to `path` as described at the top of this module.
pub fn write_output(
    path: &Path,
    contents: &str,
    protected: &ProtectedFiles,
) -> Result<(), GuifanError> {
    protected.refuse_clash(path)?;
    let error = |message: String| GuifanError::Write {
        path: path.display().to_string(),
        message,
    };
    let io_error = |io: std::io::Error| error(io.to_string());
    let write = |file: &mut File| file.write_all(contents.as_bytes());
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Err(error("a directory".to_string())),
        Ok(metadata) if metadata.file_type().is_block_device() => Err(error(
            "a block device: a report is never written over a disk".to_string(),
        )),
        Ok(metadata) if metadata.is_file() && !passes_through_devices(path) => {
            // the link, if it is one, stays; the file it names is replaced
            let target = std::fs::canonicalize(path).map_err(io_error)?;
            replace_regular_file(&target, Some(&metadata), write).map_err(io_error)
        }
        Ok(metadata) => {
            // a device, a FIFO, or a file reached through /dev or /proc (`/dev/stdout`
            // redirected to a file): written in place, appended to a regular file so that
            // a shell's `>>` keeps what came before
            let mut file = OpenOptions::new()
                .write(true)
                .append(metadata.is_file())
                .open(path)
                .map_err(io_error)?;
            write(&mut file)
                .and_then(|()| file.flush())
                .map_err(io_error)
        }
        Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => {
            if path.symlink_metadata().is_ok() {
                return Err(error(
                    "a symbolic link to a file that does not exist".to_string(),
                ));
            }
            replace_regular_file(path, None, write).map_err(io_error)
        }
        Err(other) => Err(io_error(other)),
    }
}

/// `/dev/stdout` is a link to `/proc/self/fd/1`, which may name a regular file the shell
/// opened: a path that passes through `/dev` or `/proc` is written in place, never renamed
/// over. Up to 40 links are followed, as the kernel does.
fn passes_through_devices(path: &Path) -> bool {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        if current.starts_with("/dev") || current.starts_with("/proc") {
            return true;
        }
        match std::fs::read_link(&current) {
            Ok(target) => {
                current = match current.parent() {
                    Some(parent) => parent.join(target),
                    None => target,
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// The temporary file a signal must remove, if one exists.
static PENDING_TEMPORARY: Mutex<Option<PathBuf>> = Mutex::new(None);

fn pending_temporary() -> std::sync::MutexGuard<'static, Option<PathBuf>> {
    PENDING_TEMPORARY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs, once, a thread that removes the pending temporary file on SIGINT, SIGTERM or
/// SIGHUP and then ends the process as the signal's default action would.
fn remove_temporary_on_signals() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // held until the process ends: the writer cannot rename meanwhile
                let mut pending = pending_temporary();
                if let Some(temporary) = pending.take() {
                    let _ = std::fs::remove_file(temporary);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Writes a temporary file beside `target` with `write`, gives it the mode (and owner) of the
/// file it replaces, and renames it over `target`.
fn replace_regular_file(
    target: &Path,
    existing: Option<&Metadata>,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    remove_temporary_on_signals();
    let mut temporary = tempfile::Builder::new()
        .prefix(".guifan-")
        .suffix(".tmp")
        // the umask applies, as to any file a program creates
        .permissions(std::fs::Permissions::from_mode(0o644))
        .tempfile_in(directory)?;
    *pending_temporary() = Some(temporary.path().to_path_buf());
    let written = (|| {
        write(temporary.as_file_mut())?;
        temporary.as_file().sync_all()?;
        if let Some(existing) = existing {
            // set after creation: the umask does not narrow a mode set explicitly
            temporary
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(existing.mode() & 0o7777))?;
            if existing.uid() != temporary.as_file().metadata()?.uid()
                || existing.gid() != temporary.as_file().metadata()?.gid()
            {
                // only root may give a file away; elsewhere the new owner is the writer
                let _ = std::os::unix::fs::fchown(
                    temporary.as_file(),
                    Some(existing.uid()),
                    Some(existing.gid()),
                );
            }
        }
        Ok(())
    })();
    let mut pending = pending_temporary();
    let result = written.and_then(|()| {
        temporary
            .persist(target)
            .map(|_| ())
            .map_err(|error| error.error)
    });
    // renamed, or removed when `temporary` was dropped on failure
    *pending = None;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SIGTERM while the report is written removes the temporary file. The test runs itself
    /// again as a child that stops in the middle of a write; the parent sends the signal.
    #[test]
    fn a_signal_during_the_write_removes_the_temporary_file() {
        const CHILD: &str = "GUIFAN_TEST_SIGNAL_DIRECTORY";
        if let Some(directory) = std::env::var_os(CHILD) {
            let directory = PathBuf::from(directory);
            let result = replace_regular_file(&directory.join("report.json"), None, |file| {
                file.write_all(b"{\"half\": ")?;
                std::fs::write(directory.join("ready"), "")?;
                std::thread::sleep(std::time::Duration::from_secs(30));
                Ok(())
            });
            panic!("the child was not stopped by the signal: {result:?}");
        }
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "commands::output::tests::a_signal_during_the_write_removes_the_temporary_file",
                "--exact",
                "--nocapture",
            ])
            .env(CHILD, directory.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the child starts");
        let ready = directory.path().join("ready");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !ready.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the child never began to write"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let temporaries = || {
            std::fs::read_dir(directory.path())
                .expect("the directory reads")
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().to_string())
                .filter(|name| name.starts_with(".guifan-"))
                .count()
        };
        assert_eq!(temporaries(), 1, "the write is under way");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = child.wait().expect("the child ends");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(15), "{status:?}");
        assert_eq!(temporaries(), 0, "the temporary file was left behind");
        assert!(!directory.path().join("report.json").exists());
    }
}
