//! `uv.lock`: the packages of a uv project (or workspace), as uv2nix builds them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::normalize_python_name;

/// What app2nix needs from a `uv.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvLock {
    /// Every locked package, by normalized name.
    pub packages: BTreeSet<String>,
    /// The workspace's own packages (editable or virtual sources), by normalized name.
    pub members: BTreeSet<String>,
    /// Packages uv2nix builds from source on any interpreter: a registry package with no
    /// wheel, or a git, URL or path source. Their build system is not in the lock.
    pub from_source: BTreeSet<String>,
    /// Packages from a local directory (`source = { directory = … }`), not members.
    pub directories: BTreeSet<String>,
    /// The wheel file names of each registry package that has wheels (see
    /// [`UvLock::built_from_source`]).
    pub wheels: BTreeMap<String, Vec<String>>,
    /// `requires-python` of the lock, if any.
    pub requires_python: Option<String>,
    /// What each package depends on: its own dependencies, and those of each of its extras
    /// and dependency groups (`[package.optional-dependencies]`, `[package.dev-dependencies]`),
    /// as (package, extras asked for) pairs.
    pub requires: BTreeMap<String, Requires>,
    /// Where the lock's packages come from on this machine (members, directories, archives,
    /// local indexes): uv2nix copies each into the store.
    pub local: Vec<LocalSource>,
    /// Every URL the lock fetches from (indexes, archives, wheels, git repositories).
    pub urls: Vec<LockedUrl>,
}

/// A source of the lock on this machine: uv2nix joins its path to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSource {
    /// The package (normalized name).
    pub package: String,
    /// `editable`, `virtual`, `directory` (a project built from its tree), `path` (an archive
    /// or a wheel, copied whole), or `registry` (a file of a local index, copied whole).
    pub kind: &'static str,
    /// As the lock writes it, relative to the workspace root.
    pub path: String,
    /// Its line in the lock (1-based), when found.
    pub line: Option<usize>,
}

/// A URL of the lock: where uv2nix (or Nix) fetches a package from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedUrl {
    /// The package (normalized name).
    pub package: String,
    pub url: String,
    /// `registry`, `git`, `url` (the package's source), `sdist` or `wheel` (a file).
    pub kind: &'static str,
    /// The lock records its hash (files only): without one uv2nix falls back to
    /// `builtins.fetchurl`, an unlocked fetch at evaluation time.
    pub hashed: bool,
    /// Its line in the lock (1-based), when found.
    pub line: Option<usize>,
}

/// The dependencies of one locked package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requires {
    /// Its dependencies (with the extras they ask for).
    pub default: Vec<(String, Vec<String>)>,
    /// Those of each extra and dependency group, by name.
    pub optional: BTreeMap<String, Vec<(String, Vec<String>)>>,
}

/// Why a `uv.lock` cannot be used.
pub type Error = String;

/// Read the `uv.lock` at `rel` of the project `root`, never through a link out of it.
pub fn read(root: &Path, rel: &Path) -> Result<UvLock, Error> {
    let text = crate::input::read_text_within(root, rel, crate::input::MAX_LOCK_BYTES)?;
    parse(&text)
}

/// Parse the text of a `uv.lock`.
pub fn parse(text: &str) -> Result<UvLock, Error> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("it is not TOML: {}", e.message()))?;
    match table.get("version").and_then(|v| v.as_integer()) {
        Some(1) => {}
        Some(v) => return Err(format!("it is a version {v} lock; uv2nix reads version 1")),
        None => return Err("it has no `version`: it is not a uv lock".into()),
    }
    let mut lock = UvLock {
        packages: BTreeSet::new(),
        members: BTreeSet::new(),
        from_source: BTreeSet::new(),
        directories: BTreeSet::new(),
        wheels: BTreeMap::new(),
        requires: BTreeMap::new(),
        local: Vec::new(),
        urls: Vec::new(),
        requires_python: table
            .get("requires-python")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    };
    let packages = table
        .get("package")
        .and_then(|p| p.as_array())
        .ok_or("it locks no package")?;
    for p in packages {
        let name = p
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or("a package has no name")?;
        let name = normalize_python_name(name);
        let source = p.get("source").and_then(|s| s.as_table());
        let kind = source
            .and_then(|s| s.keys().next())
            .map(String::as_str)
            .unwrap_or("registry");
        sources_of(&mut lock, text, &name, p, source);
        match kind {
            "editable" | "virtual" => {
                lock.members.insert(name.clone());
            }
            "registry" => {
                let files: Vec<String> = p
                    .get("wheels")
                    .and_then(|w| w.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|w| w.get("url")?.as_str())
                    .filter_map(|u| u.rsplit('/').next())
                    .map(str::to_string)
                    .collect();
                if files.is_empty() {
                    lock.from_source.insert(name.clone());
                } else {
                    lock.wheels.insert(name.clone(), files);
                }
            }
            // A local project, built like a member: from its tree, with its own build system.
            "directory" => {
                lock.directories.insert(name.clone());
            }
            // git, url, path: a source tree or archive, built here.
            _ => {
                lock.from_source.insert(name.clone());
            }
        }
        lock.requires.insert(name.clone(), requires_of(p));
        lock.packages.insert(name);
    }
    Ok(lock)
}

/// The local sources and URLs of one package entry `p` (named `name`) of the lock.
fn sources_of(
    lock: &mut UvLock,
    lock_text: &str,
    name: &str,
    p: &toml::Value,
    source: Option<&toml::Table>,
) {
    let text = |v: Option<&toml::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    // uv writes every value as a basic string without escapes.
    let line = |v: &str| super::line_of(lock_text, &format!("\"{v}\""));
    let mut local_index = None;
    for (kind, value) in source.into_iter().flatten() {
        let Some(value) = value.as_str() else {
            continue;
        };
        let is_url = value.contains("://");
        let local_kind = match kind.as_str() {
            "editable" => Some("editable"),
            "virtual" => Some("virtual"),
            "directory" => Some("directory"),
            "path" => Some("path"),
            "registry" if !is_url => {
                local_index = Some(value.to_string());
                None
            }
            _ => None,
        };
        if let Some(k) = local_kind {
            lock.local.push(LocalSource {
                package: name.to_string(),
                kind: k,
                path: value.to_string(),
                line: line(value),
            });
        } else if is_url || kind == "git" || kind == "url" {
            let kind = match kind.as_str() {
                "git" => "git",
                "url" => "url",
                _ => "registry",
            };
            lock.urls.push(LockedUrl {
                package: name.to_string(),
                url: value.to_string(),
                kind,
                hashed: true,
                line: line(value),
            });
        }
    }
    let sdist = p.get("sdist").into_iter();
    let wheels = p
        .get("wheels")
        .and_then(|w| w.as_array())
        .into_iter()
        .flatten();
    for (kind, file) in sdist
        .map(|f| ("sdist", f))
        .chain(wheels.map(|f| ("wheel", f)))
    {
        if let Some(url) = text(file.get("url")) {
            lock.urls.push(LockedUrl {
                package: name.to_string(),
                line: line(&url),
                url,
                kind,
                hashed: file.get("hash").is_some(),
            });
        }
        // A file of a local index, beside its other files (`registry = "../wheels"`).
        if let (Some(index), Some(path)) = (&local_index, text(file.get("path"))) {
            lock.local.push(LocalSource {
                package: name.to_string(),
                kind: "registry",
                line: line(&path),
                path: format!("{}/{path}", index.trim_end_matches('/')),
            });
        }
    }
}

/// A package's dependencies, of its extras and of its dependency groups.
fn requires_of(p: &toml::Value) -> Requires {
    let deps = |v: Option<&toml::Value>| -> Vec<(String, Vec<String>)> {
        v.and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let name = normalize_python_name(d.get("name")?.as_str()?);
                let extras = d
                    .get("extra")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect();
                Some((name, extras))
            })
            .collect()
    };
    let mut optional = BTreeMap::new();
    for table in ["optional-dependencies", "dev-dependencies"] {
        for (group, list) in p
            .get(table)
            .and_then(|t| t.as_table())
            .into_iter()
            .flatten()
        {
            optional.insert(group.clone(), deps(Some(list)));
        }
    }
    Requires {
        default: deps(p.get("dependencies")),
        optional,
    }
}

#[cfg(test)]
mod closure_tests {
    use super::*;

    #[test]
    fn the_closure_follows_dependencies_extras_and_selected_groups() {
        let lock = parse(
            "version = 1\n[[package]]\nname = \"app\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"celery\", extra = [\"redis\"] }]\n[package.dev-dependencies]\ndocker = [{ name = \"gunicorn\" }]\n\n[[package]]\nname = \"celery\"\ndependencies = [{ name = \"kombu\" }]\n[package.optional-dependencies]\nredis = [{ name = \"redis\" }]\n\n[[package]]\nname = \"kombu\"\n\n[[package]]\nname = \"redis\"\n\n[[package]]\nname = \"gunicorn\"\n",
        )
        .expect("lock");
        let default = lock.closure("app", &[]);
        assert!(
            default.contains("kombu") && default.contains("redis"),
            "{default:?}"
        );
        assert!(!default.contains("gunicorn"));
        assert!(lock.closure("app", &["docker".into()]).contains("gunicorn"));
        assert_eq!(
            lock.groups_of("app"),
            ["docker".to_string()].into_iter().collect()
        );
    }
}

impl UvLock {
    /// The packages an environment of `project` with the extras and dependency groups
    /// `groups` holds (what uv2nix's `mkVirtualEnv` installs): the project, its dependencies and
    /// theirs, with the extras each asks for. Markers are not evaluated: a package for another
    /// platform counts as held.
    pub fn closure(&self, project: &str, groups: &[String]) -> BTreeSet<String> {
        let mut held = BTreeSet::new();
        let mut todo: Vec<(String, Vec<String>)> = vec![(project.to_string(), groups.to_vec())];
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some((name, extras)) = todo.pop() {
            let Some(r) = self.requires.get(&name) else {
                held.insert(name);
                continue;
            };
            if held.insert(name.clone()) {
                todo.extend(r.default.iter().cloned());
            }
            for e in extras {
                if seen.insert((name.clone(), e.clone()))
                    && let Some(list) = r.optional.get(&e)
                {
                    todo.extend(list.iter().cloned());
                }
            }
        }
        held
    }

    /// The extras and dependency groups `project` declares.
    pub fn groups_of(&self, project: &str) -> BTreeSet<String> {
        self.requires
            .get(project)
            .map(|r| r.optional.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The packages uv2nix builds from source for CPython 3.`minor` on some Linux system of the
    /// flake (x86_64, aarch64): those without any wheel, and those none of whose wheels fits
    /// (uv2nix then falls back to the source distribution).
    pub fn built_from_source(&self, minor: u32) -> BTreeSet<String> {
        let mut out = self.from_source.clone();
        for (name, files) in &self.wheels {
            let fits = |arch: &str| files.iter().any(|f| wheel_fits(f, minor, arch));
            if !fits("x86_64") || !fits("aarch64") {
                out.insert(name.clone());
            }
        }
        out
    }
}

/// Whether the wheel file `file` installs on CPython 3.`minor` on glibc Linux for `arch`
/// (its tags: `{python}-{abi}-{platform}`, each a `.`-separated set).
fn wheel_fits(file: &str, minor: u32, arch: &str) -> bool {
    let stem = file.strip_suffix(".whl").unwrap_or(file);
    let parts: Vec<&str> = stem.rsplitn(4, '-').collect();
    let [platform, abi, python, _] = parts.as_slice() else {
        return false;
    };
    let platform_fits = platform.split('.').any(|p| {
        p == "any" || ((p.starts_with("manylinux") || p.starts_with("linux_")) && p.ends_with(arch))
    });
    let cpython = |t: &str| t.strip_prefix("cp3").and_then(|m| m.parse::<u32>().ok());
    let python_fits = python.split('.').any(|t| {
        // Pure wheels (`py3`, `py2.py3`, `py311`) and this interpreter's own tag.
        (t.starts_with("py3") && *abi == "none")
            || cpython(t) == Some(minor) && abi.split('.').any(|a| a == "none" || a == format!("cp3{minor}") || a == "abi3")
            // The stable ABI of an older CPython.
            || cpython(t).is_some_and(|m| m <= minor) && abi.split('.').any(|a| a == "abi3")
    });
    platform_fits && python_fits
}

/// The build systems of the packages built from source for CPython 3.`minor`: the
/// description's, else setuptools (what most source distributions without a wheel use).
pub fn build_systems(
    lock: &UvLock,
    minor: u32,
    given: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    lock.built_from_source(minor)
        .iter()
        .filter(|p| !lock.members.contains(*p))
        .map(|p| {
            let systems = given
                .get(p)
                .cloned()
                .unwrap_or_else(|| vec!["setuptools".to_string()]);
            (p.clone(), systems)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "Flask"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/flask-3.0.0.tar.gz", hash = "sha256:00" }
wheels = [{ url = "https://x/flask-3.0.0-py3-none-any.whl", hash = "sha256:00" }]

[[package]]
name = "only_sdist"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/only_sdist-1.0.tar.gz", hash = "sha256:00" }

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "lib-member"
version = "0.1.0"
source = { editable = "packages/lib" }

[[package]]
name = "from-git"
version = "0.1.0"
source = { git = "https://example.org/x.git?rev=abc#abc" }
"#;

    #[test]
    fn members_wheels_and_source_builds() {
        let lock = parse(LOCK).expect("parses");
        assert!(lock.packages.contains("flask"));
        assert_eq!(
            lock.members.iter().collect::<Vec<_>>(),
            ["app", "lib-member"]
        );
        assert_eq!(
            lock.from_source.iter().collect::<Vec<_>>(),
            ["from-git", "only-sdist"]
        );
        assert_eq!(lock.requires_python.as_deref(), Some(">=3.11"));
        let given = BTreeMap::from([("from-git".to_string(), vec!["hatchling".to_string()])]);
        let systems = build_systems(&lock, 13, &given);
        assert_eq!(systems["from-git"], ["hatchling"]);
        assert_eq!(systems["only-sdist"], ["setuptools"]);
    }

    /// A local directory dependency is built from the project's tree, like a member (its source
    /// is filtered of secret files), not as a package from elsewhere built from source.
    #[test]
    fn local_directories_are_the_projects_own_sources() {
        let lock = parse(
            r#"
version = 1
[[package]]
name = "shared_lib"
version = "0.1.0"
source = { directory = "../shared-lib" }
"#,
        )
        .expect("parses");
        assert_eq!(lock.directories.iter().collect::<Vec<_>>(), ["shared-lib"]);
        assert!(lock.from_source.is_empty());
    }

    #[test]
    fn wheels_that_do_not_fit_the_interpreter_or_linux_mean_a_source_build() {
        let fits = |f: &str| wheel_fits(f, 13, "x86_64");
        assert!(fits("flask-3.0.0-py3-none-any.whl"));
        assert!(fits("six-1.16-py2.py3-none-any.whl"));
        assert!(fits(
            "psycopg2_binary-2.9.10-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        ));
        assert!(fits(
            "cryptography-44.0-cp39-abi3-manylinux_2_28_x86_64.whl"
        ));
        assert!(!fits(
            "psycopg2_binary-2.9.10-cp312-cp312-manylinux_2_17_x86_64.whl"
        ));
        assert!(!fits(
            "cryptography-44.0-cp314-abi3-manylinux_2_28_x86_64.whl"
        ));
        assert!(!fits("x-1.0-cp313-cp313-musllinux_1_2_x86_64.whl"));
        assert!(!fits("x-1.0-cp313-cp313-macosx_11_0_arm64.whl"));
        assert!(!fits("x-1.0-cp313-cp313-manylinux_2_17_aarch64.whl"));
        assert!(!fits("x-1.0-cp313-cp313-win_amd64.whl"));
        assert!(!fits("not-a-wheel.whl"));
        let lock = parse(
            r#"
version = 1
[[package]]
name = "old-only"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/old_only-1.0.tar.gz", hash = "sha256:00" }
wheels = [
    { url = "https://x/old_only-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", hash = "sha256:00" },
    { url = "https://x/old_only-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", hash = "sha256:00" },
]
"#,
        )
        .expect("parses");
        assert!(lock.built_from_source(13).contains("old-only"));
        assert!(!lock.built_from_source(12).contains("old-only"));
    }

    /// Every source of this machine and every URL is collected, with its line (issue 20).
    #[test]
    fn local_sources_and_urls_with_their_lines() {
        let lock = parse(
            r#"version = 1
[[package]]
name = "a"
version = "1"
source = { directory = "../outside" }
[[package]]
name = "b"
version = "1"
source = { path = "vendor/b-1.tar.gz" }
[[package]]
name = "c"
version = "1"
source = { registry = "../wheels" }
wheels = [{ path = "c-1-py3-none-any.whl" }]
[[package]]
name = "d"
version = "1"
source = { registry = "https://u:p@pypi.example.org/simple" }
sdist = { url = "file:///etc/d-1.tar.gz" }
[[package]]
name = "e"
version = "1"
source = { git = "https://example.org/e.git?rev=1#1" }
"#,
        )
        .expect("parses");
        let local: Vec<_> = lock
            .local
            .iter()
            .map(|s| (s.package.as_str(), s.kind, s.path.as_str(), s.line))
            .collect();
        assert_eq!(
            local,
            [
                ("a", "directory", "../outside", Some(5)),
                ("b", "path", "vendor/b-1.tar.gz", Some(9)),
                ("c", "registry", "../wheels/c-1-py3-none-any.whl", Some(14)),
            ]
        );
        let urls: Vec<_> = lock
            .urls
            .iter()
            .map(|u| (u.package.as_str(), u.kind, u.hashed, u.line))
            .collect();
        assert_eq!(
            urls,
            [
                ("d", "registry", true, Some(18)),
                ("d", "sdist", false, Some(19)),
                ("e", "git", true, Some(23)),
            ]
        );
    }

    #[test]
    fn locks_uv2nix_cannot_read_are_refused() {
        assert!(parse("version = 2\n").is_err());
        assert!(parse("[[package]]\nname = \"x\"\n").is_err());
        assert!(parse("not toml [").is_err());
        assert!(parse("version = 1\n").is_err());
    }
}
