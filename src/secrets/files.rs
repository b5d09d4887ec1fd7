//! Files that can hold secrets (`.env`, keys, certificates, credentials): their names, the
//! same list as a regular expression for the generated Nix filters, and a walk that finds them
//! in a source tree (so `check` can say which ones the generated sources leave out).
//!
//! Calls nothing of the crate.

use std::path::Path;

/// Base names of files that can hold secrets, as globs (`*` matches any run of characters). The
/// generated sources leave them out, and `check` says when it did.
pub const SECRET_FILES: &[&str] = &[
    ".env*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".pgpass",
    ".htpasswd",
    "credentials.json",
    "client_secret*.json",
    "service-account*.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "secrets.toml",
    "secrets.ini",
];

/// Whether a file's base name is one of [`SECRET_FILES`].
pub fn is_secret_file(base_name: &str) -> bool {
    SECRET_FILES.iter().any(|g| glob_matches(g, base_name))
}

/// [`SECRET_FILES`] as one POSIX extended regular expression for Nix's `builtins.match`, which
/// matches whole strings.
pub fn secret_file_regex() -> String {
    let alternatives: Vec<String> = SECRET_FILES
        .iter()
        .map(|g| {
            g.chars()
                .map(|c| match c {
                    '*' => ".*".to_string(),
                    c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c.to_string(),
                    c => format!("\\{c}"),
                })
                .collect()
        })
        .collect();
    format!("({})", alternatives.join("|"))
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn glob_matches(glob: &str, name: &str) -> bool {
    match glob.split_once('*') {
        None => glob == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| glob_matches(rest, &tail[i..]))
        }
    }
}

/// Directories no generated source copies into the store, besides version control (which
/// `lib.cleanSource` drops): virtual environments and caches, which are built, not sources, and
/// can hold anything a developer's machine had.
pub const NOT_SOURCE_DIRS: &[&str] = &[".venv", "__pycache__", "node_modules"];

/// Files under `dir` that a generated source leaves out because they can hold secrets, as paths
/// relative to `dir`. Version-control directories and [`NOT_SOURCE_DIRS`] (left out whole) are
/// not entered; the walk stops after `limit` entries, so a huge tree cannot stall `check`.
pub fn secret_files_in(dir: &Path, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    let mut seen = 0;
    while let Some((path, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            seen += 1;
            if seen > limit {
                found.sort();
                return found;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(kind) = e.file_type() else {
                continue;
            };
            if is_secret_file(&name) {
                found.push(rel);
            } else if kind.is_dir()
                && ![".git", ".hg", ".svn", "CVS"].contains(&name.as_str())
                && !NOT_SOURCE_DIRS.contains(&name.as_str())
            {
                stack.push((e.path(), rel));
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_names() {
        for name in [
            ".env",
            ".env.production",
            ".envrc",
            "server.pem",
            "tls.key",
            "id_ed25519",
            "credentials.json",
            "client_secret_123.json",
        ] {
            assert!(is_secret_file(name), "{name}");
        }
        for name in [
            "env.py",
            "id_ed25519.pub",
            "keys.py",
            "main.py",
            "key.txt",
            "secrets.py",
        ] {
            assert!(!is_secret_file(name), "{name}");
        }
    }

    #[test]
    fn the_regex_matches_the_same_names() {
        let re = secret_file_regex();
        assert!(re.starts_with("(\\.env.*|.*\\.pem|"), "{re}");
        assert!(re.contains("|id_ed25519|"), "{re}");
    }

    #[test]
    fn the_walk_finds_nested_secret_files_and_skips_git() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["app/.env", "app/certs/tls.key", ".git/x.pem", "app/main.py"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, "").expect("write");
        }
        assert_eq!(
            secret_files_in(dir.path(), 1000),
            vec!["app/.env".to_string(), "app/certs/tls.key".to_string()]
        );
    }
}
