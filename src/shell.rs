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

/// One word as POSIX shells read it back unchanged: bare when it is made of characters no shell
/// treats specially, else in single quotes (a `'` inside becomes `'\''`). The same rule as
/// nixpkgs' `lib.escapeShellArg`, applied when rendering so that a generated script is one
/// readable line.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._+:@%/-".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
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
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("~"), "'~'");
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
