//! What counts as a secret, decided in one place and used everywhere a value is read, copied or
//! shown (the description's checks, `init` and `import`, their report, error messages): variable
//! names, values (URL passwords, password fields, key material, tokens), and file names that
//! can hold secrets (kept out of every generated source, which the Nix store makes
//! world-readable). In doubt: a secret.

use std::path::Path;

/// Base names of files that can hold secrets, as globs (`*` matches any run of characters). The
/// generated sources leave them out, and `check` says when it did.
pub const SECRET_FILES: &[&str] = &[
    ".env*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".pgpass",
    ".htpasswd",
    "credentials.json",
    "client_secret*.json",
    "service-account*.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "secrets.toml",
    "secrets.ini",
];

/// Whether a file's base name is one of [`SECRET_FILES`].
pub fn is_secret_file(base_name: &str) -> bool {
    SECRET_FILES.iter().any(|g| glob_matches(g, base_name))
}

/// [`SECRET_FILES`] as one POSIX extended regular expression for Nix's `builtins.match`, which
/// matches whole strings.
pub fn secret_file_regex() -> String {
    let alternatives: Vec<String> = SECRET_FILES
        .iter()
        .map(|g| {
            g.chars()
                .map(|c| match c {
                    '*' => ".*".to_string(),
                    c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c.to_string(),
                    c => format!("\\{c}"),
                })
                .collect()
        })
        .collect();
    format!("({})", alternatives.join("|"))
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn glob_matches(glob: &str, name: &str) -> bool {
    match glob.split_once('*') {
        None => glob == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| glob_matches(rest, &tail[i..]))
        }
    }
}

/// Files under `dir` that a generated source leaves out because they can hold secrets, as paths
/// relative to `dir`. Version-control directories (which `lib.cleanSource` drops anyway) are not
/// entered; the walk stops after `limit` entries, so a huge tree cannot stall `check`.
pub fn secret_files_in(dir: &Path, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    let mut seen = 0;
    while let Some((path, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            seen += 1;
            if seen > limit {
                found.sort();
                return found;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(kind) = e.file_type() else {
                continue;
            };
            if is_secret_file(&name) {
                found.push(rel);
            } else if kind.is_dir() && ![".git", ".hg", ".svn", "CVS"].contains(&name.as_str()) {
                stack.push((e.path(), rel));
            }
        }
    }
    found.sort();
    found
}

// ---------------------------------------------------------------------------------------------
// Names and values.

/// Parts that make a name secret wherever they stand in it (`DBPASSWORD`, `STRIPE_SECRET_KEY`).
const SECRET_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "CREDENTIAL",
    "PRIVATE",
    "APIKEY",
    "API_KEY",
    "ACCESSKEY",
    "ACCESS_KEY",
    "AUTHKEY",
    "AUTH_KEY",
    "DSN",
    "WEBHOOK",
    "SIGNING",
];

/// Words that make a name secret as one of its `_`-separated words (`GITHUB_PAT`, `API_TOKEN_2`),
/// unless the name ends in a word that describes the secret instead of holding it (`TOKEN_TTL`).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "TOKENS",
    "KEY",
    "KEYS",
    "PASS",
    "PWD",
    "PAT",
    "SALT",
    "PEPPER",
    "AUTH",
    "OTP",
    "TOTP",
    "HMAC",
    "JWT",
    "COOKIE",
    "SESSION",
    "SIGNATURE",
];

/// Last words of names that describe a secret rather than hold it.
const DESCRIPTORS: &[&str] = &[
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "LIFETIME",
    "AGE",
    "LENGTH",
    "LEN",
    "SIZE",
    "ALGORITHM",
    "ALG",
    "TYPE",
    "NAME",
    "HEADER",
    "PREFIX",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ENABLED",
    "ENABLE",
    "ID",
    "SECURE",
    "DOMAIN",
    "ISSUER",
    "AUDIENCE",
    "SAMESITE",
    "HTTPONLY",
    "MODE",
    "VERSION",
    "COUNT",
    "LIMIT",
    "BACKEND",
    "ENGINE",
];

/// Whether a variable name looks like it holds a secret. In doubt it does: `TOKEN_TTL` and
/// `COOKIE_NAME` do not; `API_TOKEN_2`, `DBPASSWORD`, `GITHUB_PAT`, `SESSION_COOKIE` do.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if SECRET_PARTS.iter().any(|s| upper.contains(s)) {
        return true;
    }
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    words.iter().any(|w| SECRET_WORDS.contains(w)) && !DESCRIPTORS.contains(last)
}

/// Why a value looks like a secret whatever its name, or `None`.
pub fn secret_value(value: &str) -> Option<&'static str> {
    if has_url_password(value) {
        return Some("a URL with a password");
    }
    if has_password_field(value) {
        return Some("a password field");
    }
    if value.contains("-----BEGIN") || value.contains("PRIVATE KEY") {
        return Some("key material");
    }
    if [
        "\"private_key\"",
        "\"client_secret\"",
        "\"refresh_token\"",
        "\"password\"",
    ]
    .iter()
    .any(|k| value.contains(k))
    {
        return Some("credentials JSON");
    }
    if has_token_prefix(value) {
        return Some("an access token");
    }
    if has_random_blob(value) {
        return Some("a random-looking string (a key or a token)");
    }
    None
}

/// Whether a `name=value` pair must be neither shown nor copied.
pub fn is_secret(name: &str, value: &str) -> bool {
    (is_secret_name(name) && !is_path_reference(name, value)) || secret_value(value).is_some()
}

/// `DB_PASSWORD_FILE=/run/secrets/db`: the name of a secret, the value only a path to it.
fn is_path_reference(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    (upper.ends_with("_FILE") || upper.ends_with("_PATH") || upper.ends_with("_DIR"))
        && value.starts_with('/')
        && !value.contains(char::is_whitespace)
        && secret_value(value).is_none()
}

/// `scheme://user:password@host…`, also `redis://:pw@h` and a `/` inside the password (clients
/// split at the last `@`).
pub fn has_url_password(v: &str) -> bool {
    v.match_indices("://").any(|(i, _)| {
        let rest = &v[i + 3..];
        let rest = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        rest.rfind('@').is_some_and(|at| rest[..at].contains(':'))
    })
}

/// `password=…`, `pwd=…`, `secret=…` fields of connection strings (`host=db password=x`,
/// `jdbc:…?password=x`, `Password=x;`).
fn has_password_field(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    [
        "password=",
        "passwd=",
        "pwd=",
        "pass=",
        "secret=",
        "token=",
        "apikey=",
        "api_key=",
        "access_key=",
        "sig=",
    ]
    .iter()
    .any(|field| {
        lower.match_indices(field).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + field.len()..].chars().next();
            before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
                && after.is_some_and(|c| !c.is_whitespace() && c != '&' && c != ';')
        })
    })
}

/// Prefixes of well-known access tokens (GitHub, GitLab, Stripe, Slack, AWS, Google, …).
fn has_token_prefix(v: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ghp_",
        "gho_",
        "ghs_",
        "ghu_",
        "github_pat_",
        "glpat-",
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "xoxb-",
        "xoxp-",
        "xapp-",
        "AKIA",
        "ASIA",
        "AIza",
        "sk-",
        "SG.",
        "npm_",
        "pypi-",
    ];
    v.split(|c: char| c.is_whitespace() || "\"'=:,;".contains(c))
        .any(|w| {
            PREFIXES
                .iter()
                .any(|p| w.starts_with(p) && w.len() >= p.len() + 16)
        })
}

/// A long run of letters and digits with many different characters: the shape of keys and
/// tokens, not of words, paths, URLs or version numbers.
fn has_random_blob(v: &str) -> bool {
    v.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
        .any(|w| {
            let w = w.trim_end_matches('=');
            let mut seen = [false; 128];
            let distinct = w
                .bytes()
                .filter(|b| *b < 128 && !std::mem::replace(&mut seen[usize::from(*b)], true))
                .count();
            w.len() >= 32
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().any(|c| c.is_ascii_lowercase())
                && w.chars().any(|c| c.is_ascii_uppercase())
                && distinct >= 16
        })
}

/// `text` with every secret it shows replaced by `…`: the value of a `NAME=value` whose name or
/// value is secret (`--env=SECRET_KEY=…`, `Environment=A=1 DB_PASSWORD=…`), URL passwords
/// (`redis://u:…@h`), password fields and tokens. For report lines and echoed commands.
pub fn mask(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hiding_until_quote: Option<char> = None;
    // `NAME = value` / `NAME: value`: the word after the separator belongs to NAME.
    let mut value_of_secret = false;
    for word in text.split(' ') {
        if let Some(q) = hiding_until_quote {
            // The rest of a quoted secret value: hidden up to its closing quote.
            if word.contains(q) {
                hiding_until_quote = None;
            }
            continue;
        }
        if value_of_secret && !word.is_empty() && word != "=" && word != ":" {
            value_of_secret = false;
            // How a secret is delivered (`SECRET_KEY = "env"`), never the secret itself.
            if ["\"env\"", "\"file\"", "\"acme\""]
                .iter()
                .any(|d| word.trim_end_matches([',', ':', ';', ')']) == *d)
            {
                out.push(word.to_string());
                continue;
            }
            out.push("…".into());
            hiding_until_quote = word
                .chars()
                .next()
                .filter(|q| (*q == '"' || *q == '\'') && word[1..].find(*q).is_none());
            continue;
        }
        // `NAME = value` / `NAME: value` written with spaces, or `NAME: value`.
        let spaced_assignment = (word == "=" || word == ":")
            && out
                .last()
                .is_some_and(|prev| is_secret_name(prev.trim_end_matches(':')));
        if spaced_assignment || word.strip_suffix(':').is_some_and(is_secret_name) {
            value_of_secret = true;
        }
        let (masked, open_quote) = mask_word(word);
        out.push(masked);
        hiding_until_quote = open_quote;
    }
    out.join(" ")
}

/// Longest word whose `NAME=value` parts are looked at one by one; a longer one (minified text,
/// a fuzzer's input) is judged whole, so masking stays linear in the text.
const LONGEST_WORD: usize = 1024;

/// One word of [`mask`]: the masked word, and the quote a hidden value left open.
fn mask_word(word: &str) -> (String, Option<char>) {
    if word.len() > LONGEST_WORD {
        let secret = secret_value(word).is_some()
            || SECRET_PARTS
                .iter()
                .any(|p| word.to_ascii_uppercase().contains(p));
        return (
            if secret {
                "…".into()
            } else {
                word.to_string()
            },
            None,
        );
    }
    for (pos, _) in word.match_indices(['=', ':']) {
        let name: String = word[..pos]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let value = &word[pos + 1..];
        if value.is_empty() {
            continue;
        }
        let colon_ok = word.as_bytes()[pos] == b'='
            || name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        if !name.is_empty() && colon_ok && is_secret(&name, value.trim_matches(['"', '\''])) {
            if !is_secret_name(&name)
                && has_url_password(value)
                && secret_value(&mask_url(value).replace(":…@", "@")).is_none()
            {
                return (format!("{}{}", &word[..=pos], mask_url(value)), None);
            }
            let open = value
                .chars()
                .next()
                .filter(|q| (*q == '"' || *q == '\'') && value[1..].find(*q).is_none());
            return (format!("{}…", &word[..=pos]), open);
        }
    }
    if has_url_password(word) {
        return (mask_url(word), None);
    }
    if secret_value(word).is_some() {
        return ("…".into(), None);
    }
    (word.to_string(), None)
}

/// `scheme://user:…@host` for a URL with a password.
fn mask_url(word: &str) -> String {
    let Some(i) = word.find("://") else {
        return "…".into();
    };
    let rest = &word[i + 3..];
    match (rest.rfind('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}{}:…{}", &word[..i + 3], &rest[..colon], &rest[at..])
        }
        _ => "…".into(),
    }
}

/// Keys of the description whose names sound secret but whose values only name a secret, a file
/// or a public key (`dns_credentials = "CF_DNS"`, `password_file = "/etc/…"`, `host_keys`).
const REFERENCE_KEYS: &[&str] = &[
    "dns_credentials",
    "password_file",
    "environment_file",
    "environment_files",
    "secrets_dir",
    "host_keys",
    "admin_keys",
    "key",
    "certificate",
];

/// Whether a line of a description would show a secret if echoed: a `NAME = value` with a
/// secret name anywhere on it, or anything [`mask`] would hide.
pub fn line_shows_secret(line: &str) -> bool {
    // In doubt, a secret: a line this long is not read key by key.
    if line.len() > 4 * LONGEST_WORD {
        return true;
    }
    // Values that are secret whatever their key (`NAME=value` words, URL passwords, tokens).
    if line.split_whitespace().any(|w| mask_word(w).0 != w) {
        return true;
    }
    // `NAME = value`, `NAME=value` and `NAME: value` with a secret name that is not one of the
    // description's own keys naming where a secret is (`password_file`, `key`, …).
    line.match_indices(['=', ':']).any(|(pos, _)| {
        let key = line[..pos].trim_end();
        let key = key.trim_end_matches(['"', '\'']);
        // The name is the run of name characters before `=`: it starts after the last other
        // character, which may be several bytes long.
        let start = key
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = &key[start..];
        let value = line[pos + 1..].trim_start();
        let value = value.trim_start_matches(['"', '\'', '[']);
        let value = &value[..value.floor_char_boundary(LONGEST_WORD.min(value.len()))];
        !name.is_empty()
            && ((is_secret_name(name) && !REFERENCE_KEYS.contains(&name))
                || secret_value(value).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_multibyte_characters_before_an_equals_sign() {
        // A regression: the key's start was found one byte after a multi-byte character.
        assert!(!line_shows_secret("command = ':🫧ⶭ\\.Q~?🕴=x'"));
        assert!(line_shows_secret("🕴PASSWORD = 'x'"));
    }

    #[test]
    fn secret_file_names() {
        for name in [
            ".env",
            ".env.production",
            ".envrc",
            "server.pem",
            "tls.key",
            "id_ed25519",
            "credentials.json",
            "client_secret_123.json",
        ] {
            assert!(is_secret_file(name), "{name}");
        }
        for name in [
            "env.py",
            "id_ed25519.pub",
            "keys.py",
            "main.py",
            "key.txt",
            "secrets.py",
        ] {
            assert!(!is_secret_file(name), "{name}");
        }
    }

    #[test]
    fn the_regex_matches_the_same_names() {
        let re = secret_file_regex();
        assert!(re.starts_with("(\\.env.*|.*\\.pem|"), "{re}");
        assert!(re.contains("|id_ed25519|"), "{re}");
    }

    #[test]
    fn the_walk_finds_nested_secret_files_and_skips_git() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["app/.env", "app/certs/tls.key", ".git/x.pem", "app/main.py"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, "").expect("write");
        }
        assert_eq!(
            secret_files_in(dir.path(), 1000),
            vec!["app/.env".to_string(), "app/certs/tls.key".to_string()]
        );
    }

    #[test]
    fn secret_names() {
        for s in [
            "SECRET_KEY",
            "MAIL_PASSWORD",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "api_key",
            "SECRET_KEY_BASE",
            "API_TOKEN_2",
            "DBPASSWORD",
            "APIKEY",
            "PASSWD",
            "SMTP_CREDENTIALS",
            "STRIPE_SECRET_KEY_LIVE",
            "GITHUB_PAT",
            "SENTRY_DSN",
            "SLACK_WEBHOOK_URL",
            "AWS_ACCESS_KEY_ID",
            "SESSION_COOKIE",
            "ENCRYPTION_KEY",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "MAIL_SERVER",
            "KEYCLOAK_URL",
            "TOKEN_TTL",
            "DB_POOL_SIZE",
            "COOKIE_NAME",
            "COOKIE_AGE",
            "COOKIE_SECURE",
            "JWT_ALGORITHM",
            "MAIL_USERNAME",
            "CLIENT_ID",
            "CACHE_KEY_PREFIX",
            "SESSION_ENGINE",
            "ALLOWED_HOSTS",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }

    #[test]
    fn secret_values() {
        for v in [
            "postgresql://u:pw@host/db",
            "redis://:pw@cache:6379/0",
            "redis://u:pw/x@h",
            "mongodb://u:pw@a,b/db?replicaSet=x",
            "rest:https://backup:pw@backup.example.org/repo",
            "host=db user=app password=hunter2",
            "jdbc:postgresql://h/db?user=a&password=b",
            "Server=x;Password=y;",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "{\"type\": \"service_account\", \"private_key\": \"x\"}",
            "ghp_0123456789abcdefghijklmnopqrstuv",
            "sk_live_0123456789abcdefghijklmnop",
            "AKIAABCDEFGHIJKLMNOP1234",
            "q8Fz3LkP0wX9mN2vB7cR4tY6uH1jG5sDaE",
        ] {
            assert!(secret_value(v).is_some(), "{v}");
        }
        for v in [
            "postgresql://u@host/db",
            "https://example.org/a/b",
            "production",
            "/var/lib/app/db.sqlite3",
            "NanoTrace <no-reply@nanotrace.org>",
            "rtutils.example.com,localhost,127.0.0.1",
            "s3:s3.amazonaws.com/your-backup-bucket",
            "true",
        ] {
            assert_eq!(secret_value(v), None, "{v}");
        }
        assert!(is_secret("DB_PASSWORD", "hunter2"));
        assert!(!is_secret("DB_PASSWORD_FILE", "/run/secrets/db"));
        assert!(is_secret("CACHE", "redis://:pw@h"));
    }

    #[test]
    fn masking_hides_values_and_keeps_the_rest() {
        assert_eq!(
            mask("ExecStart=/bin/app --env=SECRET_KEY=hunter2 --bind 0.0.0.0:80"),
            "ExecStart=/bin/app --env=SECRET_KEY=… --bind 0.0.0.0:80"
        );
        assert_eq!(
            mask("ENV A=0 SECRET_KEY=x DB_PASSWORD=\"y z\" B=1"),
            "ENV A=0 SECRET_KEY=… DB_PASSWORD=… B=1"
        );
        assert_eq!(
            mask("--broker=amqp://u:pw@rabbit/vhost"),
            "--broker=amqp://u:…@rabbit/vhost"
        );
        assert_eq!(mask("SetCredential=TOKEN:abc"), "SetCredential=…");
        // In doubt: a credential setting is hidden even when it names a path.
        assert_eq!(mask("LoadCredential=TOKEN:/run/keys/t"), "LoadCredential=…");
        assert_eq!(
            mask("proxy_pass http://user:pw@backend"),
            "proxy_pass http://user:…@backend"
        );
        assert_eq!(mask("workers = 3"), "workers = 3");
        assert_eq!(mask("secret_key = \"abc def\" more"), "secret_key = … more");
        assert_eq!(mask("API_TOKEN: xyz"), "API_TOKEN: …");
        assert_eq!(
            mask("[secrets] API_TOKEN = \"env\" (x)"),
            "[secrets] API_TOKEN = \"env\" (x)"
        );
    }

    #[test]
    fn lines_with_secrets_are_recognised() {
        for l in [
            "SECRET_KEY = x",
            "DB_PASSWORD = 123",
            "SECRET_KEY = [\"x\"]",
            "env = { MODE = \"a\", API_TOKEN = \"b\" }",
            "DATABASE_URL = \"postgres://u:pw@h/db\"",
        ] {
            assert!(line_shows_secret(l), "{l}");
        }
        assert!(!line_shows_secret("workers = 3"));
        // Linear: a 200 KB line of `{a=` is judged in well under a second.
        let start = std::time::Instant::now();
        let long = format!("name = {}1{}", "{a=".repeat(60_000), "}".repeat(60_000));
        assert!(line_shows_secret(&long));
        assert!(mask(&long).len() <= long.len());
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert!(!line_shows_secret("name = \"demo\""));
    }
}
