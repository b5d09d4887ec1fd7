//! The project's files: a bounded walk of the directory (six levels, no VCS, virtualenv, build
//! or hidden directories) giving the relative paths every other step looks up, and reads of
//! those files.
//!
//! It may call [`crate::input`] (bounded reads) only. Nothing is read through a symbolic link
//! that leads out of the project ([`crate::input::read_regular_within`]); such links are
//! remembered, so `init` can say it did not follow them.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Directories never searched.
const SKIP: &[&str] = &[
    ".git",
    "node_modules",
    "venv",
    ".venv",
    "env",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    "target",
    "site-packages",
    "dist",
    "build",
    ".direnv",
    "result",
];

/// A project directory and the files found in it.
pub(super) struct Project {
    dir: PathBuf,
    /// Relative paths with `/`, in walk order (sorted by name at each level).
    pub(super) names: Vec<String>,
    /// Files asked for that are links out of the project (not read).
    links_out: RefCell<BTreeSet<String>>,
}

impl Project {
    /// Walk `dir`.
    pub(super) fn scan(dir: &Path) -> Project {
        let mut files = Vec::new();
        walk(dir, dir, 0, &mut files);
        Project {
            dir: dir.to_path_buf(),
            names: files.iter().map(|p| rel(p)).collect(),
            links_out: RefCell::default(),
        }
    }

    /// The project's file `rel` on disk.
    pub(super) fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// The text of the project's file `rel`, if it is a readable text file inside the project
    /// (a link out of it is not followed, and remembered).
    pub(super) fn read(&self, rel: &str) -> Option<String> {
        let limit = crate::input::MAX_INPUT_BYTES;
        match crate::input::read_regular_within(&self.dir, Path::new(rel), limit) {
            Ok(bytes) => String::from_utf8(bytes).ok(),
            Err(crate::input::ReadError::OutsideTree) => {
                self.links_out.borrow_mut().insert(rel.to_string());
                None
            }
            Err(_) => None,
        }
    }

    /// The files asked for that are symbolic links out of the project, which were not read.
    pub(super) fn links_out(&self) -> Vec<String> {
        self.links_out.borrow().iter().cloned().collect()
    }

    /// Whether the walk found `rel`.
    pub(super) fn has(&self, rel: &str) -> bool {
        self.names.iter().any(|x| x == rel)
    }

    /// Whether `rel` is a directory holding files the walk found (the project's root is `""`).
    pub(super) fn is_dir(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return true;
        }
        let prefix = format!("{}/", rel.trim_end_matches('/'));
        self.names.iter().any(|x| x.starts_with(&prefix))
    }

    /// The files whose base name is `name`, shallowest first.
    pub(super) fn named(&self, name: &str) -> Vec<&String> {
        let mut v: Vec<&String> = self
            .names
            .iter()
            .filter(|n| n.rsplit('/').next() == Some(name))
            .collect();
        v.sort_by_key(|n| (n.matches('/').count(), (*n).clone()));
        v
    }
}

fn walk(dir: &Path, root: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&path, root, depth + 1, out);
            }
        } else if ft.is_file() {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
}

/// A relative path with `/` between its components.
fn rel(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
