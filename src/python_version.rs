//! Which interpreter a project gets, from what it says about Python: an exact pin
//! (`.python-version`, `runtime.txt`, a `python:3.11` image) or a requirement (`requires-python`,
//! Poetry's `python`). nixpkgs' `python3` is the default, since it is the only interpreter the
//! binary cache builds packages for; a description pins another only when the project cannot
//! run on it.

use crate::model::DEFAULT_PYTHON;

/// Interpreters nixpkgs 26.05 has, as app2nix accepts them.
pub const VERSIONS: &[&str] = &["3.11", "3.12", "3.13", "3.14"];

/// The interpreter's minor version in a pin or a bound: `3.12` from `3.12.4`, `python-3.12.4`,
/// `3.11-slim`, `>=3.11,<4` or `^3.11`.
pub fn minor(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_start_matches("python-")
        .trim_start_matches(['>', '=', '^', '~', ' ']);
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = digits.split('.');
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => Some(format!("{a}.{b}")),
        _ => None,
    }
}

/// What the description says about the interpreter, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// `version` to write (`None`: nixpkgs' python3).
    pub version: Option<String>,
    /// The decision, for the report.
    pub why: String,
}

fn parse(v: &str) -> Option<(u32, u32)> {
    let mut it = v.trim().split('.');
    let major = it.next()?.trim().parse().ok()?;
    let minor = it
        .next()
        .map(|m| m.trim().trim_end_matches('*').parse().unwrap_or(0))
        .unwrap_or(0);
    Some((major, minor))
}

/// Whether Python `v` (major, minor, any patch) satisfies one PEP 440 / Poetry specifier.
fn satisfies(v: (u32, u32), spec: &str) -> Option<bool> {
    let spec = spec.trim();
    let ops = ["~=", "==", "!=", ">=", "<=", ">", "<", "^", "~"];
    let op = ops
        .iter()
        .find(|o| spec.starts_with(**o))
        .copied()
        .unwrap_or("==");
    let version = spec.trim_start_matches(op).trim();
    let wildcard = version.ends_with(".*");
    let parts = version.trim_end_matches(".*").split('.').count();
    let bound = parse(version)?;
    Some(match op {
        // A patch-level bound (`>3.11.2`) leaves later patches of 3.11 in.
        ">" if parts >= 3 => v >= bound,
        ">" => v > bound,
        ">=" => v >= bound,
        "<" => v < bound,
        "<=" => v <= bound,
        "==" if wildcard && parts == 1 => v.0 == bound.0,
        "==" => v == bound,
        "!=" if wildcard || parts == 2 => v != bound,
        "!=" => true,
        // `~=3.11` and Poetry's `^3.11`: 3.11 and later 3.x; Poetry's `~3.11`: 3.11 only.
        "~=" | "^" => v >= bound && v.0 == bound.0,
        "~" => v.0 == bound.0 && v.1 == bound.1,
        _ => return None,
    })
}

/// Whether interpreter `version` (`3.13`) satisfies `requirement` (`>=3.11,<4`); `None` when
/// either cannot be read.
pub fn satisfies_requirement(version: &str, requirement: &str) -> Option<bool> {
    let v = parse(version)?;
    requirement
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| satisfies(v, s))
        .try_fold(true, |acc, s| Some(acc && s?))
}

/// The project's requirement (`>=3.11,<4`): nixpkgs' python3 when it satisfies it, else the
/// newest interpreter that does.
pub fn from_requirement(requirement: &str) -> Option<Choice> {
    let specs: Vec<&str> = requirement
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .collect();
    let ok = |v: &str| -> Option<bool> {
        let v = parse(v)?;
        specs
            .iter()
            .map(|s| satisfies(v, s))
            .try_fold(true, |acc, s| Some(acc && s?))
    };
    if ok(DEFAULT_PYTHON)? {
        return Some(Choice {
            version: None,
            why: format!("nixos-26.05's python3 ({DEFAULT_PYTHON}) satisfies `{requirement}`"),
        });
    }
    let newest = VERSIONS.iter().rev().find(|v| ok(v) == Some(true))?;
    Some(Choice {
        version: Some(newest.to_string()),
        why: format!(
            "version = \"{newest}\": nixos-26.05's python3 ({DEFAULT_PYTHON}) does not satisfy `{requirement}` (every dependency then builds from source)"
        ),
    })
}

/// An exact pin: nixpkgs' python3 when the pin is not newer (projects pinned to an older minor
/// usually run on it, and its packages come from the binary cache), else the pin.
pub fn from_pin(pin: &str, source: &str) -> Option<Choice> {
    let v = minor(pin)?;
    let newer = parse(&v)? > parse(DEFAULT_PYTHON)?;
    if newer && VERSIONS.contains(&v.as_str()) {
        return Some(Choice {
            version: Some(v.clone()),
            why: format!(
                "version = \"{v}\" from {source}: newer than nixos-26.05's python3 ({DEFAULT_PYTHON})"
            ),
        });
    }
    if newer {
        return None;
    }
    if v == DEFAULT_PYTHON {
        return Some(Choice {
            version: None,
            why: format!("{source} pins {v}: nixos-26.05's python3"),
        });
    }
    Some(Choice {
        version: None,
        why: format!(
            "{source} pins {v}; the description uses nixos-26.05's python3 ({DEFAULT_PYTHON}), whose packages the binary cache holds. If the app needs {v} exactly, add `version = \"{v}\"` (every dependency then builds from source)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minors_from_pins_and_bounds() {
        for (t, v) in [
            ("3.12.4\n", "3.12"),
            ("python-3.11.9", "3.11"),
            ("3.11-slim", "3.11"),
            (">=3.12,<4", "3.12"),
            ("^3.13", "3.13"),
        ] {
            assert_eq!(minor(t).as_deref(), Some(v), "{t}");
        }
        assert_eq!(minor("latest"), None);
    }

    #[test]
    fn requirements_keep_the_default_when_it_fits() {
        for r in [
            ">=3.11",
            ">=3.12,<4",
            "^3.11",
            "~=3.10",
            ">=3.9, !=3.10.*",
            "==3.13.*",
        ] {
            assert_eq!(from_requirement(r).expect(r).version, None, "{r}");
        }
        assert_eq!(
            from_requirement(">=3.10,<3.13")
                .expect("range")
                .version
                .as_deref(),
            Some("3.12")
        );
        assert_eq!(
            from_requirement("~3.11")
                .expect("poetry tilde")
                .version
                .as_deref(),
            Some("3.11")
        );
        assert_eq!(
            from_requirement(">=3.14")
                .expect("newer")
                .version
                .as_deref(),
            Some("3.14")
        );
        assert_eq!(from_requirement("<3.8"), None);
    }

    #[test]
    fn pins_keep_the_default_unless_newer() {
        assert_eq!(
            from_pin("3.12.4", ".python-version").expect("pin").version,
            None
        );
        assert_eq!(
            from_pin("3.14.0", ".python-version")
                .expect("pin")
                .version
                .as_deref(),
            Some("3.14")
        );
        assert_eq!(from_pin("latest", "Dockerfile"), None);
    }
}
