//! What nixpkgs has, as shipped data (`data/`): the attribute names of `python3Packages` and
//! their aliases, and the NixOS service modules. `check` validates dependencies against them;
//! `init` maps PyPI names onto them and says when NixOS already has a module for an app.
//!
//! It calls [`crate::diagnostic::did_you_mean`] only.

use std::collections::BTreeSet;
use std::sync::OnceLock;

const PYTHON_PACKAGES: &str = include_str!("../data/python3-packages.txt");
const PYTHON_ALIASES: &str = include_str!("../data/python3-aliases.tsv");
const SERVICE_MODULES: &str = include_str!("../data/nixos-service-modules.tsv");

fn python_names() -> &'static BTreeSet<&'static str> {
    static NAMES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        PYTHON_PACKAGES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// What nixpkgs calls a Python package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonAttr {
    /// `python3Packages.<name>` exists.
    Found(String),
    /// The name is an alias (or a removed name) of this attribute.
    Renamed(String),
    /// nixpkgs has no such package; the closest name, if any is close.
    Missing(Option<String>),
}

/// The `python3Packages` attribute of a Python package name (PEP 503 normalized or not).
pub fn python_attr(name: &str) -> PythonAttr {
    let names = python_names();
    if names.contains(name) {
        return PythonAttr::Found(name.to_string());
    }
    let normalized = crate::lockfiles::normalize_python_name(name);
    if names.contains(normalized.as_str()) {
        return PythonAttr::Found(normalized);
    }
    for line in PYTHON_ALIASES.lines().filter(|l| !l.starts_with('#')) {
        let Some((alias, target)) = line.split_once('\t') else {
            continue;
        };
        if alias != name && crate::lockfiles::normalize_python_name(alias) != normalized {
            continue;
        }
        // `throw (renamed to/replaced by x)`, `x (via lib.warn)`, `x`.
        let t = target
            .trim_start_matches("throw")
            .trim()
            .trim_start_matches("(renamed to/replaced by")
            .trim_end_matches(')')
            .trim();
        let t = t.split_whitespace().next().unwrap_or("");
        if names.contains(t) {
            return PythonAttr::Renamed(t.to_string());
        }
    }
    // Only names that could be close are compared (10,000 comparisons per unknown name were
    // most of `init`'s time on large projects).
    let len = normalized.chars().count();
    let first = normalized.chars().next();
    let close = names
        .iter()
        .copied()
        .filter(|n| n.chars().next() == first && n.chars().count().abs_diff(len) <= 3);
    let suggestion = crate::diagnostic::did_you_mean(&normalized, close);
    PythonAttr::Missing(suggestion.map(str::to_string))
}

/// Whether `python3Packages.<attr>` exists.
pub fn has_python_attr(attr: &str) -> bool {
    python_names().contains(attr)
}

/// The NixOS service module nixpkgs ships for an application of this name (its path under
/// `nixos/modules`), if any.
pub fn service_module(app: &str) -> Option<String> {
    let app = app.to_ascii_lowercase();
    SERVICE_MODULES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (_, module, path) = (f.next()?, f.next()?, f.next()?);
            let m = module.trim_end_matches(".nix");
            (m == app).then(|| path.trim_start_matches("./").to_string())
        })
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_names_aliases_and_suggestions() {
        assert_eq!(python_attr("Django"), PythonAttr::Found("django".into()));
        assert_eq!(
            python_attr("psycopg2_binary"),
            python_attr("psycopg2-binary")
        );
        assert_eq!(python_attr("Babel"), PythonAttr::Found("babel".into()));
        assert!(matches!(
            python_attr("flask-moment"),
            PythonAttr::Missing(_)
        ));
        assert!(matches!(python_attr("casbin"), PythonAttr::Renamed(t) if t == "pycasbin"));
        assert_eq!(
            service_module("netbox").as_deref(),
            Some("services/web-apps/netbox.nix")
        );
        assert_eq!(service_module("no-such-app"), None);
    }
}
