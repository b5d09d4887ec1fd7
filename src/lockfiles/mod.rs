//! Lock files app2nix builds from: `uv.lock` (Python, built with uv2nix) and
//! `package-lock.json` (npm, built with nixpkgs' `importNpmLock`). Each is read into a summary
//! of what the generated Nix needs and what `check` reports: the packages, the workspace's own
//! ones, those that must be built from source, and why a lock cannot be used.
//!
//! Calls nothing of the crate but [`crate::input`] (reading files).

pub mod npm;
pub mod uv;

/// PEP 503 normalization of a Python package name (`Flask_SQLAlchemy` → `flask-sqlalchemy`),
/// as uv writes names in `uv.lock` and uv2nix names its packages.
pub fn normalize_python_name(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_names_are_normalized() {
        assert_eq!(
            normalize_python_name("Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(normalize_python_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_python_name("a--b__c"), "a-b-c");
    }
}
