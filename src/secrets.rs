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

/// Parts that make a word of a name secret wherever they stand in it (`DBPASSWORD`,
/// `NGROK_AUTHTOKEN`).
const SECRET_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "CREDENTIAL",
    "PRIVATE",
    "APIKEY",
    "ACCESSKEY",
    "AUTHKEY",
    "MASTERKEY",
    "AUTHTOKEN",
    "APITOKEN",
    "ACCESSTOKEN",
    "REFRESHTOKEN",
    "BEARERTOKEN",
    "DSN",
    "WEBHOOK",
    "SIGNING",
];

/// Words that make a name secret (`GITHUB_PAT`, `API_TOKEN_2`, `ADMIN_PW`).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "TOKENS",
    "KEY",
    "KEYS",
    "PASS",
    "PW",
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

/// Words that, after a secret word, make the name describe a secret rather than hold it
/// (`TOKEN_TTL`, `ACCESS_TOKEN_EXPIRE_MINUTES`, `PASSWORD_MIN_LENGTH`, `AUTH_PROVIDER`).
const DESCRIPTORS: &[&str] = &[
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "LIFETIME",
    "AGE",
    "SECONDS",
    "SECS",
    "MINUTES",
    "MINS",
    "HOURS",
    "DAYS",
    "MS",
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "SIZE",
    "ALGORITHM",
    "ALGORITHMS",
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
    "REQUIRED",
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
    "BACKENDS",
    "ENGINE",
    "PROVIDER",
    "POLICY",
    "RESET",
    "FORMAT",
    "FIELD",
    "PARAM",
    "SCOPE",
    "SCOPES",
    "HASHERS",
    "VALIDATORS",
    "CLASS",
    "CLASSES",
    "MODEL",
    "METHOD",
    "FILE",
    "PATH",
    "DIR",
];

/// Words that, before a key or token word, make it one that is not a secret (`PUBLIC_KEY`,
/// `STRIPE_PUBLISHABLE_KEY`, `RECAPTCHA_SITE_KEY`, `SORT_KEY`, `OPENAI_MAX_TOKENS`).
const QUALIFIERS: &[&str] = &[
    "PUBLIC",
    "PUBLISHABLE",
    "SITE",
    "SORT",
    "PARTITION",
    "PRIMARY",
    "FOREIGN",
    "ROUTING",
    "IDEMPOTENCY",
    "CACHE",
    "MAX",
    "MIN",
];

/// The words of a name, upper-cased: split at non-alphanumerics and at camelCase humps
/// (`apiToken` → `API`, `TOKEN`); words of digits alone are dropped.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    words.push(cur);
    words.retain(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()));
    words
}

fn is_secret_word(w: &str) -> bool {
    SECRET_WORDS.contains(&w) || SECRET_PARTS.iter().any(|p| w.contains(p))
}

/// Where the secret words of a name stand, and whether each is described (a descriptor follows
/// it) or qualified (a qualifier precedes it).
fn secret_mentions(name: &str) -> Vec<(bool, bool)> {
    let words = name_words(name);
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| is_secret_word(w))
        .map(|(i, _)| {
            // A webhook or a DSN is a URL whose knowledge is the credential: `…_URL` holds it.
            let is_url_secret = ["WEBHOOK", "DSN"].iter().any(|p| words[i].contains(p));
            let described = !is_url_secret
                && words[i + 1..]
                    .iter()
                    .any(|d| DESCRIPTORS.contains(&d.as_str()));
            let qualified = i > 0
                && QUALIFIERS.contains(&words[i - 1].as_str())
                && !SECRET_PARTS.iter().any(|p| words[i].contains(p));
            (described, qualified)
        })
        .collect()
}

/// Whether a variable name looks like it holds a secret: a secret word or part anywhere, not
/// followed by a word that describes it nor preceded by one that makes it public. In doubt it
/// does: `TOKEN_TTL`, `PUBLIC_KEY` and `COOKIE_NAME` do not; `API_TOKEN_2`, `DBPASSWORD`,
/// `GITHUB_PAT`, `apiToken`, `SESSION_COOKIE` do.
pub fn is_secret_name(name: &str) -> bool {
    secret_mentions(name).iter().any(|(d, q)| !d && !q)
}

/// `DB_PASSWORD_FILE`, `SSH_KEY_PATH`: the name of where a secret is kept.
fn names_a_secret_location(name: &str) -> bool {
    let words = name_words(name);
    matches!(
        words.last().map(String::as_str),
        Some("FILE" | "PATH" | "DIR")
    ) && secret_mentions(name).iter().any(|(_, q)| !q)
}

/// `$NAME` or `${NAME}`: a reference to a variable, which holds no value itself.
pub fn is_variable_reference(s: &str) -> bool {
    let inner = s
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| s.strip_prefix('$'));
    inner.is_some_and(|n| {
        !n.is_empty()
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    })
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
    if has_http_credential(value) {
        return Some("an HTTP credential");
    }
    if has_random_blob(value) {
        return Some("a random-looking string (a key or a token)");
    }
    None
}

/// Whether a `name=value` pair must be neither shown nor copied. A reference to a variable
/// (`$DB_PASSWORD`) holds no value and is never secret.
pub fn is_secret(name: &str, value: &str) -> bool {
    if is_variable_reference(value) {
        return false;
    }
    is_secret_name(name)
        || secret_value(value).is_some()
        || (names_a_secret_location(name) && !is_path(value))
}

/// `/run/secrets/db`: a path, as a name of where a secret is kept should hold.
fn is_path(value: &str) -> bool {
    (value.starts_with('/') || value.starts_with("./") || value.starts_with('$'))
        && !value.contains(char::is_whitespace)
}

/// `scheme://user:password@host…`, also `redis://:pw@h` and a `/` inside the password (clients
/// split at the last `@`).
/// A password that is a variable reference (`amqp://u:$RABBIT_PASSWORD@h`) is not one.
pub fn has_url_password(v: &str) -> bool {
    v.match_indices("://").any(|(i, _)| {
        let rest = &v[i + 3..];
        let rest = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        rest.rfind('@').is_some_and(|at| {
            rest[..at]
                .split_once(':')
                .is_some_and(|(_, pw)| !is_variable_reference(pw))
        })
    })
}

/// `password=…`, `pwd=…`, `private_token=…` fields of connection strings and query strings
/// (`host=db password=x`, `jdbc:…?password=x`, `Password=x;`, `?access_token=x`): a field whose
/// name is secret, with a value that is neither empty, a variable reference nor a plain switch.
fn has_password_field(v: &str) -> bool {
    v.split(|c: char| c.is_whitespace() || "&?;,\"'".contains(c))
        .filter_map(|field| field.split_once('='))
        .any(|(name, value)| {
            let name = name.trim_start_matches('-');
            let plain = [
                "", "true", "false", "none", "yes", "no", "0", "1", "required", "optional",
            ]
            .contains(&value.to_ascii_lowercase().as_str());
            (is_secret_name(name) || name.eq_ignore_ascii_case("sig"))
                && !plain
                && !is_variable_reference(value)
        })
}

/// `Basic dXNlcjpw…`, `Bearer eyJ…`, `Token abc…`: an `Authorization` header's value.
fn has_http_credential(v: &str) -> bool {
    let v = v.trim();
    ["Basic ", "Bearer ", "Token ", "Digest "]
        .iter()
        .any(|scheme| {
            v.strip_prefix(scheme)
                .is_some_and(|c| c.trim().len() >= 8 && !is_variable_reference(c.trim()))
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
            let mixed = w.chars().any(|c| c.is_ascii_lowercase())
                && w.chars().any(|c| c.is_ascii_uppercase())
                && distinct >= 16;
            // Hex keys (`openssl rand -hex 32`) are one case only.
            let hex = w.chars().all(|c| c.is_ascii_hexdigit())
                && w.chars().any(|c| c.is_ascii_alphabetic())
                && distinct >= 10;
            w.len() >= 32 && w.chars().any(|c| c.is_ascii_digit()) && (mixed || hex)
        })
}

/// Options of known programs that take a password as their next word (`redis-cli -a PW`,
/// `curl -u USER:PW`); long options named like a secret (`--password PW`, `--api-token T`) do
/// too, for any program.
const PASSWORD_OPTIONS: &[(&str, &str)] = &[
    ("redis-cli", "-a"),
    ("sshpass", "-p"),
    ("curl", "-u"),
    ("curl", "--user"),
    ("wget", "--user"),
    ("smbclient", "-U"),
];

/// Programs that take a password attached to `-p` (`mysql -pPW`).
const ATTACHED_PASSWORD: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mariadb",
    "mariadb-dump",
];

/// The program a word names, if it is one of those above (`/usr/bin/mysqldump`,
/// `ExecStart=/usr/bin/redis-cli`).
fn known_program(word: &str) -> Option<&'static str> {
    let path = word.rsplit('=').next().unwrap_or(word);
    let base = path.rsplit('/').next().unwrap_or(path);
    PASSWORD_OPTIONS
        .iter()
        .map(|(p, _)| *p)
        .chain(ATTACHED_PASSWORD.iter().copied())
        .find(|p| *p == base)
}

/// Whether `option`, a word of a command run by `program`, is followed by a secret.
fn option_takes_secret(program: Option<&str>, option: &str) -> bool {
    if !option.starts_with('-') || option.contains('=') {
        return false;
    }
    (option.starts_with("--") && is_secret_name(option.trim_start_matches('-')))
        || program.is_some_and(|p| PASSWORD_OPTIONS.contains(&(p, option)))
}

/// `-pPW` of the programs in [`ATTACHED_PASSWORD`].
fn is_attached_password(program: Option<&str>, word: &str) -> bool {
    program.is_some_and(|p| ATTACHED_PASSWORD.contains(&p))
        && word.len() > 2
        && word.starts_with("-p")
        && !is_variable_reference(&word[2..])
}

/// Why a command (its argument vector) holds a secret, or `None`: a secret-looking argument,
/// `NAME=value` with a secret name or value, a password option's value (`--password PW`,
/// `redis-cli -a PW`, `mysql -pPW`). References (`--password "$DB_PASSWORD"`) are fine: the
/// value comes from the environment when the command runs.
pub fn command_secret(args: &[String]) -> Option<&'static str> {
    let mut program = None;
    for (i, arg) in args.iter().enumerate() {
        program = known_program(arg).or(program);
        if let Some(why) = secret_value(arg) {
            return Some(why);
        }
        if let Some((name, value)) = arg.split_once('=')
            && is_secret(name.trim_start_matches('-'), value)
        {
            return Some("a secret given as an option");
        }
        let next_is_value = args
            .get(i + 1)
            .is_some_and(|v| !v.starts_with('-') && !is_variable_reference(v));
        if is_attached_password(program, arg)
            || (option_takes_secret(program, arg) && next_is_value)
        {
            return Some("a password given as an option");
        }
    }
    None
}

/// `text` with every secret it shows replaced by `…`: the value of a `NAME=value` whose name or
/// value is secret (`--env=SECRET_KEY=…`, `Environment=A=1 DB_PASSWORD=…`), URL passwords
/// (`redis://u:…@h`), password fields and tokens. For report lines and echoed commands.
pub fn mask(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hiding_until_quote: Option<char> = None;
    // `NAME = value` / `NAME: value`: the word after the separator belongs to NAME.
    let mut value_of_secret = false;
    // The program whose options are read (`redis-cli -a PW`), and an option waiting for its value.
    let mut program = None;
    let mut option_value = false;
    for word in text.split(' ') {
        if let Some(q) = hiding_until_quote {
            // The rest of a quoted secret value: hidden up to its closing quote.
            if word.contains(q) {
                hiding_until_quote = None;
            }
            continue;
        }
        let bare = word.trim_matches(|c| "\"'[],".contains(c));
        program = known_program(bare).or(program);
        if std::mem::take(&mut option_value) && !bare.is_empty() && !is_variable_reference(bare) {
            out.push("…".into());
            continue;
        }
        if is_attached_password(program, bare) {
            out.push("-p…".into());
            continue;
        }
        // An option taking a password, or a variable named like a secret given its value
        // (nginx's `set $api_key VALUE;`).
        option_value = option_takes_secret(program, bare)
            || bare
                .strip_prefix('$')
                .is_some_and(|v| !v.is_empty() && is_secret_name(v));
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
    // From the right: in `--env=SECRET_KEY=x` the innermost pair is the one to mask.
    for (pos, _) in word.rmatch_indices(['=', ':']) {
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
    // A command written in the line, as a string or a list of strings.
    let quoted = quoted_strings(line);
    if command_secret(&quoted).is_some()
        || quoted
            .iter()
            .any(|q| command_secret(&crate::shell::words(q)).is_some())
    {
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

/// The contents of the quoted strings of a line (`"…"` with `\` escapes, `'…'`).
fn quoted_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' && c != '\'' {
            continue;
        }
        let mut s = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' if c == '"' => s.extend(chars.next()),
                d if d == c => break,
                d => s.push(d),
            }
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The adversarial review's cases: names and values real deployments use.
    #[test]
    fn the_reviews_names_and_values() {
        for name in [
            "ADMIN_PW",
            "MYSQL_ROOT_PW",
            "NGROK_AUTHTOKEN",
            "apiToken",
            "dbPassword",
            "SECRET_KEY_BASE",
            "SLACK_WEBHOOK_URL",
            "AWS_ACCESS_KEY_ID",
            "SECRET_KEY_FALLBACKS",
        ] {
            assert!(is_secret_name(name), "{name} is a secret");
        }
        for name in [
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "PASSWORD_RESET_TIMEOUT",
            "SESSION_EXPIRE_AT_BROWSER_CLOSE",
            "TOKEN_EXPIRY_SECONDS",
            "SORT_KEY",
            "PASSWORD_MIN_LENGTH",
            "AUTH_PROVIDER",
            "STRIPE_PUBLISHABLE_KEY",
            "RECAPTCHA_SITE_KEY",
            "PUBLIC_KEY",
            "OPENAI_MAX_TOKENS",
            "KEY_PREFIX",
            "PUBLIC_KEY_URL",
            "SESSION_COOKIE_NAME",
            "CACHE_KEY_PREFIX",
            "AUTH_PASSWORD_VALIDATORS",
        ] {
            assert!(!is_secret_name(name), "{name} is not a secret");
        }
        assert!(is_secret("DB_PASSWORD_FILE", "hunter2"));
        assert!(!is_secret("DB_PASSWORD_FILE", "/run/secrets/db"));
        assert!(!is_secret("DB_PASSWORD", "$DB_PASSWORD"));
        for value in [
            "https://gitlab.example.com/api/v4?private_token=zz9-gitlab-token",
            "https://example.com/hook?access_token=zz9-access-token",
            "4f3c2a9b1d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
            "Basic dXNlcjpodW50ZXIy",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30",
        ] {
            assert!(secret_value(value).is_some(), "{value} is a secret");
        }
        for value in [
            "amqp://demo:$RABBIT_PASSWORD@rabbit/demo",
            "postgresql://db/app?sslmode=require",
            "--password-file=/run/secrets/db",
        ] {
            assert_eq!(secret_value(value), None, "{value}");
        }
    }

    #[test]
    fn secrets_in_command_arguments() {
        let args = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        for cmd in [
            args(&["redis-cli", "-a", "hunter2", "monitor"]),
            args(&["app", "--password", "hunter2"]),
            crate::shell::words("app --db-password hunter2"),
            crate::shell::words("/usr/bin/mysqldump -uroot -pzz9-mysql-p db"),
            crate::shell::words("curl -u admin:zz9-curl-u https://x"),
            crate::shell::words("app --env=SECRET_KEY=x"),
        ] {
            assert!(command_secret(&cmd).is_some(), "{cmd:?}");
        }
        for cmd in [
            args(&["app", "--password", "$DB_PASSWORD"]),
            crate::shell::words("celery --broker=amqp://demo:$RABBIT_PASSWORD@rabbit/demo worker"),
            crate::shell::words("app --password=\"$DB_PASSWORD\""),
            crate::shell::words("gunicorn -p /run/app.pid app:app"),
            crate::shell::words("mysql --host db app"),
        ] {
            assert_eq!(command_secret(&cmd), None, "{cmd:?}");
        }
        assert_eq!(
            mask("ExecStartPost=/usr/bin/mysqldump -uroot -pzz9-mysql-p db"),
            "ExecStartPost=/usr/bin/mysqldump -uroot -p… db"
        );
        assert_eq!(mask("curl -u admin:zz9 https://x"), "curl -u … https://x");
        assert_eq!(
            mask("redis-cli -a hunter2 monitor"),
            "redis-cli -a … monitor"
        );
        assert_eq!(mask("set $api_key zz9-nginx;"), "set $api_key …");
        assert!(line_shows_secret(
            r#"comand = ["redis-cli", "-a", "hunter2"]"#
        ));
        assert!(line_shows_secret(
            r#"command = "app --db-password hunter2""#
        ));
        assert!(!line_shows_secret(
            r#"command = "app --password $DB_PASSWORD""#
        ));
    }

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
        assert_eq!(mask("SetCredential=TOKEN:abc"), "SetCredential=TOKEN:…");
        // In doubt: a credential setting is hidden even when it names a path.
        assert_eq!(
            mask("LoadCredential=TOKEN:/run/keys/t"),
            "LoadCredential=TOKEN:…"
        );
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
