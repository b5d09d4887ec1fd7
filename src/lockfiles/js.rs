//! The lockfiles of bun (`bun.lock`), pnpm (`pnpm-lock.yaml`) and Yarn (`yarn.lock`, 1 and 2+):
//! which one pins a JavaScript project (in its directory, or at the root of the workspace it
//! is a member of), how many packages it locks, and what of it would copy a credential or a
//! file from outside the project into the store. nixpkgs builds each with the package manager
//! itself in a fixed-output derivation (bun) or its fetcher (`fetchPnpmDeps`,
//! `fetchYarnDeps`, `fetchYarnBerryDeps`), all of which need the hash of their output.

use std::path::Path;

use super::npm::SourceProblem;

/// The package manager whose lockfile pins a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `package-lock.json`: nixpkgs' `importNpmLock`, no hash.
    Npm,
    /// `bun.lock`: `node_modules` as a fixed-output derivation.
    Bun,
    /// `pnpm-lock.yaml`: nixpkgs' `fetchPnpmDeps`.
    Pnpm,
    /// `yarn.lock` of Yarn 1: nixpkgs' `fetchYarnDeps`.
    Yarn,
    /// `yarn.lock` of Yarn 2 or newer (it has `__metadata`): nixpkgs' `fetchYarnBerryDeps`.
    YarnBerry,
}

impl Manager {
    /// The command that names it (`npm`, `bun`, `pnpm`, `yarn`).
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Bun => "bun",
            Manager::Pnpm => "pnpm",
            Manager::Yarn | Manager::YarnBerry => "yarn",
        }
    }

    /// Its lockfile's name.
    pub fn lock(self) -> &'static str {
        match self {
            Manager::Npm => "package-lock.json",
            Manager::Bun => "bun.lock",
            Manager::Pnpm => "pnpm-lock.yaml",
            Manager::Yarn | Manager::YarnBerry => "yarn.lock",
        }
    }

    /// Its name as people write it.
    pub fn shown(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Bun => "bun",
            Manager::Pnpm => "pnpm",
            Manager::Yarn => "Yarn 1",
            Manager::YarnBerry => "Yarn",
        }
    }
}

/// Where a project's lock was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub manager: Manager,
    /// The directory holding the lock (the workspace's root), relative to the project.
    pub root: String,
    /// The JavaScript project relative to `root` (`""` when the lock is its own).
    pub member: String,
}

/// The lock of bun, pnpm or Yarn that pins the JavaScript project `src` (relative to
/// `project`): its own, else that of the nearest directory above it, inside `project`, that
/// declares workspaces (`workspaces` of package.json, `pnpm-workspace.yaml`). `None` when npm's
/// `package-lock.json` is the project's own (npm's path reads it), or no lock is found. An error for bun's binary `bun.lockb` alone, which cannot be read.
pub fn find(project: &Path, src: &str) -> Result<Option<Found>, String> {
    let src = src.trim_matches('/');
    let mut dir = if src == "." { "" } else { src }.to_string();
    let mut member = String::new();
    loop {
        let here = project.join(&dir);
        let own = member.is_empty();
        // npm's own lock wins (importNpmLock needs no hash).
        if own && crate::input::present(&here.join("package-lock.json")) {
            return Ok(None);
        }
        if own || declares_workspaces(&here) {
            for manager in [Manager::Bun, Manager::Pnpm, Manager::Yarn] {
                if crate::input::present(&here.join(manager.lock())) {
                    let manager = if manager == Manager::Yarn && is_berry(&here) {
                        Manager::YarnBerry
                    } else {
                        manager
                    };
                    return Ok(Some(Found {
                        manager,
                        root: dir,
                        member,
                    }));
                }
            }
            if crate::input::present(&here.join("bun.lockb")) {
                return Err(format!(
                    "it is locked by bun's binary lockfile (`{}`), which cannot be read: run `bun install --save-text-lockfile` (bun 1.1.39 or newer) and commit the `bun.lock` it writes",
                    if dir.is_empty() {
                        "bun.lockb".to_string()
                    } else {
                        format!("{dir}/bun.lockb")
                    }
                ));
            }
        }
        if dir.is_empty() {
            return Ok(None);
        }
        let (parent, name) = match dir.rsplit_once('/') {
            Some((p, n)) => (p.to_string(), n.to_string()),
            None => (String::new(), dir.clone()),
        };
        member = if member.is_empty() {
            name
        } else {
            format!("{name}/{member}")
        };
        dir = parent;
    }
}

/// Whether `dir` is a workspace's root: its package.json lists `workspaces`, or pnpm's
/// `pnpm-workspace.yaml` is there.
fn declares_workspaces(dir: &Path) -> bool {
    crate::input::present(&dir.join("pnpm-workspace.yaml"))
        || crate::input::read_text_if_any(&dir.join("package.json"))
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|p| p.get("workspaces").is_some())
}

/// Whether the `yarn.lock` in `dir` was written by Yarn 2 or newer (`__metadata:`).
fn is_berry(dir: &Path) -> bool {
    crate::input::read_text_if_any(&dir.join("yarn.lock"))
        .is_some_and(|t| t.lines().any(|l| l.starts_with("__metadata:")))
}

/// What app2nix needs from a lock of bun, pnpm or Yarn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// Packages it locks (the workspace's own aside).
    pub packages: usize,
    /// The workspace's members the lock records (relative to its directory), where it says.
    pub members: Vec<String>,
    /// What would copy a credential or a file from outside into the store.
    pub problems: Vec<SourceProblem>,
    /// Yarn 2+: packages without a checksum (which `fetchYarnBerryDeps` needs from a
    /// `missing-hashes.json`).
    pub unchecked: Vec<String>,
}

/// Read the lock of `manager` in `dir`.
pub fn read(dir: &Path, manager: Manager) -> Result<Lock, String> {
    let file = manager.lock();
    let text = crate::input::read_text_within(dir, Path::new(file), crate::input::MAX_LOCK_BYTES)
        .map_err(|e| format!("`{file}`: {e}"))?;
    match manager {
        Manager::Bun => parse_bun(&text),
        Manager::Pnpm => parse_pnpm(&text),
        Manager::Yarn => Ok(parse_yarn(&text, false)),
        Manager::YarnBerry => Ok(parse_yarn(&text, true)),
        Manager::Npm => Err("npm's lock is read by `npm::read`".into()),
    }
}

/// `bun.lock`: JSON with trailing commas. `packages` maps each install path to
/// `[ident, registry, info, integrity]`, the workspace's own packages to
/// `["name@workspace:path"]`.
pub fn parse_bun(text: &str) -> Result<Lock, String> {
    let json: serde_json::Value = serde_json::from_str(&without_trailing_commas(text))
        .map_err(|e| format!("`bun.lock` is not the JSON bun writes: {e}"))?;
    let version = json
        .get("lockfileVersion")
        .and_then(|v| v.as_u64())
        .ok_or("`bun.lock` has no `lockfileVersion`")?;
    if version > 2 {
        return Err(format!(
            "`bun.lock` is a version {version} lock, newer than the bun app2nix knows (2)"
        ));
    }
    let members = json
        .get("workspaces")
        .and_then(|w| w.as_object())
        .map(|w| w.keys().filter(|k| !k.is_empty()).cloned().collect())
        .unwrap_or_default();
    let mut packages = 0;
    let mut problems = Vec::new();
    for (name, entry) in json
        .get("packages")
        .and_then(|p| p.as_object())
        .into_iter()
        .flatten()
    {
        let ident = entry.get(0).and_then(|i| i.as_str()).unwrap_or_default();
        // `name@workspace:path`: the workspace's own; `name@file:`/`name@link:`: a local path.
        let spec = ident
            .get(1..)
            .and_then(|s| s.split_once('@'))
            .map(|(_, s)| s);
        match spec {
            Some(s) if s.starts_with("workspace:") => continue,
            Some(s) if s.starts_with("file:") || s.starts_with("link:") => {
                let path = s.split_once(':').map_or("", |(_, p)| p);
                if super::inside("", path).is_none() {
                    problems.push(SourceProblem {
                        file: "bun.lock",
                        line: super::line_of(text, ident),
                        message: format!(
                            "`{name}`: its local path `{path}` is outside the workspace"
                        ),
                        help: "keep local packages inside the workspace, or depend on a published version".into(),
                    });
                }
            }
            _ => {}
        }
        packages += 1;
    }
    credentials(text, "bun.lock", &mut problems);
    Ok(Lock {
        packages,
        members,
        problems,
        unchecked: Vec::new(),
    })
}

/// JSON text with the trailing commas bun writes (`[1, 2,]`, `{"a": 1,}`) removed, strings
/// kept as they are.
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut pending_comma: Option<String> = None;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if let Some(p) = pending_comma.as_mut() {
            if c.is_whitespace() {
                p.push(c);
                continue;
            }
            let held = pending_comma.take().unwrap_or_default();
            if c == '}' || c == ']' {
                out.push_str(&held[1..]);
            } else {
                out.push_str(&held);
            }
        }
        match c {
            ',' => pending_comma = Some(",".into()),
            '"' => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    if let Some(p) = pending_comma {
        out.push_str(&p);
    }
    out
}

/// `pnpm-lock.yaml`: `lockfileVersion` (pnpm 9 and 10 write `'9.0'`, which `fetchPnpmDeps`
/// installs with pnpm 10), `importers` (the workspace's members, `.` the root) and `packages`.
pub fn parse_pnpm(text: &str) -> Result<Lock, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text)
        .map_err(|e| format!("`pnpm-lock.yaml` is not YAML: {e}"))?;
    let doc = docs.first().ok_or("`pnpm-lock.yaml` is empty")?;
    let version = match &doc["lockfileVersion"] {
        yaml_rust2::Yaml::String(s) | yaml_rust2::Yaml::Real(s) => s.clone(),
        yaml_rust2::Yaml::Integer(i) => i.to_string(),
        _ => return Err("`pnpm-lock.yaml` has no `lockfileVersion`".into()),
    };
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major != 9 {
        return Err(format!(
            "`pnpm-lock.yaml` is a version {version} lock; nixpkgs' pnpm 10 installs version 9 locks: recreate it with pnpm 9 or newer (`pnpm install --lockfile-only`)"
        ));
    }
    let keys = |key: &str| -> Vec<String> {
        doc[key]
            .as_hash()
            .map(|h| {
                h.keys()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let members = keys("importers").into_iter().filter(|k| k != ".").collect();
    let mut problems = Vec::new();
    for (name, p) in doc["packages"].as_hash().into_iter().flatten() {
        let directory = p["resolution"]["directory"].as_str();
        if let Some(dir) = directory
            && super::inside("", dir).is_none()
        {
            problems.push(SourceProblem {
                file: "pnpm-lock.yaml",
                line: super::line_of(text, dir),
                message: format!(
                    "`{}`: its local path `{dir}` is outside the workspace",
                    name.as_str().unwrap_or_default()
                ),
                help: "keep local packages inside the workspace, or depend on a published version"
                    .into(),
            });
        }
    }
    credentials(text, "pnpm-lock.yaml", &mut problems);
    Ok(Lock {
        packages: keys("packages").len(),
        members,
        problems,
        unchecked: Vec::new(),
    })
}

/// `yarn.lock`: one entry per unindented `"a@^1", a@^1.1:` line (Yarn 2+ adds `__metadata`
/// and the workspace's own entries, `@workspace:`, which are not fetched; each fetched entry
/// has a `checksum:` unless Yarn skipped it for another platform).
pub fn parse_yarn(text: &str, berry: bool) -> Lock {
    let mut packages = 0;
    let mut unchecked = Vec::new();
    let mut current: Option<(String, bool, bool)> = None; // (entry, own, has checksum)
    let mut finish = |e: Option<(String, bool, bool)>, packages: &mut usize| {
        if let Some((name, own, checked)) = e
            && !own
        {
            *packages += 1;
            if berry && !checked {
                unchecked.push(name);
            }
        }
    };
    for line in text.lines() {
        if line.starts_with(['#', ' ']) || line.trim().is_empty() {
            if let Some((_, own, checked)) = current.as_mut() {
                let l = line.trim();
                if l.starts_with("checksum:") {
                    *checked = true;
                }
                if l.starts_with("resolution:")
                    && (l.contains("@workspace:") || l.contains("@link:") || l.contains("@portal:"))
                {
                    *own = true;
                }
                if l.starts_with("linkType: soft") {
                    *own = true;
                }
            }
            continue;
        }
        finish(current.take(), &mut packages);
        if line.starts_with("__metadata:") {
            continue;
        }
        let name = line.trim_end_matches(':').trim_matches('"').to_string();
        current = Some((name, false, false));
    }
    finish(current.take(), &mut packages);
    let mut problems = Vec::new();
    credentials(text, "yarn.lock", &mut problems);
    Lock {
        packages,
        members: Vec::new(),
        problems,
        unchecked,
    }
}

/// Every URL of `text` that holds a credential (the lock is copied into the store).
fn credentials(text: &str, file: &'static str, problems: &mut Vec<SourceProblem>) {
    for (i, line) in text.lines().enumerate() {
        for word in line.split(|c: char| c.is_whitespace() || "\"',[]{}".contains(c)) {
            if word.contains("://")
                && let Some(why) = super::url_credential(word)
            {
                problems.push(SourceProblem {
                    file,
                    line: Some(i + 1),
                    message: format!("a URL holds a credential ({why})"),
                    help: super::CREDENTIAL_HELP.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUN: &str = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": { "name": "root", },
    "web": { "name": "web", "dependencies": { "react": "^19.0.0", }, },
  },
  "packages": {
    "react": ["react@19.0.0", "", {}, "sha512-abc"],
    "web": ["web@workspace:web"],
    "scheduler": ["scheduler@0.25.0", "", {}, "sha512-def",],
  }
}
"#;

    #[test]
    fn bun_locks_are_read_with_their_trailing_commas() {
        let l = parse_bun(BUN).expect("parses");
        assert_eq!(l.packages, 2);
        assert_eq!(l.members, ["web"]);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        // A comma inside a string stays.
        assert_eq!(without_trailing_commas(r#"["a,]", 1,]"#), r#"["a,]", 1]"#);
        let leaking = BUN.replace(
            r#""react": ["react@19.0.0", """#,
            r#""react": ["react@19.0.0", "https://u:p@npm.example.org/""#,
        );
        let l = parse_bun(&leaking).expect("parses");
        assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
        assert_eq!(l.problems[0].line, Some(8));
        assert!(!l.problems[0].message.contains("u:p"));
        let outside = BUN.replace(r#"["web@workspace:web"]"#, r#"["x@file:../../x"]"#);
        assert!(
            parse_bun(&outside).expect("parses").problems[0]
                .message
                .contains("outside the workspace")
        );
    }

    #[test]
    fn pnpm_locks_of_version_9() {
        let lock = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies: {}\n  web:\n    dependencies:\n      react:\n        specifier: ^19.0.0\n        version: 19.0.0\n\npackages:\n  react@19.0.0:\n    resolution: {integrity: sha512-abc}\n  scheduler@0.25.0:\n    resolution: {integrity: sha512-def}\n";
        let l = parse_pnpm(lock).expect("parses");
        assert_eq!(
            (l.packages, l.members.clone()),
            (2, vec!["web".to_string()])
        );
        let old = parse_pnpm("lockfileVersion: '6.0'\n").expect_err("old");
        assert!(
            old.contains("version 6.0") && old.contains("pnpm 9"),
            "{old}"
        );
    }

    #[test]
    fn yarn_locks_of_both_generations() {
        let v1 = "# yarn lockfile v1\n\n\n\"js-tokens@^3.0.0 || ^4.0.0\":\n  version \"4.0.0\"\n  resolved \"https://registry.yarnpkg.com/js-tokens/-/js-tokens-4.0.0.tgz#19203fb\"\n  integrity sha512-x\n\nloose-envify@^1.1.0:\n  version \"1.4.0\"\n";
        assert_eq!(parse_yarn(v1, false).packages, 2);
        let berry = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"react@npm:^19.0.0\":\n  version: 19.0.0\n  resolution: \"react@npm:19.0.0\"\n  checksum: 10c0/abc\n  languageName: node\n  linkType: hard\n\n\"@esbuild/win32-x64@npm:0.24.0\":\n  version: 0.24.0\n  resolution: \"@esbuild/win32-x64@npm:0.24.0\"\n  conditions: os=win32 & cpu=x64\n  languageName: node\n  linkType: hard\n\n\"web@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"web@workspace:.\"\n  languageName: unknown\n  linkType: soft\n";
        let l = parse_yarn(berry, true);
        assert_eq!(l.packages, 2);
        assert_eq!(l.unchecked, ["@esbuild/win32-x64@npm:0.24.0"]);
    }

    #[test]
    fn locks_are_found_in_the_project_or_at_its_workspace_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path();
        std::fs::create_dir_all(p.join("apps/web")).expect("mkdir");
        std::fs::write(p.join("apps/web/package.json"), "{}").expect("write");
        assert_eq!(find(p, "apps/web"), Ok(None));
        std::fs::write(p.join("bun.lock"), BUN).expect("write");
        // A lock above that is no workspace's is not the project's.
        assert_eq!(find(p, "apps/web"), Ok(None));
        std::fs::write(p.join("package.json"), r#"{"workspaces": ["apps/*"]}"#).expect("write");
        let found = find(p, "apps/web").expect("reads").expect("found");
        assert_eq!(
            (found.manager, found.root.as_str(), found.member.as_str()),
            (Manager::Bun, "", "apps/web")
        );
        std::fs::write(p.join("apps/web/bun.lockb"), "\0").expect("write");
        assert!(
            find(p, "apps/web")
                .expect_err("binary")
                .contains("--save-text-lockfile")
        );
        std::fs::remove_file(p.join("apps/web/bun.lockb")).expect("rm");
        std::fs::write(p.join("apps/web/yarn.lock"), "__metadata:\n  version: 8\n").expect("write");
        let found = find(p, "apps/web").expect("reads").expect("found");
        assert_eq!(
            (found.manager, found.member.as_str()),
            (Manager::YarnBerry, "")
        );
    }
}
