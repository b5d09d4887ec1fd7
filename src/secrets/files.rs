//! Files that can hold secrets (`.env`, keys, certificates, credentials of package managers and
//! cloud tools): their names, the directories that hold nothing else, the configuration files
//! that hold credentials only sometimes, the same lists as Nix for the generated source filter
//! (`templates/source-filter.nix.j2`), and a walk that finds them in a source tree (so `check`
//! can say which ones the generated sources leave out). This is the one list: `check`, the
//! filter of every source app2nix copies into the store, and `init`'s reading of environment
//! files all use it.
//!
//! Calls nothing of the crate.

use std::path::Path;

/// Base names of files that can hold secrets, as globs (`*` matches any run of characters). The
/// generated sources leave them out (whatever their type: a directory named `.env` too), and
/// `check` says when it did.
pub const SECRET_FILES: &[&str] = &[
    // Environment files, keys, certificates and key stores.
    ".env*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.ppk",
    "*.keytab",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_*_sk",
    // Logins of tools: HTTP and git, package indexes, databases, vaults, clouds, clusters.
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".pypirc",
    "pip.conf",
    "pip.ini",
    ".pgpass",
    ".my.cnf",
    ".mylogin.cnf",
    ".htpasswd",
    ".vault-token",
    ".s3cfg",
    ".boto",
    ".dockercfg",
    ".terraformrc",
    "terraform.rc",
    "credentials.toml",
    "kubeconfig*",
    "*.kubeconfig",
    // Infrastructure state and variables, which hold the secrets they provisioned.
    "*.tfstate",
    "*.tfstate.*",
    "*.tfvars",
    // Credentials of services and applications.
    "credentials.json",
    "client_secret*.json",
    "service-account*.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "secrets.toml",
    "secrets.ini",
];

/// Environment files `init` reads for a project's variables, examples first. Each is one of
/// [`SECRET_FILES`] (`.env*`): whatever it holds, no generated source copies it, and `init`
/// keeps only what the one classification of [`super`] lets through (names of secrets, values
/// of plain variables).
pub const ENV_FILES: &[&str] = &[
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    ".env",
];

/// Directories that hold credentials and nothing a build needs (`~/.aws` and `~/.docker` copied
/// into a repository, the keys of `.ssh`): left out whole.
pub const SECRET_DIRS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".docker",
    ".kube",
    ".terraform",
    ".password-store",
];

/// Configuration files of package managers that a build reads (`.npmrc`'s
/// `legacy-peer-deps`, `.yarnrc.yml`'s `nodeLinker`) and that can also hold a registry's
/// credentials: left out when a line of them does ([`holds_credentials`]), kept otherwise.
pub const CREDENTIAL_CONFIGS: &[&str] = &[
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    "bunfig.toml",
    ".bunfig.toml",
];

/// Words whose presence in a line of a [`CREDENTIAL_CONFIGS`] file (lower-cased) means the line
/// can hold a credential: npm's `_auth`, `_authToken` and `_password`, Yarn's `npmAuthToken` and
/// `npmAuthIdent`, Bun's `token` and `password`. In doubt, a credential (`always-auth` too).
const CREDENTIAL_WORDS: &[&str] = &["auth", "token", "passw", "secret"];

/// Whether a file's base name is one of [`SECRET_FILES`].
pub fn is_secret_file(base_name: &str) -> bool {
    SECRET_FILES.iter().any(|g| glob_matches(g, base_name))
}

/// Whether the text of a [`CREDENTIAL_CONFIGS`] file holds a credential: a line with one of
/// [`CREDENTIAL_WORDS`] (in any case), or with a URL that has a user (`https://u:p@host`). Bytes,
/// not text: the generated filter reads the file as Nix does, whatever its encoding.
pub fn holds_credentials(text: &[u8]) -> bool {
    text.split(|b| *b == b'\n').any(|line| {
        let line = line.to_ascii_lowercase();
        CREDENTIAL_WORDS
            .iter()
            .any(|w| line.windows(w.len()).any(|x| x == w.as_bytes()))
            || url_with_user(&line)
    })
}

/// `://` followed by a `@` before any `/`: the regular expression `://[^/@]*@`.
fn url_with_user(line: &[u8]) -> bool {
    line.windows(3).enumerate().any(|(i, w)| {
        w == b"://"
            && line[i + 3..]
                .iter()
                .find(|b| **b == b'/' || **b == b'@')
                .is_some_and(|b| *b == b'@')
    })
}

/// The line rule of [`holds_credentials`] as a POSIX extended regular expression for Nix's
/// `builtins.match` on one lower-cased line (it matches whole strings).
pub fn credential_line_regex() -> String {
    let words: Vec<String> = CREDENTIAL_WORDS.iter().map(|w| escape_regex(w)).collect();
    format!(".*({}|://[^/@]*@).*", words.join("|"))
}

/// [`SECRET_FILES`] as one POSIX extended regular expression for Nix's `builtins.match`, which
/// matches whole strings.
pub fn secret_file_regex() -> String {
    let alternatives: Vec<String> = SECRET_FILES
        .iter()
        .map(|g| {
            g.split('*')
                .map(escape_regex)
                .collect::<Vec<_>>()
                .join(".*")
        })
        .collect();
    format!("({})", alternatives.join("|"))
}

/// Letters, digits, `_` and `-` as themselves, everything else escaped.
fn escape_regex(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c.to_string(),
            c => format!("\\{c}"),
        })
        .collect()
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

/// Every directory name the generated sources leave out: [`NOT_SOURCE_DIRS`] and
/// [`SECRET_DIRS`].
pub fn excluded_dirs() -> Vec<String> {
    NOT_SOURCE_DIRS
        .iter()
        .chain(SECRET_DIRS)
        .map(|d| d.to_string())
        .collect()
}

/// Largest credential configuration file read whole by the walk; a larger one is named as left
/// out (a package manager's configuration never comes close).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// What the generated filter does with an entry of a source tree.
fn left_out(name: &str, kind: std::fs::FileType, path: &Path) -> Option<&'static str> {
    if is_secret_file(name) {
        return Some("");
    }
    if kind.is_dir() && SECRET_DIRS.contains(&name) {
        return Some("/");
    }
    if kind.is_file() && CREDENTIAL_CONFIGS.contains(&name) {
        let holds = match std::fs::metadata(path) {
            Ok(m) if m.len() <= MAX_CONFIG_BYTES => {
                std::fs::read(path).map_or(true, |t| holds_credentials(&t))
            }
            _ => true,
        };
        return holds.then_some("");
    }
    None
}

/// Files under `dir` that a generated source leaves out because they can hold secrets, as paths
/// relative to `dir` (a left-out directory with a trailing `/`). Version-control directories and
/// [`NOT_SOURCE_DIRS`] (left out whole) are not entered; the walk stops after `limit` entries,
/// so a huge tree cannot stall `check`.
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
            if let Some(suffix) = left_out(&name, kind, &e.path()) {
                found.push(format!("{rel}{suffix}"));
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
            // The adversarial review's credential files (issue 20).
            ".git-credentials",
            ".pypirc",
            "pip.conf",
            ".vault-token",
            "id_ed25519_sk",
            "id_ecdsa_sk",
            "kubeconfig",
            "kubeconfig-prod.yaml",
            "staging.kubeconfig",
            ".my.cnf",
            "terraform.tfstate",
            "terraform.tfstate.backup",
            "prod.tfvars",
            "_netrc",
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
            "id_ed25519_sk.pub",
            "credentials",
            "config.json",
            "package.json",
            ".npmrc",
            "tfstate.py",
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

    /// What `init` reads for variables is left out of every source as any `.env*` is.
    #[test]
    fn env_files_init_reads_are_secret_files() {
        for f in ENV_FILES {
            assert!(is_secret_file(f), "{f}");
        }
    }

    /// Package managers' configuration stays unless a line can hold a credential.
    #[test]
    fn configurations_with_credentials() {
        for text in [
            "//registry.npmjs.org/:_authToken=x\n",
            "legacy-peer-deps=true\n_auth=dXNlcjpw\n",
            "npmAuthToken: x\n",
            "npmAuthIdent: \"u:p\"\n",
            "registry=https://u:p@npm.example.org/\n",
            "[install.scopes]\nacme = { token = \"x\" }\n",
            "_PASSWORD=x\n",
        ] {
            assert!(holds_credentials(text.as_bytes()), "{text}");
        }
        for text in [
            "legacy-peer-deps=true\nengine-strict=true\n",
            "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n",
            "registry=https://registry.npmjs.org/\n",
            "",
        ] {
            assert!(!holds_credentials(text.as_bytes()), "{text}");
        }
        assert_eq!(
            credential_line_regex(),
            ".*(auth|token|passw|secret|://[^/@]*@).*"
        );
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

    /// Directories of credentials are named once, with a `/`; a credential configuration only
    /// when it holds one.
    #[test]
    fn the_walk_names_secret_directories_and_configurations_with_credentials() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (f, text) in [
            ("app/.aws/credentials", "[default]\n"),
            ("app/.npmrc", "legacy-peer-deps=true\n"),
            ("web/.npmrc", "//r/:_authToken=x\n"),
            ("web/.yarnrc.yml", "nodeLinker: pnp\n"),
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        assert_eq!(
            secret_files_in(dir.path(), 1000),
            vec!["app/.aws/".to_string(), "web/.npmrc".to_string()]
        );
    }
}
