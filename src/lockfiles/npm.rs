//! `package.json` and `package-lock.json`: an npm project as nixpkgs' `buildNpmPackage` builds
//! it with `importNpmLock`, which fetches every package by the URL and integrity hash the lock
//! records (so no hash has to be computed for the dependencies).

use std::path::Path;

/// What app2nix needs from an npm project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpmProject {
    /// `name` of package.json (or empty).
    pub name: String,
    /// `version` of package.json (or `0.0.0`).
    pub version: String,
    /// Scripts of package.json, by name.
    pub scripts: Vec<String>,
    /// Packages in the lock (the project itself aside).
    pub packages: usize,
    /// The lock's local packages (`"resolved": "packages/ui"`), relative to the npm project.
    pub local: Vec<String>,
    /// What the lock or package.json would put into the store and must not (see
    /// [`source_problems`]).
    pub problems: Vec<SourceProblem>,
}

/// A locked package whose source cannot be used: something of the lock or of package.json that
/// would copy a file from outside the npm project, or a credential, into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProblem {
    /// `package-lock.json` or `package.json`.
    pub file: &'static str,
    /// 1-based, when the value was found in the file's text.
    pub line: Option<usize>,
    /// What is wrong (names the package, never a credential).
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Lock files of other package managers, and what to do instead.
pub const OTHER_LOCKS: &[(&str, &str)] = &[
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "Yarn"),
    ("bun.lockb", "Bun"),
    ("bun.lock", "Bun"),
];

/// Why a project cannot be built.
/// Vite's configuration files, in the order Vite looks for them (its `DEFAULT_CONFIG_FILES`):
/// the first one found is the configuration.
pub const VITE_CONFIGS: &[&str] = &[
    "vite.config.js",
    "vite.config.mjs",
    "vite.config.ts",
    "vite.config.cjs",
    "vite.config.mts",
    "vite.config.cts",
];

/// `build.outDir` in a Vite configuration's text: the value of an `outDir:` property when it is
/// a string literal, with its line (1-based). Anything computed is not read.
pub fn vite_out_dir(config: &str) -> Option<(String, usize)> {
    for (i, l) in config.lines().enumerate() {
        if let Some(rest) = l.split("outDir").nth(1) {
            let rest = rest.trim_start().strip_prefix(':')?.trim_start();
            let quote = rest.chars().next()?;
            if quote == '\'' || quote == '"' || quote == '`' {
                let value: String = rest[1..].chars().take_while(|c| *c != quote).collect();
                return Some((value, i + 1));
            }
        }
    }
    None
}

pub type Error = String;

/// Read the npm project in `dir` (its `package.json` and `package-lock.json`).
pub fn read(dir: &Path) -> Result<NpmProject, Error> {
    // Nix reads both (and copies them into the dependencies' derivation): never through a link
    // out of the npm project.
    let read = |name: &str| {
        crate::input::read_text_within(dir, Path::new(name), crate::input::MAX_LOCK_BYTES)
            .map_err(|e| format!("`{name}`: {e}"))
    };
    let package = read("package.json")?;
    let lock = match read("package-lock.json") {
        Ok(lock) => lock,
        Err(e) => {
            if let Some((file, tool)) = OTHER_LOCKS.iter().find(|(f, _)| dir.join(f).exists()) {
                return Err(format!(
                    "it is locked by {tool} (`{file}`); app2nix builds npm projects from `package-lock.json` (nixpkgs' importNpmLock)"
                ));
            }
            return Err(e);
        }
    };
    parse(&package, &lock)
}

/// `package.json` alone, for a project another package manager locks: its name, version and
/// scripts, and the URLs of it that hold a credential (`packages` and `local` stay empty).
pub fn manifest(dir: &Path) -> Result<NpmProject, Error> {
    let text = crate::input::read_text_within(
        dir,
        Path::new("package.json"),
        crate::input::MAX_LOCK_BYTES,
    )
    .map_err(|e| format!("`package.json`: {e}"))?;
    let package: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`package.json` is not JSON: {e}"))?;
    let empty = serde_json::json!({});
    let mut project = parse(&text, r#"{ "lockfileVersion": 3, "packages": {} }"#)?;
    project.problems = source_problems(&text, &package, "", &empty);
    Ok(project)
}

/// Parse `package.json` and `package-lock.json`.
pub fn parse(package_text: &str, lock_text: &str) -> Result<NpmProject, Error> {
    let package: serde_json::Value = serde_json::from_str(package_text)
        .map_err(|e| format!("`package.json` is not JSON: {e}"))?;
    let lock: serde_json::Value = serde_json::from_str(lock_text)
        .map_err(|e| format!("`package-lock.json` is not JSON: {e}"))?;
    let version = lock
        .get("lockfileVersion")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if version < 2 {
        return Err(format!(
            "`package-lock.json` is a version {version} lock; importNpmLock reads version 2 or 3 (npm 7 or newer writes them)"
        ));
    }
    let packages = lock
        .get("packages")
        .and_then(|p| p.as_object())
        .ok_or("`package-lock.json` has no `packages`")?;
    let mut unresolved = Vec::new();
    let mut from_git = Vec::new();
    let mut local = Vec::new();
    let mut count = 0;
    for (path, p) in packages {
        if let Some(r) = p.get("resolved").and_then(|r| r.as_str())
            && is_local(r)
        {
            local.push(r.trim_end_matches('/').to_string());
        }
        // The project itself, links to workspace members and the members' own folders (keys
        // without `node_modules/`, the targets of links) are not fetched.
        if path.is_empty()
            || p.get("link").and_then(|l| l.as_bool()) == Some(true)
            || !path.contains("node_modules/")
        {
            continue;
        }
        count += 1;
        let resolved = p.get("resolved").and_then(|r| r.as_str());
        let integrity = p.get("integrity").and_then(|r| r.as_str());
        let fetched = resolved.is_some_and(|r| r.starts_with("http"));
        let name = path.trim_start_matches("node_modules/").to_string();
        if resolved.is_some_and(|r| r.starts_with("git") || r.starts_with("github:")) {
            from_git.push(name);
        } else if resolved.is_none() || (fetched && integrity.is_none()) {
            unresolved.push(name);
        }
    }
    if let Some(first) = from_git.first() {
        // importNpmLock fetches them with `builtins.fetchGit` and no revision: an unlocked
        // fetch, which a flake's pure evaluation refuses.
        return Err(format!(
            "`package-lock.json` takes {} package(s) from git ({first}…); importNpmLock cannot fetch them reproducibly. Depend on a published version (or a tarball URL) instead",
            from_git.len()
        ));
    }
    if !unresolved.is_empty() {
        return Err(format!(
            "`package-lock.json` records no URL and hash for {} package(s) ({}); importNpmLock fetches each by them. Recreate the lock with `npm install --package-lock-only --omit-lockfile-registry-resolved=false`",
            unresolved.len(),
            unresolved
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let text = |key: &str| {
        package
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(NpmProject {
        name: text("name").unwrap_or_default(),
        version: text("version").unwrap_or_else(|| "0.0.0".into()),
        scripts: package
            .get("scripts")
            .and_then(|s| s.as_object())
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default(),
        packages: count,
        local,
        problems: source_problems(package_text, &package, lock_text, &lock),
    })
}

/// A `resolved` value that names a path of this machine rather than a URL: importNpmLock copies
/// it as `npmRoot + "/" + resolved`.
pub fn is_local(resolved: &str) -> bool {
    !resolved.contains("://") && !resolved.starts_with("git") && !resolved.starts_with("github:")
}

/// Why a locked package's `resolved` value cannot be used, and what to do, for any JavaScript
/// lock that records where a package comes from: a URL holding a credential, a local path
/// outside the npm project or in a part of it the source leaves out (copied unfiltered, or
/// missing from the build), or a local tarball (`file:`), which importNpmLock reads as a path
/// named `file:…`. `None` when it can be used.
pub fn resolved_problem(resolved: &str) -> Option<(String, String)> {
    if let Some(why) = super::url_credential(resolved) {
        return Some((
            format!("its URL holds a credential ({why})"),
            super::CREDENTIAL_HELP.to_string(),
        ));
    }
    if !is_local(resolved) {
        return None;
    }
    let (tarball, path) = match resolved.strip_prefix("file:") {
        Some(p) => (true, p),
        None => (false, resolved),
    };
    let Some(rel) = super::inside("", path) else {
        return Some((
            format!("its local path `{path}` is outside the npm project, and importNpmLock would copy it into the store as it is"),
            "keep local packages inside the npm project (a workspace package), or depend on a published version".to_string(),
        ));
    };
    if let Some(part) = rel.split('/').find(|p| {
        crate::secrets::is_secret_file(p) || crate::secrets::excluded_dirs().iter().any(|d| d == p)
    }) {
        return Some((
            format!("its local path `{path}` is in `{part}`, which the build's source leaves out"),
            "keep local packages in ordinary directories of the npm project".to_string(),
        ));
    }
    tarball.then(|| {
        (
            format!("it is a local tarball (`{resolved}`), which importNpmLock cannot read"),
            "make it a workspace package of the npm project, or publish it".to_string(),
        )
    })
}

/// What package.json and the lock would put into the store and must not: every locked
/// package's `resolved` ([`resolved_problem`]), and every URL of either file that holds a
/// credential (a dependency given as a URL, a `publishConfig` registry): both files are copied
/// into the store with the source, and the lock into the dependencies' derivation.
pub fn source_problems(
    package_text: &str,
    package: &serde_json::Value,
    lock_text: &str,
    lock: &serde_json::Value,
) -> Vec<SourceProblem> {
    let mut out = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    let line = |text: &str, v: &str| {
        serde_json::to_string(v)
            .ok()
            .and_then(|needle| super::line_of(text, &needle))
    };
    let packages = lock.get("packages").and_then(|p| p.as_object());
    for (path, p) in packages.into_iter().flatten() {
        let Some(resolved) = p.get("resolved").and_then(|r| r.as_str()) else {
            continue;
        };
        if let Some((message, help)) = resolved_problem(resolved) {
            reported.insert(resolved);
            let name = if path.is_empty() { "the project" } else { path };
            out.push(SourceProblem {
                file: "package-lock.json",
                line: line(lock_text, resolved),
                message: format!("`{name}`: {message}"),
                help,
            });
        }
    }
    for (file, text, value) in [
        ("package.json", package_text, package),
        ("package-lock.json", lock_text, lock),
    ] {
        let mut strings = Vec::new();
        json_strings(value, &mut strings);
        for s in strings {
            if reported.contains(s) {
                continue;
            }
            if let Some(why) = super::url_credential(s) {
                reported.insert(s);
                out.push(SourceProblem {
                    file,
                    line: line(text, s),
                    message: format!("a URL holds a credential ({why})"),
                    help: super::CREDENTIAL_HELP.to_string(),
                });
            }
        }
    }
    out
}

/// Every string of a JSON value (object keys aside), depth first.
fn json_strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_strings(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGE: &str =
        r#"{ "name": "web", "version": "1.2.0", "scripts": { "build": "vite build" } }"#;

    #[test]
    fn a_complete_lock() {
        let lock = r#"{ "lockfileVersion": 3, "packages": {
            "": { "name": "web" },
            "node_modules/vite": { "version": "5.4.11", "resolved": "https://registry.npmjs.org/vite/-/vite-5.4.11.tgz", "integrity": "sha512-x" },
            "node_modules/local": { "resolved": "packages/local", "link": true }
        } }"#;
        let p = parse(PACKAGE, lock).expect("parses");
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.packages),
            ("web", "1.2.0", 1)
        );
        assert_eq!(p.scripts, ["build"]);
    }

    #[test]
    fn locks_without_urls_or_of_old_npm_are_refused() {
        let bare = r#"{ "lockfileVersion": 3, "packages": { "": {}, "node_modules/vite": { "version": "5.4.11" } } }"#;
        let e = parse(PACKAGE, bare).expect_err("no resolved");
        assert!(
            e.contains("vite") && e.contains("--omit-lockfile-registry-resolved=false"),
            "{e}"
        );
        let git = r#"{ "lockfileVersion": 3, "packages": { "": {}, "node_modules/x": { "version": "1.0.0", "resolved": "git+ssh://git@github.com/o/x.git#0123abcd" } } }"#;
        let e = parse(PACKAGE, git).expect_err("from git");
        assert!(
            e.contains("from git (x") && e.contains("published version"),
            "{e}"
        );
        let old = r#"{ "lockfileVersion": 1, "dependencies": {} }"#;
        assert!(parse(PACKAGE, old).expect_err("v1").contains("version 1"));
    }

    /// What a lock may make the store copy (issue 20): local packages stay inside the npm
    /// project and out of left-out directories, local tarballs and credentials are refused,
    /// registry URLs and workspace packages are fine.
    #[test]
    fn resolved_values_that_would_copy_too_much() {
        for ok in [
            "https://registry.npmjs.org/vite/-/vite-5.4.11.tgz",
            "packages/ui",
            "./packages/ui/",
            "git+ssh://git@github.com/o/x.git#0123abcd",
        ] {
            assert_eq!(resolved_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("../../outside", "outside the npm project"),
            ("packages/../../x", "outside the npm project"),
            ("/root/.ssh", "outside the npm project"),
            ("file:../x.tgz", "outside the npm project"),
            ("config/.ssh/keys", "which the build's source leaves out"),
            ("node_modules/x", "which the build's source leaves out"),
            ("file:vendor/x-1.0.0.tgz", "local tarball"),
            (
                "https://u:p@npm.example.org/x.tgz",
                "credential (a password)",
            ),
        ] {
            let (message, _) = resolved_problem(bad).unwrap_or_default();
            assert!(message.contains(why), "{bad}: {message}");
        }
        // Credentials anywhere in package.json or the lock, with their line; never the value.
        let package = "{\n  \"name\": \"web\",\n  \"dependencies\": { \"x\": \"https://tok3n@npm.example.org/x.tgz\" }\n}";
        let lock = r#"{ "lockfileVersion": 3, "packages": { "": {} } }"#;
        let p = parse(package, lock).expect("parses");
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(
            (p.problems[0].file, p.problems[0].line),
            ("package.json", Some(3))
        );
        assert!(!p.problems[0].message.contains("tok3n"));
    }

    #[test]
    fn other_package_managers_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("package.json"), PACKAGE).expect("write");
        std::fs::write(
            dir.path().join("pnpm-lock.yaml"),
            "lockfileVersion: '9.0'\n",
        )
        .expect("write");
        let e = read(dir.path()).expect_err("pnpm");
        assert!(e.contains("pnpm") && e.contains("package-lock.json"), "{e}");
    }
}
