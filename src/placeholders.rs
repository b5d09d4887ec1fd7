//! Values that come from the deployment: `{{name}}` inside a plain value of the description
//! (`[env]`, process and task `env`, `[build.env]`, configuration file templates). The syntax is
//! the one place that decides what a placeholder is; the model checks where each may stand, the
//! module renders it as a Nix expression over the module's options (so changing a site's domains
//! changes every value that names them), and the configuration files' renderer (the
//! `templates/render-files.py` it ships) reads the same syntax at start.
//!
//! The syntax: `{{`, optional spaces or tabs, a name (or the quoted `"{{"`, a literal `{{`),
//! optional spaces or tabs, `}}`. Of a run of `{`, the last two open the placeholder
//! (`{{{domain}}: 1}` is `{` and `{{domain}}`), so the braces of JSON and Python around one stay
//! literal. Every other character is literal: `{{` cannot collide with shell `$`, systemd `%`
//! or Nix `${`.
//!
//! Calls nothing of the crate but [`crate::diagnostic`] (for "did you mean").

use std::collections::BTreeSet;

/// A value a placeholder stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Name {
    /// `domain`: the first domain of the first site (`main` first, then by name).
    Domain,
    /// `domains`: every domain of every site.
    Domains,
    /// `url`: `https://` (`http://` for a site without TLS) and `domain`.
    Url,
    /// `origins`: the URL of every domain of every site.
    Origins,
    /// `state_dir`: the module's state directory option.
    StateDir,
    /// `logs_dir`: `/var/log/<app>`.
    LogsDir,
    /// `runtime_dir`: `/run/<app>`.
    RuntimeDir,
    /// `source`: the built source tree in the store (the build's `$out` while it builds).
    Source,
    /// `host`: the address a listening process listens on.
    Host,
    /// `port`: its port.
    Port,
    /// `listen`: `host:port`, or its socket.
    Listen,
    /// `secret.NAME`: the value of a secret, in configuration files only.
    Secret(String),
}

/// Every name but `secret.NAME`, as written, with what it is (for messages and the README).
pub const NAMES: &[(&str, Name, &str)] = &[
    ("domain", Name::Domain, "the first domain of the first site"),
    ("domains", Name::Domains, "every domain of every site"),
    ("url", Name::Url, "`https://` and the first domain"),
    ("origins", Name::Origins, "the URL of every domain"),
    ("state_dir", Name::StateDir, "the state directory"),
    ("logs_dir", Name::LogsDir, "the logs directory"),
    ("runtime_dir", Name::RuntimeDir, "the runtime directory"),
    ("source", Name::Source, "the built source tree"),
    ("host", Name::Host, "the process's listening address"),
    ("port", Name::Port, "the process's port"),
    (
        "listen",
        Name::Listen,
        "the process's address and port, or its socket",
    ),
];

impl Name {
    /// The name as written between the braces.
    pub fn written(&self) -> String {
        match self {
            Name::Secret(s) => format!("secret.{s}"),
            other => NAMES
                .iter()
                .find(|(_, n, _)| n == other)
                .map_or_else(String::new, |(w, _, _)| (*w).to_string()),
        }
    }

    /// Whether the value is a list in the typed formats of configuration files (a
    /// comma-separated list in environment variables and text).
    pub fn is_list(&self) -> bool {
        matches!(self, Name::Domains | Name::Origins)
    }

    /// Whether the value comes from the sites.
    pub fn needs_site(&self) -> bool {
        matches!(
            self,
            Name::Domain | Name::Domains | Name::Url | Name::Origins
        )
    }

    /// Whether the value is a listening process's own (`host`, `port`, `listen`).
    pub fn is_process_address(&self) -> bool {
        matches!(self, Name::Host | Name::Port | Name::Listen)
    }
}

/// A piece of a value: literal text, or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text (a written `{{ "{{" }}` is the text `{{`).
    Text(String),
    /// A placeholder.
    Value(Name),
}

/// A value of the description, parsed: literal text and placeholders, adjacent texts merged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub Vec<Part>);

impl Text {
    /// A value without placeholders.
    pub fn plain(s: &str) -> Self {
        if s.is_empty() {
            Text(Vec::new())
        } else {
            Text(vec![Part::Text(s.to_string())])
        }
    }

    /// The value when it names no placeholder.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Value(_) => return None,
            }
        }
        Some(out)
    }

    /// The placeholders it names.
    pub fn names(&self) -> impl Iterator<Item = &Name> {
        self.0.iter().filter_map(|p| match p {
            Part::Value(n) => Some(n),
            Part::Text(_) => None,
        })
    }

    /// Its literal text with each placeholder written back (`{{domain}}`) and a literal `{{`
    /// as `{{ "{{" }}`: what [`parse`] reads as this value.
    pub fn written(&self) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Text(t) => out.push_str(&t.replace("{{", "{{ \"{{\" }}")),
                Part::Value(n) => out.push_str(&format!("{{{{{}}}}}", n.written())),
            }
        }
        out
    }

    fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Part::Text(t)) = self.0.last_mut() {
            t.push_str(s);
        } else {
            self.0.push(Part::Text(s.to_string()));
        }
    }
}

/// Why a value's placeholders cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the `{{` in the value.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Where the next placeholder opens at or after `from`: the last two of a run of `{`.
fn next_open(s: &str, from: usize) -> Option<usize> {
    let mut i = from + s.get(from..)?.find("{{")?;
    while s[i + 2..].starts_with('{') {
        i += 1;
    }
    Some(i)
}

/// Spaces and tabs, which may surround a name.
fn blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A secret's name: an environment variable name.
fn is_secret_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Parse a value. Every `{{` must open a placeholder that ends with `}}` on the same line.
pub fn parse(s: &str) -> Result<Text, SyntaxError> {
    let mut out = Text::default();
    let mut pos = 0;
    while let Some(open) = next_open(s, pos) {
        out.push_text(&s[pos..open]);
        let rest = &s[open + 2..];
        let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
        let Some(close) = line.find("}}") else {
            return Err(SyntaxError {
                at: open,
                message: "`{{` opens a placeholder that is not closed with `}}` on its line".into(),
                help:
                    "write a placeholder as `{{domain}}`; a literal `{{` is written `{{ \"{{\" }}`"
                        .into(),
            });
        };
        let inner = line[..close].trim_matches(blank);
        if inner == "\"{{\"" {
            out.push_text("{{");
        } else {
            out.0.push(Part::Value(name(inner, open)?));
        }
        pos = open + 2 + close + 2;
    }
    out.push_text(&s[pos..]);
    Ok(out)
}

/// The placeholder `inner` (between the braces, trimmed) names.
fn name(inner: &str, at: usize) -> Result<Name, SyntaxError> {
    if let Some((_, n, _)) = NAMES.iter().find(|(w, _, _)| *w == inner) {
        return Ok(n.clone());
    }
    if let Some(secret) = inner.strip_prefix("secret.")
        && is_secret_name(secret)
    {
        return Ok(Name::Secret(secret.to_string()));
    }
    let shown: String = inner
        .chars()
        .flat_map(char::escape_debug)
        .take(60)
        .collect();
    let known = NAMES.iter().map(|(w, _, _)| *w).chain(["secret.NAME"]);
    let help = match crate::diagnostic::did_you_mean(inner, known.clone()) {
        Some(s) => format!(
            "did you mean `{{{{{s}}}}}`? (a literal `{{{{` is written `{{{{ \"{{{{\" }}}}`)"
        ),
        None => format!(
            "the placeholders are {}; a literal `{{{{` is written `{{{{ \"{{{{\" }}}}`",
            known
                .map(|k| format!("`{{{{{k}}}}}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(SyntaxError {
        at,
        message: format!("unknown placeholder `{{{{{shown}}}}}`"),
        help,
    })
}

/// The names a set of values uses, for the module to define only what it needs.
pub fn used<'a>(texts: impl IntoIterator<Item = &'a Text>) -> BTreeSet<Name> {
    texts.into_iter().flat_map(|t| t.names().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> Vec<Part> {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}")).0
    }

    #[test]
    fn placeholders_and_literal_text() {
        assert_eq!(
            parts("https://{{domain}}/x"),
            vec![
                Part::Text("https://".into()),
                Part::Value(Name::Domain),
                Part::Text("/x".into())
            ]
        );
        assert_eq!(parts("{{ domains }}"), vec![Part::Value(Name::Domains)]);
        assert_eq!(
            parts("{{\tsecret.SECRET_KEY }}"),
            vec![Part::Value(Name::Secret("SECRET_KEY".into()))]
        );
        assert_eq!(
            parts("a {{ \"{{\" }} b }}"),
            vec![Part::Text("a {{ b }}".into())]
        );
        assert_eq!(
            parts("$HOME %h ${x} }}"),
            vec![Part::Text("$HOME %h ${x} }}".into())]
        );
        assert_eq!(parts(""), vec![]);
    }

    #[test]
    fn a_run_of_braces_opens_at_its_last_two() {
        assert_eq!(
            parts("{1: {{{domain}}: 2}}"),
            vec![
                Part::Text("{1: {".into()),
                Part::Value(Name::Domain),
                Part::Text(": 2}}".into())
            ]
        );
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_errors() {
        let e = parse("x {{domian}}").expect_err("unknown");
        assert_eq!(e.at, 2);
        assert!(e.help.contains("`{{domain}}`"), "{}", e.help);
        assert!(parse("{{ domain").is_err());
        assert!(parse("{{ domain\n}}").is_err());
        assert!(parse("{{secret.}}").is_err());
        assert!(parse("{{secret.9X}}").is_err());
        assert!(parse("{{}}").is_err());
    }

    #[test]
    fn written_text_reads_back() {
        for s in [
            "a{{domain}}b",
            "{{ \"{{\" }}{{url}}",
            "{{{{{ \"{{\" }}",
            "x}}",
            "{{ secret.A }}",
        ] {
            let t = parse(s).expect("parses");
            assert_eq!(parse(&t.written()).expect("reads back"), t, "{s}");
        }
    }
}
