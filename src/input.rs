//! Reading the files app2nix is given (descriptions, deployment files, a project's sources):
//! regular files only, and never more than a limit. A symbolic link to `/dev/zero`, a FIFO or a
//! device would otherwise be read until memory runs out, or forever.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Largest file read whole: no description, unit, Compose file or packaging file comes close.
pub const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing there.
    NotFound,
    /// A directory.
    Directory,
    /// A FIFO, socket or device.
    NotRegular,
    /// Larger than the limit: its size, and the limit it was read with.
    TooLarge { size: u64, limit: u64 },
    /// A symbolic link (of the file or a directory on its way) that leads out of the tree it
    /// was read from: nothing is read through it.
    OutsideTree,
    /// The file system refused.
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "it does not exist"),
            ReadError::Directory => write!(f, "it is a directory"),
            ReadError::NotRegular => {
                write!(f, "it is not a regular file (a FIFO, socket or device)")
            }
            ReadError::TooLarge { size, limit } => write!(
                f,
                "it is {size} bytes; such files are read up to {limit} bytes"
            ),
            ReadError::OutsideTree => write!(
                f,
                "it leads out of the project (a symbolic link or `..`), and nothing is read there"
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// O_NONBLOCK (the same value on every Linux architecture app2nix builds for): opening a FIFO
/// must not wait for a writer.
const O_NONBLOCK: i32 = 0o4000;

/// The bytes of the regular file at `path` (symbolic links followed), at most `limit` of them.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        })?;
    // The opened file itself, so a file swapped after a check cannot slip through.
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// [`read_regular`] of `root/rel`, refusing ([`ReadError::OutsideTree`]) a file that a symbolic
/// link (the file itself, or a directory on its way) places outside `root`: a cloned repository's
/// `.env.example` linked to `/etc/…` or `../../prod.env` is not read. The canonical path is
/// what is opened, so what was checked is what is read.
pub fn read_regular_within(root: &Path, rel: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let path = root.join(rel);
    let real = match path.canonicalize() {
        Ok(real) => real,
        // Nothing there, or a link to nothing: no file to read.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NotFound),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let root = root.canonicalize().map_err(ReadError::Io)?;
    if !real.starts_with(&root) {
        return Err(ReadError::OutsideTree);
    }
    read_regular(&real, limit)
}

/// [`read_regular_within`] as UTF-8 text, with the reason it could not be read.
pub fn read_text_within(root: &Path, rel: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_regular_within(root, rel, limit).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// Largest lock file read (`package-lock.json` of a large frontend runs to megabytes).
pub const MAX_LOCK_BYTES: u64 = 64 * 1024 * 1024;

/// [`read_regular`] as UTF-8 text, with the reason it could not be read.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_regular(path, limit).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// Whether anything is at `path` (a dangling link, a FIFO, a device too). Files app2nix looks
/// for, such as `uv.lock`, are found with this and then read with [`read_regular`], so a FIFO
/// or device in their place is reported rather than taken for a missing file.
pub fn present(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// [`read_regular`] as UTF-8 text, `None` for anything unreadable (for the files `init` looks
/// at, where a missing or odd file is simply not there).
pub fn read_text_if_any(path: &Path) -> Option<String> {
    read_regular(path, MAX_INPUT_BYTES)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links out of the tree are not read; links inside it are (issue 20: `init` copied the
    /// values of a `.env.example` linked to a file outside the project).
    #[test]
    fn links_out_of_the_tree_are_not_read() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("project");
        std::fs::create_dir_all(root.join("config")).expect("mkdir");
        std::fs::write(tmp.path().join("prod.env"), "SECRET=x\n").expect("write");
        std::fs::write(root.join("config/base.env"), "DEBUG=0\n").expect("write");
        let link = |target: &str, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).expect("symlink")
        };
        link("../prod.env", ".env.example");
        link("/etc/hostname", ".env.sample");
        link("config/base.env", ".env");
        link("..", "up");
        link("missing", "dangling");
        let read = |rel: &str| read_regular_within(&root, Path::new(rel), 1024);
        assert!(matches!(read(".env.example"), Err(ReadError::OutsideTree)));
        assert!(matches!(read(".env.sample"), Err(ReadError::OutsideTree)));
        assert!(matches!(read("up/prod.env"), Err(ReadError::OutsideTree)));
        assert!(matches!(read("dangling"), Err(ReadError::NotFound)));
        assert!(matches!(read("absent"), Err(ReadError::NotFound)));
        assert_eq!(read(".env").expect("inside"), b"DEBUG=0\n");
        assert_eq!(read("config/base.env").expect("plain"), b"DEBUG=0\n");
    }

    #[test]
    fn devices_fifos_and_directories_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        assert!(matches!(
            read_regular(&link, 1024),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_regular(dir.path(), 1024),
            Err(ReadError::Directory)
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                read_regular(&fifo, 1024),
                Err(ReadError::NotRegular)
            ));
        }
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 2048]).expect("write");
        let too_large = read_regular(&big, 1024);
        assert!(matches!(
            too_large,
            Err(ReadError::TooLarge {
                size: 2048,
                limit: 1024
            })
        ));
        // The message names the limit the file was read with (a regression: it always named
        // the description's, though lock files are read up to 64 MiB).
        let message = too_large.err().map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("it is 2048 bytes; such files are read up to 1024 bytes")
        );
        assert_eq!(read_regular(&big, 4096).expect("read").len(), 2048);
        assert!(matches!(
            read_regular(&dir.path().join("none"), 1),
            Err(ReadError::NotFound)
        ));
    }
}
