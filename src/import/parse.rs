//! Readers for the deployment files `import` understands, keeping line numbers for the report:
//! systemd units, nginx configuration, `.env` files, Dockerfiles and Compose files (YAML).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One `Key=Value` of a systemd unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitEntry {
    /// `Service`, `Unit`, `Install`.
    pub section: String,
    /// Setting name.
    pub key: String,
    /// Value (continuation lines joined).
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// Read a systemd unit file.
pub fn systemd_unit(text: &str) -> Vec<UnitEntry> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending: Option<UnitEntry> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(mut p) = pending.take() {
            let (part, more) = match line.strip_suffix('\\') {
                Some(x) => (x, true),
                None => (line, false),
            };
            p.value.push(' ');
            p.value.push_str(part.trim());
            if more {
                pending = Some(p);
            } else {
                out.push(p);
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let (v, more) = match v.strip_suffix('\\') {
                Some(x) => (x.trim_end(), true),
                None => (v, false),
            };
            let entry = UnitEntry {
                section: section.clone(),
                key: k.trim().to_string(),
                value: v.to_string(),
                line: i + 1,
            };
            if more {
                pending = Some(entry);
            } else {
                out.push(entry);
            }
        }
    }
    out.extend(pending);
    out
}

pub use crate::shell::words;

/// An nginx directive: `name args;` or `name args { children }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name.
    pub name: String,
    /// Arguments, unquoted.
    pub args: Vec<String>,
    /// Block contents (`None` for simple directives).
    pub block: Option<Vec<Directive>>,
    /// 1-based line of the name.
    pub line: usize,
}

/// Read an nginx configuration file (or fragment).
pub fn nginx(text: &str) -> Result<Vec<Directive>, String> {
    let mut tokens: Vec<(String, usize, bool)> = Vec::new(); // (text, line, quoted)
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while let Some(&d) = chars.peek() {
                    if d == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            ';' | '{' | '}' => {
                tokens.push((c.to_string(), line, false));
                chars.next();
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let start = line;
                let mut s = String::new();
                while let Some(d) = chars.next() {
                    match d {
                        d if d == quote => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                s.push(e);
                            }
                        }
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        d => s.push(d),
                    }
                }
                tokens.push((s, start, true));
            }
            _ => {
                let mut s = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_whitespace() || d == ';' || d == '{' || d == '}' {
                        break;
                    }
                    // `${var}` stays one word.
                    s.push(d);
                    chars.next();
                }
                tokens.push((s, line, false));
            }
        }
    }
    let mut pos = 0;
    let result = block(&tokens, &mut pos, 0)?;
    Ok(result)
}

/// Deepest block nesting read: real configurations nest a few levels (http, server, location,
/// if); a file of `{` must not exhaust the stack.
const MAX_NESTING: usize = 32;

fn block(
    tokens: &[(String, usize, bool)],
    pos: &mut usize,
    depth: usize,
) -> Result<Vec<Directive>, String> {
    let nested = depth > 0;
    if depth > MAX_NESTING {
        let line = tokens.get(*pos).map_or(0, |t| t.1);
        return Err(format!(
            "line {line}: blocks nested deeper than {MAX_NESTING} levels"
        ));
    }
    let mut out = Vec::new();
    while *pos < tokens.len() {
        let (t, line, quoted) = &tokens[*pos];
        if t == "}" && !quoted {
            if nested {
                *pos += 1;
                return Ok(out);
            }
            return Err(format!("line {line}: unexpected `}}`"));
        }
        let name = t.clone();
        let name_line = *line;
        *pos += 1;
        let mut args = Vec::new();
        loop {
            let Some((t, line, quoted)) = tokens.get(*pos) else {
                return Err(format!(
                    "line {name_line}: `{name}` is not terminated by `;` or a block"
                ));
            };
            *pos += 1;
            if !quoted && t == ";" {
                out.push(Directive {
                    name,
                    args,
                    block: None,
                    line: name_line,
                });
                break;
            }
            if !quoted && t == "{" {
                let children = block(tokens, pos, depth + 1)?;
                out.push(Directive {
                    name,
                    args,
                    block: Some(children),
                    line: name_line,
                });
                break;
            }
            if !quoted && t == "}" {
                return Err(format!("line {line}: unexpected `}}`"));
            }
            args.push(t.clone());
        }
    }
    if nested {
        return Err("unterminated block: a `}` is missing".into());
    }
    Ok(out)
}

/// One `KEY=value` of an environment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    /// Variable name.
    pub key: String,
    /// Value, unquoted.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// Read a `.env` file (`KEY=value`, optional `export`, quotes, comments).
pub fn dotenv(text: &str) -> Vec<EnvEntry> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim_start();
        let quote = v.chars().next().filter(|q| *q == '"' || *q == '\'');
        let value = match quote {
            // A quoted value may span lines (PEM keys, JSON): it ends at its closing quote.
            Some(q) => {
                let mut value = v[1..].to_string();
                loop {
                    if let Some(end) = value.find(q) {
                        value.truncate(end);
                        break;
                    }
                    match lines.next() {
                        Some((_, next)) => {
                            value.push('\n');
                            value.push_str(next);
                        }
                        None => break,
                    }
                }
                value
            }
            // An unquoted value ends at ` #`.
            None => v.split(" #").next().unwrap_or("").trim().to_string(),
        };
        out.push(EnvEntry {
            key: k.trim().to_string(),
            value,
            line: i + 1,
        });
    }
    out
}

/// A YAML node with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A scalar, as written.
    Scalar(String, usize),
    /// A sequence.
    Seq(Vec<Yaml>, usize),
    /// A mapping with keys in order.
    Map(Vec<(String, Yaml)>, usize),
    /// `~` / empty.
    Null(usize),
}

impl Yaml {
    /// 1-based line.
    pub fn line(&self) -> usize {
        match self {
            Yaml::Scalar(_, l) | Yaml::Seq(_, l) | Yaml::Map(_, l) | Yaml::Null(l) => *l,
        }
    }

    /// `self[key]` for mappings.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(items, _) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar's text.
    pub fn str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s, _) => Some(s),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Yaml, Option<String>)>,
    done: Option<Yaml>,
    anchors: std::collections::BTreeMap<usize, Yaml>,
}

impl Builder {
    fn push_value(&mut self, v: Yaml, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => self.done = Some(v),
            Some((Yaml::Seq(items, _), _)) => items.push(v),
            Some((Yaml::Map(items, _), key)) => match key.take() {
                None => {
                    *key = Some(match &v {
                        Yaml::Scalar(s, _) => s.clone(),
                        _ => String::new(),
                    })
                }
                Some(k) => items.push((k, v)),
            },
            Some(_) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(s, style, anchor, _) => {
                let v = if s == "~"
                    || (s.is_empty() && style == yaml_rust2::scanner::TScalarStyle::Plain)
                    || s == "null"
                {
                    Yaml::Null(line)
                } else {
                    Yaml::Scalar(s, line)
                };
                self.push_value(v, anchor);
            }
            Event::SequenceStart(_, _) => self.stack.push((Yaml::Seq(Vec::new(), line), None)),
            Event::MappingStart(_, _) => self.stack.push((Yaml::Map(Vec::new(), line), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((v, _)) = self.stack.pop() {
                    self.push_value(v, 0);
                }
            }
            Event::Alias(id) => {
                let v = self.anchors.get(&id).cloned().unwrap_or(Yaml::Null(line));
                self.push_value(v, 0);
            }
            _ => {}
        }
    }
}

/// Read a YAML document (the first one).
pub fn yaml(text: &str) -> Result<Yaml, String> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| e.to_string())?;
    Ok(b.done.unwrap_or(Yaml::Null(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_lines_and_continuations() {
        let u = systemd_unit("[Service]\n# c\nExecStart=/bin/x \\\n  --flag\nUser=me\n");
        assert_eq!(u[0].value, "/bin/x --flag");
        assert_eq!((u[1].key.as_str(), u[1].line), ("User", 5));
    }

    #[test]
    fn words_follow_shell_quoting() {
        assert_eq!(words(r#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"]);
    }

    #[test]
    fn nginx_blocks_nest() {
        let d =
            nginx("server {\n  listen 443 ssl; # tls\n  location / { proxy_pass http://x; }\n}\n")
                .expect("parses");
        let server = &d[0];
        let body = server.block.as_ref().expect("block");
        assert_eq!(body[0].args, ["443", "ssl"]);
        assert_eq!(body[1].line, 3);
        assert!(nginx("server {").is_err());
    }

    /// Found by the hostile-input review: a multi-line quoted value (a PEM key, JSON) was split
    /// into bogus entries, one per line, and echoed.
    #[test]
    fn dotenv_multiline_values_are_one_value() {
        let text = "A=1\nKEY=\"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\"\nJSON='{\n \"a\": 1\n}'\nB=2\n";
        let entries = dotenv(text);
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["A", "KEY", "JSON", "B"]);
        assert!(
            entries[1].value.starts_with("-----BEGIN") && entries[1].value.ends_with("KEY-----")
        );
        assert_eq!(entries[3].line, 8);
    }

    /// Found by the hostile-input review: 60 KB of `{` overflowed the stack (exit 134).
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let err = nginx(&"{".repeat(60_000)).expect_err("too deep");
        assert!(err.contains("nested deeper than 32"), "{err}");
        assert!(nginx(&format!("{}x;{}", "a {".repeat(30), "}".repeat(30))).is_ok());
    }

    #[test]
    fn dotenv_values() {
        let e = dotenv("A=1\nexport B=\"x y\"\n# c\nC=v # note\n");
        assert_eq!(
            e.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(),
            ["1", "x y", "v"]
        );
    }

    #[test]
    fn yaml_with_lines() {
        let y =
            yaml("services:\n  web:\n    image: x\n    ports:\n      - \"80:80\"\n").expect("yaml");
        let web = y.get("services").and_then(|s| s.get("web")).expect("web");
        assert_eq!(web.get("image").and_then(Yaml::str), Some("x"));
        assert_eq!(web.get("ports").map(Yaml::line), Some(5));
    }
}
