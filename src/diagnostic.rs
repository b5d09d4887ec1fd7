//! Errors about a description, rendered like a compiler's: `file:line:col`, the source line, a
//! caret under the offending span, what is wrong and how to fix it.

use std::fmt;
use std::ops::Range;

/// One problem in a description, tied to a byte range of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range in the description source (empty ranges point between characters).
    pub span: Range<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when app2nix knows.
    pub help: Option<String>,
    /// A byte range of the source line that must not be printed (a secret's value).
    pub redact: Option<Range<usize>>,
}

impl Diagnostic {
    /// A diagnostic at `span` without a fix.
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            help: None,
            redact: None,
        }
    }

    /// Attach a fix.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Render against the description's `source`, naming it `file`.
    pub fn render(&self, file: &str, source: &str) -> String {
        let start = source.floor_char_boundary(self.span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let text = source[line_start..line_end].trim_end_matches('\r');
        let col = source[line_start..start].chars().count() + 1;
        let end = source.floor_char_boundary(self.span.end.clamp(start, line_end));
        let width = source[start..end].chars().count().max(1);
        let gutter = " ".repeat(line_no.to_string().len());
        let mut out = format!(
            "error: {}\n{gutter}--> {file}:{line_no}:{col}\n{gutter} |\n",
            escaped(&self.message)
        );
        // A line that shows a secret (a secret-named key, a password in a URL, key material),
        // or that holds a value validation flagged, is echoed with its values masked: all of it,
        // not only the offending span.
        let shown = if self.redact.is_some() || crate::secrets::line_shows_secret(text) {
            masked(text)
        } else {
            text.to_string()
        };
        let (shown, col) = window(&printable(&shown), col);
        out.push_str(&format!("{line_no} | {shown}\n"));
        out.push_str(&format!(
            "{gutter} | {}{}\n",
            " ".repeat(col - 1),
            "^".repeat(width.min(ECHO_WIDTH))
        ));
        if let Some(help) = &self.help {
            out.push_str(&format!("{gutter} = help: {}\n", escaped(help)));
        }
        out
    }
}

/// The line with every value after its first `=` masked (all of it without one): letters,
/// digits and the like become `*`, while the punctuation of TOML (quotes, brackets, braces,
/// `=`, `,`) stays, and so do column positions, so the caret still points where it did.
fn masked(line: &str) -> String {
    let keep = line.find('=').map_or(0, |i| i + 1);
    line.char_indices()
        .map(|(i, c)| {
            if i < keep || c.is_whitespace() || "\"'[]{}=,".contains(c) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Longest part of a source line echoed: a description line of 400 KB is shown around the
/// caret, not whole.
const ECHO_WIDTH: usize = 120;

/// `line` cut to [`ECHO_WIDTH`] characters around column `col` (1-based), with `…` where it
/// was cut; and the caret's column in what is shown.
fn window(line: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= ECHO_WIDTH {
        return (line.to_string(), col);
    }
    let start = col
        .saturating_sub(ECHO_WIDTH / 2)
        .min(chars.len() - ECHO_WIDTH);
    let end = start + ECHO_WIDTH;
    let mut shown = String::new();
    let mut new_col = col - start;
    if start > 0 {
        shown.push('…');
        new_col += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, new_col.max(1))
}

/// `text` with every character that could garble a terminal or forge a line of output shown
/// as an escape (`\n`, `\u{1b}`): control characters and the bidirectional overrides and
/// isolates (which reorder what is shown). Messages, help, notes and `init`/`import`'s report
/// pass through it, since names read from lock files and projects reach all of them.
pub fn escaped(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if needs_escape(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Control characters would garble a terminal; show them as escapes.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

/// All problems found in one description, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Render every diagnostic, followed by a count line when there are several.
    pub fn render(&self, file: &str, source: &str) -> String {
        let mut out: Vec<String> = self.0.iter().map(|d| d.render(file, source)).collect();
        if self.0.len() > 1 {
            out.push(format!("error: {} problems in {file}\n", self.0.len()));
        }
        out.join("\n")
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{}", d.message)?;
        }
        Ok(())
    }
}

/// The closest candidate to `got`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&got.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(got.len()) / 3).max(1))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_caret() {
        let src = "[app]\nname = \"Bad Name\"\n";
        let d =
            Diagnostic::new(13..23, "invalid app name `Bad Name`").help("use lowercase letters");
        assert_eq!(
            d.render("app2nix.toml", src),
            "error: invalid app name `Bad Name`\n --> app2nix.toml:2:8\n  |\n2 | name = \"Bad Name\"\n  |        ^^^^^^^^^^\n  = help: use lowercase letters\n"
        );
    }

    /// A message or help built from inputs (a dependency's name, a lock's path) cannot forge a
    /// line of output or send a terminal escape (issue 20).
    #[test]
    fn messages_show_control_characters_escaped() {
        let d = Diagnostic::new(0..1, "bad `x\nerror: forged\u{1b}[2J`").help("a\u{202e}b\tc");
        let out = d.render("app2nix.toml", "x\n");
        assert!(
            out.starts_with("error: bad `x\\nerror: forged\\u{1b}[2J`\n"),
            "{out}"
        );
        assert!(out.contains("= help: a\\u{202e}b\\tc\n"), "{out}");
        assert_eq!(out.matches('\n').count(), 6, "{out}");
        assert_eq!(escaped("plain `é` text"), "plain `é` text");
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let d = Diagnostic::new(100..200, "x");
        assert!(d.render("f", "ab").contains("f:1:3"));
        let d = Diagnostic::new(1..2, "x");
        assert!(d.render("f", "é").contains("f:1:1"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("prot", ["port", "workers"]), Some("port"));
        assert_eq!(
            did_you_mean("wrokers", ["port", "workers"]),
            Some("workers")
        );
        assert_eq!(did_you_mean("zzz", ["port", "workers"]), None);
    }
}
