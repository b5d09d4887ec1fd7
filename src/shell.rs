//! Shell words: how app2nix splits command lines it reads (descriptions, units, Procfiles,
//! Compose files).

/// Split a command line the way systemd and POSIX shells do for simple cases: whitespace
/// separates words, single and double quotes group, backslash escapes in double quotes.
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        d => cur.push(d),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// One word as shells read it back unchanged, written so that shellcheck has nothing to say
/// (NixOS runs it on unit scripts when `systemd.enableStrictShellChecks` is set): bare when
/// made of characters no shell treats specially (nixpkgs' `lib.escapeShellArg` rule), else in
/// single quotes, except for the characters shellcheck wants in double quotes (`$`, `` ` ``, `\`
/// in single quotes are its SC2016 and SC1003, typographic single quotes its SC1112), which go
/// in a double-quoted part with `\`, `"`, `$` and `` ` `` escaped; typographic double quotes
/// (SC1111 in double quotes) stay in single quotes. A leading `~` is escaped outside the quotes
/// (quoted, it is SC2088).
pub fn quote(word: &str) -> String {
    if let Some(rest) = word.strip_prefix('~') {
        return if rest.is_empty() {
            "\\~".to_string()
        } else {
            format!("\\~{}", quote_rest(rest))
        };
    }
    quote_rest(word)
}

/// How a character is best quoted for shellcheck.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quotes {
    Single,
    Double,
}

fn wants(c: char) -> Option<Quotes> {
    match c {
        '$' | '`' | '\\' | '\'' | '\u{2018}' | '\u{2019}' => Some(Quotes::Double),
        '\u{201c}' | '\u{201d}' => Some(Quotes::Single),
        _ => None,
    }
}

fn quote_rest(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._+:@%/-".contains(c));
    if plain {
        return word.to_string();
    }
    if word.is_empty() {
        return "''".to_string();
    }
    // Runs of characters in one kind of quotes: a character that wants the other kind starts a
    // new run, any other one joins the current run.
    let first = word.chars().find_map(wants).unwrap_or(Quotes::Single);
    let mut runs: Vec<(Quotes, String)> = Vec::new();
    for c in word.chars() {
        let kind = wants(c).or(runs.last().map(|(k, _)| *k)).unwrap_or(first);
        match runs.last_mut() {
            Some((k, text)) if *k == kind => text.push(c),
            _ => runs.push((kind, c.to_string())),
        }
    }
    runs.iter()
        .map(|(kind, text)| match kind {
            Quotes::Single => format!("'{text}'"),
            Quotes::Double => {
                let mut out = String::from("\"");
                for c in text.chars() {
                    if matches!(c, '\\' | '"' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
                out
            }
        })
        .collect()
}

/// An argument vector as one shell command line.
pub fn join(args: &[String]) -> String {
    args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_quoted() {
        assert_eq!(quote("gunicorn"), "gunicorn");
        assert_eq!(quote("app.wsgi:application"), "app.wsgi:application");
        assert_eq!(quote("--bind=127.0.0.1:80"), "'--bind=127.0.0.1:80'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("$HOME"), "\"\\$HOME\"");
        assert_eq!(quote("a`b\\\""), "\"a\\`b\\\\\\\"\"");
        assert_eq!(quote("~"), "\\~");
        assert_eq!(quote("~/x y"), "\\~'/x y'");
        assert_eq!(quote("é"), "'é'");
    }

    #[test]
    fn words_reads_back_what_join_writes() {
        let args: Vec<String> = ["run", "a b", "it's", "", "$(x)", "\"q\"", "\\"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(words(&join(&args)), args);
    }
}
