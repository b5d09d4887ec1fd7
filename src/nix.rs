//! The one place where values become Nix source: string and attribute-name escaping, the rnix
//! parse check every generated file passes, and the nixfmt formatting it is written in.

/// Nix keywords: an attribute name spelled like one must be quoted.
const KEYWORDS: &[&str] = &[
    "assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with",
];

/// A Nix double-quoted string literal whose value is exactly `s`.
///
/// `\`, `"` and `${` are escaped so nothing in `s` can end the string or start an
/// interpolation; newlines, carriage returns and tabs use their escapes so the output stays on
/// one line. `s` must not contain NUL (Nix strings cannot hold it; validation rejects it).
pub fn string(s: &str) -> String {
    format!("\"{}\"", string_content(s))
}

/// The inside of a double-quoted Nix string whose value is exactly `s` (see [`string`]), for
/// text placed inside a literal that also holds other text.
pub fn string_content(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out
}

/// A Nix indented string (`''…''`) whose value is exactly `text`, one source line per line of
/// it: `''` and `${` are escaped, and every line is indented alike (Nix strips the indentation
/// the lines share). For text written by app2nix itself (the configuration files' renderer):
/// it must hold no tab nor carriage return and no line of spaces alone, which Nix's
/// indentation stripping would treat differently.
pub fn indented_string(text: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("  {}", line.replace("''", "'''").replace("${", "''${"))
            }
        })
        .collect();
    format!("''\n{}''", lines.join("\n"))
}

/// True when `s` can be written as a bare Nix identifier (and so as an unquoted attribute name).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&s)
}

/// Whether `s` can name a store path (Nix refuses other names when it instantiates a
/// derivation): letters, digits and `+-._?=`, not starting with `.`, at most 211 characters.
pub fn is_store_path_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 211
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._?=".contains(&b))
}

/// An attribute name: bare when it is a plain identifier that is not a keyword, quoted otherwise.
/// The interpreter `pkgs.<attr>` as Nix, with `overrides` (package → replacement) applied to
/// its whole package set: `let python = pkgs.python3.override { self = python;
/// packageOverrides = _final: prev: { django = prev.django_6; }; }; in python` (`self` makes
/// `python.pkgs` the overridden set, as nixpkgs' manual does it).
pub fn python_interpreter(
    attr: &str,
    overrides: &std::collections::BTreeMap<String, String>,
) -> String {
    if overrides.is_empty() {
        return format!("pkgs.{}", attr_name(attr));
    }
    let set: String = overrides
        .iter()
        .map(|(from, to)| format!("{} = prev.{};", attr_name(from), attr_name(to)))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "(let python = pkgs.{}.override {{ self = python; packageOverrides = _final: prev: {{ {set} }}; }}; in python)",
        attr_name(attr)
    )
}

pub fn attr_name(s: &str) -> String {
    if is_identifier(s) {
        s.to_string()
    } else {
        string(s)
    }
}

/// A Nix path expression for `rel`, a relative path (with `/` separators) from the generated
/// file's directory. Plain paths become path literals (`./app`, `../src`); anything a path
/// literal cannot spell is appended to `./.` as an escaped string.
pub fn relative_path(rel: &str) -> String {
    let rel = rel.trim_end_matches('/');
    let literal_ok = !rel.is_empty()
        && rel.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
        });
    if rel.is_empty() || rel == "." {
        "./.".to_string()
    } else if rel == ".." {
        // A path literal needs a slash: `..` alone is not one.
        "../.".to_string()
    } else if literal_ok && rel.starts_with("../") {
        rel.to_string()
    } else if literal_ok {
        format!("./{rel}")
    } else {
        format!("(./. + {})", string(&format!("/{rel}")))
    }
}

/// The value of `text` when it is exactly one Nix string literal without interpolation, as rnix
/// reads it back; `None` otherwise. The inverse of [`string`], used to prove escaping round-trips.
pub fn read_string_literal(text: &str) -> Option<String> {
    use rnix::ast::{Expr, InterpolPart};
    let root = rnix::Root::parse(text).ok().ok()?;
    let Expr::Str(s) = root.expr()? else {
        return None;
    };
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// A syntax error in text app2nix generated. Always an app2nix bug: values are escaped, so no
/// description can cause one.
#[derive(Debug)]
pub struct ParseFailure {
    /// 1-based line of the first error.
    pub line: usize,
    /// 1-based column of the first error.
    pub col: usize,
    /// rnix's description of the error.
    pub message: String,
}

/// Parse `text` with rnix and return the first error, if any. An empty `let in` counts as
/// one: valid Nix that no one writes, left by a template whose bindings were all conditional.
pub fn check_parses(text: &str) -> Result<(), ParseFailure> {
    use rnix::SyntaxKind as K;
    let parse = rnix::Root::parse(text);
    let (offset, message) = match parse.errors().first() {
        Some(err) => (error_offset(err), err.to_string()),
        None => {
            let empty_let = parse.syntax().descendants().find(|n| {
                n.kind() == K::NODE_LET_IN
                    && !n
                        .children()
                        .any(|c| matches!(c.kind(), K::NODE_ATTRPATH_VALUE | K::NODE_INHERIT))
            });
            match empty_let {
                Some(l) => (
                    usize::from(l.text_range().start()),
                    "a `let` without bindings".to_string(),
                ),
                None => return Ok(()),
            }
        }
    };
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(ParseFailure { line, col, message })
}

/// `text` as nixfmt (1.2, through its byte-compatible Rust port) formats it. `text` has passed
/// [`check_parses`]; a formatter failure is reported like a parse failure, as an app2nix bug.
pub fn format(text: &str) -> Result<String, ParseFailure> {
    nixfmt_rs::format(text).map_err(|e| ParseFailure {
        line: 0,
        col: 0,
        message: format!("nixfmt: {}", nixfmt_rs::format_error(text, None, &e)),
    })
}

fn error_offset(err: &rnix::ParseError) -> usize {
    use rnix::ParseError as E;
    let range = match err {
        E::Unexpected(r)
        | E::UnexpectedExtra(r)
        | E::UnexpectedWanted(_, r, _)
        | E::UnexpectedDoubleBind(r)
        | E::DuplicatedArgs(r, _) => Some(*r),
        _ => None,
    };
    range.map_or(usize::MAX, |r| usize::from(r.start()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnix::ast::{self, HasEntry, InterpolPart};

    fn read_back(literal: &str) -> Option<String> {
        read_string_literal(literal)
    }
    use rowan::ast::AstNode;

    #[test]
    fn strings_escape_the_three_dangerous_sequences() {
        assert_eq!(string(r#"a"b"#), r#""a\"b""#);
        assert_eq!(string(r"a\b"), r#""a\\b""#);
        assert_eq!(string("${x}"), r#""\${x}""#);
        assert_eq!(string("$x ${"), r#""$x \${""#);
        assert_eq!(string("line\nnext"), r#""line\nnext""#);
    }

    #[test]
    fn tricky_strings_round_trip() {
        for s in [
            "$${x}",
            "\\${x}",
            "$",
            "$\\",
            "''${x}",
            "\"${\"}",
            "a\tb\r\n",
            "€ ü 😀",
            "$$",
            "${",
            "\\",
        ] {
            assert_eq!(read_back(&string(s)).as_deref(), Some(s), "{s:?}");
        }
    }

    #[test]
    fn attribute_names_are_quoted_only_when_needed() {
        assert_eq!(attr_name("web"), "web");
        assert_eq!(attr_name("nanotrace-auth"), "nanotrace-auth");
        assert_eq!(attr_name("or"), "\"or\"");
        assert_eq!(attr_name("let"), "\"let\"");
        assert_eq!(attr_name("/api/"), "\"/api/\"");
        assert_eq!(attr_name("9lives"), "\"9lives\"");
        assert_eq!(attr_name("a.b"), "\"a.b\"");
        assert_eq!(attr_name(""), "\"\"");
    }

    #[test]
    fn quoted_attribute_names_read_back() {
        for name in ["or", "a.b", "${x}", "x\"y", "/api/"] {
            let src = format!("{{ {} = 1; }}", attr_name(name));
            let root = rnix::Root::parse(&src).ok().expect("parses");
            let ast::Expr::AttrSet(set) = root.expr().expect("expr") else {
                panic!("not a set")
            };
            let entry = set.attrpath_values().next().expect("one entry");
            let attr = entry
                .attrpath()
                .expect("path")
                .attrs()
                .next()
                .expect("attr");
            let ast::Attr::Str(s) = attr else {
                panic!("{name} not quoted")
            };
            let lit: String = s
                .normalized_parts()
                .into_iter()
                .map(|p| match p {
                    InterpolPart::Literal(l) => l,
                    InterpolPart::Interpolation(_) => panic!("interpolation in {name}"),
                })
                .collect();
            assert_eq!(lit, name);
            assert!(set.syntax().text().len() > 0.into());
        }
    }

    #[test]
    fn paths() {
        assert_eq!(relative_path("app"), "./app");
        assert_eq!(relative_path("../examples/x/app"), "../examples/x/app");
        assert_eq!(relative_path("."), "./.");
        assert_eq!(relative_path(".."), "../.");
        assert_eq!(relative_path("../"), "../.");
        assert_eq!(relative_path("my app"), r#"(./. + "/my app")"#);
        assert_eq!(relative_path("a/${b}"), r#"(./. + "/a/\${b}")"#);
        for p in ["app", "../x/y", "my app", "a/${b}", "."] {
            assert!(check_parses(&relative_path(p)).is_ok(), "{p}");
        }
    }

    #[test]
    fn an_empty_let_is_refused_where_it_stands() {
        let err = check_parses("{\n  a = let\n  in 1;\n}\n").expect_err("empty let");
        assert_eq!((err.line, err.col), (2, 7));
        assert_eq!(err.message, "a `let` without bindings");
        assert!(check_parses("let a = 1; in a").is_ok());
        assert!(check_parses("let inherit (x) y; in y").is_ok());
    }

    #[test]
    fn parse_errors_have_positions() {
        let err = check_parses("{\n  a = ;\n}").expect_err("invalid");
        assert_eq!(err.line, 2);
        assert!(check_parses("{ a = 1; }").is_ok());
    }
}
