//! `.env` files: the reader ([`dotenv`], `KEY=value` lines with `export`, quotes, multi-line
//! quoted values and comments) and the mapper (every entry goes through the shared variable
//! classification, [`super::variables`]). `init` maps the `.env` files of a project with
//! [`Importer::dotenv_variables`].
//!
//! It may call [`super::variables`] only.

use super::{Importer, Input, file_name};

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

impl Importer {
    /// An environment file given to import: its variables, and its name for the units' and
    /// services' references to it (`EnvironmentFile=`, `env_file:`).
    pub(super) fn env_file(&mut self, input: &Input) {
        self.env_files.push(file_name(&input.name));
        self.dotenv_variables(&input.name, &input.text);
    }

    /// The variables of the `.env` text `text` of file `file`, each classified.
    pub(crate) fn dotenv_variables(&mut self, file: &str, text: &str) {
        for e in dotenv(text) {
            self.variable(file, e.line, &e.key, &e.value, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn dotenv_values() {
        let e = dotenv("A=1\nexport B=\"x y\"\n# c\nC=v # note\n");
        assert_eq!(
            e.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(),
            ["1", "x y", "v"]
        );
    }
}
