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
    /// Packages uv2nix builds from source: a registry package with no wheel, or a git, URL
    /// or path source. Their build system is not in the lock.
    pub from_source: BTreeSet<String>,
    /// `requires-python` of the lock, if any.
    pub requires_python: Option<String>,
}

/// Why a `uv.lock` cannot be used.
pub type Error = String;

/// Read `uv.lock` at `path`.
pub fn read(path: &Path) -> Result<UvLock, Error> {
    let text = crate::input::read_text(path, crate::input::MAX_LOCK_BYTES)?;
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
        match kind {
            "editable" | "virtual" => {
                lock.members.insert(name.clone());
            }
            "registry" => {
                if p.get("wheels")
                    .and_then(|w| w.as_array())
                    .is_none_or(|w| w.is_empty())
                {
                    lock.from_source.insert(name.clone());
                }
            }
            // git, url, path, directory: a source tree or archive, built here.
            _ => {
                lock.from_source.insert(name.clone());
            }
        }
        lock.packages.insert(name);
    }
    Ok(lock)
}

/// The build systems of the packages built from source: the description's, else setuptools
/// (what most source distributions without a wheel use).
pub fn build_systems(
    lock: &UvLock,
    given: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    lock.from_source
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
        let systems = build_systems(&lock, &given);
        assert_eq!(systems["from-git"], ["hatchling"]);
        assert_eq!(systems["only-sdist"], ["setuptools"]);
    }

    #[test]
    fn locks_uv2nix_cannot_read_are_refused() {
        assert!(parse("version = 2\n").is_err());
        assert!(parse("[[package]]\nname = \"x\"\n").is_err());
        assert!(parse("not toml [").is_err());
        assert!(parse("version = 1\n").is_err());
    }
}
