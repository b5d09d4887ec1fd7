//! System packages on a unit's `PATH` (`path = ["git"]` of a process or task) and the native
//! inputs of a locked Python package (`[package.python.native]`): nixpkgs attribute names,
//! checked against a small data file of the programs and libraries applications use
//! (`nixpkgs-tools.tsv`: attributes with their Debian and program names).
//!
//! nixpkgs has far too many attributes to list, and app2nix has no nixpkgs at hand: a known
//! attribute passes, a known other name (`tesseract-ocr`, `poppler_utils`) is an error naming
//! the attribute, and an unknown name is a note (the module fails to evaluate if nixpkgs lacks
//! it), with the closest known attribute when there is one.
//!
//! May call [`super::check`].

use std::collections::BTreeSet;

use super::check::{Checker, shown};
use crate::description::Sp;
use crate::diagnostic::did_you_mean;

/// The data file: `attribute<TAB>alias alias …` lines, `#` comments.
const TOOLS: &str = include_str!("nixpkgs-tools.tsv");

/// The attributes the data file lists.
fn attributes() -> impl Iterator<Item = &'static str> {
    rows().map(|(attr, _)| attr)
}

/// `(attribute, aliases)` of every row.
fn rows() -> impl Iterator<Item = (&'static str, &'static str)> {
    TOOLS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('\t').unwrap_or((l, "")))
}

/// The attribute another name (a Debian package, a program) stands for.
fn attribute_for(name: &str) -> Option<&'static str> {
    rows()
        .find(|(_, aliases)| aliases.split(' ').any(|a| a == name))
        .map(|(attr, _)| attr)
}

/// An attribute path as Nix reads it after `pkgs.`: identifiers (`poppler-utils`,
/// `texlive.combined.scheme-small`).
fn is_attribute_path(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.split('.').all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || "_-'".contains(c))
        })
}

/// A unit's `path`: valid, known or noted attribute paths, each once.
pub(super) fn path(c: &mut Checker, names: &[Sp<String>]) -> Vec<String> {
    attribute_list(c, "path", names)
}

/// The nixpkgs attributes of the list `key`: valid, known or noted attribute paths, each once.
pub(super) fn attribute_list(c: &mut Checker, key: &str, names: &[Sp<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            c.err(
                n.span(),
                format!("`{}` is listed twice", shown(n)),
                "keep one of them",
            );
            continue;
        }
        if let Some(rest) = n.strip_prefix("pkgs.") {
            c.err(
                n.span(),
                format!("`{}` names `pkgs` itself", shown(n)),
                format!("write the attribute without `pkgs.`: `{rest}`"),
            );
            continue;
        }
        if !is_attribute_path(n) {
            c.err(
                n.span(),
                format!("`{}` is not a nixpkgs attribute", shown(n)),
                "write a top-level attribute of nixpkgs, e.g. `git`, `poppler-utils`, `ffmpeg` (https://search.nixos.org/packages)",
            );
            continue;
        }
        if attributes().any(|a| a == n.as_str()) {
            out.push(n.to_string());
            continue;
        }
        if let Some(attr) = attribute_for(n) {
            c.err(
                n.span(),
                format!(
                    "`{}` is not the nixpkgs attribute of that program",
                    n.as_str()
                ),
                format!("did you mean `{attr}`? (nixpkgs' name for it)"),
            );
            continue;
        }
        let hint = match did_you_mean(n, attributes()) {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        c.note(format!(
            "`{key}` names `{}`, which is not among the nixpkgs attributes app2nix knows{hint}: the module fails to evaluate if nixpkgs has no such attribute (https://search.nixos.org/packages)",
            n.as_str()
        ));
        out.push(n.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_is_well_formed() {
        let attrs: Vec<&str> = attributes().collect();
        let unique: BTreeSet<&str> = attrs.iter().copied().collect();
        assert_eq!(attrs.len(), unique.len(), "an attribute is listed twice");
        for (attr, aliases) in rows() {
            assert!(is_attribute_path(attr), "{attr}");
            for a in aliases.split(' ').filter(|a| !a.is_empty()) {
                assert!(
                    !unique.contains(a),
                    "alias `{a}` of `{attr}` is an attribute too"
                );
            }
        }
        let mut sorted = attrs.clone();
        sorted.sort_unstable();
        assert_eq!(attrs, sorted, "keep the attributes sorted");
    }

    #[test]
    fn names_and_aliases() {
        assert_eq!(attribute_for("tesseract-ocr"), Some("tesseract"));
        assert_eq!(attribute_for("poppler_utils"), Some("poppler-utils"));
        assert!(is_attribute_path("texlive.combined.scheme-small"));
        assert!(!is_attribute_path("a b"));
        assert!(!is_attribute_path("${x}"));
        assert!(!is_attribute_path("1password"));
    }
}
