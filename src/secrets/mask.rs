//! Showing text without its secrets: masking report lines and echoed commands, whether a
//! description line shows a secret (so an error message masks it whole), and which commands hold
//! a secret (a URL password, `--password PW`, `redis-cli -a PW`, `mysql -pPW`).
//!
//! May call: the classification of [`super`], [`crate::shell`] (splitting words).

use super::{
    SECRET_PARTS, has_url_password, has_url_token, is_auth_scheme, is_credential_header, is_secret,
    is_secret_name, is_variable_reference, secret_value,
};

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
    // After a credential header (`Authorization:`) or scheme (`Bearer`): the credential to
    // hide, the quote the header opened (`-H "X-Api-Key: a b"`: all of it is hidden), and
    // whether it follows a header (then whatever comes is hidden; after a scheme alone, a word
    // of prose is not: "Basic setup").
    let mut credential: Option<(Option<char>, bool)> = None;
    for word in text.split(' ') {
        if let Some(q) = hiding_until_quote {
            // The rest of a quoted secret value: hidden up to its closing quote.
            if word.contains(q) {
                hiding_until_quote = None;
            }
            continue;
        }
        let bare = word.trim_matches(|c| "\"'[],".contains(c));
        let token = bare.trim_end_matches(';');
        if let Some((quote, after_header)) = credential.take()
            && !token.is_empty()
        {
            let closes = quote.is_some_and(|q| word.contains(q));
            if after_header && is_auth_scheme(token) && !closes {
                credential = Some((quote.or_else(|| opened_quote(word)), true));
                out.push(word.to_string());
                continue;
            }
            let prose = !after_header && token.chars().all(|c| c.is_ascii_lowercase());
            if token.starts_with('$') {
                // A reference (`Bearer $TOKEN`): the value comes when the command runs.
                out.push(word.to_string());
                continue;
            }
            if !prose {
                out.push("…".into());
                hiding_until_quote = quote.filter(|_| !closes).or_else(|| opened_quote(word));
                continue;
            }
        }
        if let Some(start) = credential_start(token, word) {
            credential = Some(start);
            out.push(word.to_string());
            continue;
        }
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

/// A credential header (`Authorization:`, also after `--header=` or `NAME=`) or scheme
/// (`Bearer`) starting at `word`: the quote it opens, and whether it is a header.
fn credential_start(token: &str, word: &str) -> Option<(Option<char>, bool)> {
    if let Some(header) = token.strip_suffix(':')
        && is_credential_header(header.rsplit('=').next().unwrap_or(header))
    {
        return Some((opened_quote(word), true));
    }
    ["Bearer", "Basic", "Digest"]
        .contains(&token)
        .then(|| (opened_quote(word), false))
}

/// The quote a word opens and leaves open (`"Authorization:`).
fn opened_quote(word: &str) -> Option<char> {
    word.chars()
        .next()
        .filter(|q| (*q == '"' || *q == '\'') && word[1..].find(*q).is_none())
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
    // Two passes. First, from the left, the first pair whose *name* is secret hides everything
    // after it, so a separator inside a secret value (`PASSWORD="+PwA="`, where `PwA` reads like
    // a name) can never leave part of that value shown; `--env=SECRET_KEY=x` keeps `SECRET_KEY`.
    // Then, from the right, the innermost pair whose *value* is secret (`--db=postgres://u:pw@h`).
    let pairs = || word.match_indices(['=', ':']).map(|(pos, _)| pos);
    let by_name = pairs().find(|&pos| {
        let name = pair_name(word, pos);
        !word[pos + 1..].is_empty() && separator_fits(word, pos, &name) && is_secret_name(&name)
    });
    let by_value = || {
        pairs().rev().find(|&pos| {
            let (name, value) = (pair_name(word, pos), &word[pos + 1..]);
            !value.is_empty()
                && !name.is_empty()
                && separator_fits(word, pos, &name)
                && is_secret(&name, value.trim_matches(['"', '\'']))
        })
    };
    if let Some(pos) = by_name.or_else(by_value) {
        let value = &word[pos + 1..];
        if !is_secret_name(&pair_name(word, pos))
            && (has_url_password(value) || has_url_token(value))
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
    if (has_url_password(word) || has_url_token(word))
        && secret_value(&mask_url(word).replace(":…@", "@")).is_none()
    {
        return (mask_url(word), None);
    }
    if secret_value(word).is_some() {
        return ("…".into(), None);
    }
    (word.to_string(), None)
}

/// The name left of the separator at `pos` in a word: the letters, digits and `_` before it.
fn pair_name(word: &str, pos: usize) -> String {
    let name: Vec<char> = word[..pos]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    name.into_iter().rev().collect()
}

/// `NAME=value` always pairs; `NAME:value` only for an upper-case name (`TOKEN:abc` as in
/// `SetCredential=`), so `host:port` and `scheme:` are no pairs.
fn separator_fits(word: &str, pos: usize, name: &str) -> bool {
    word.as_bytes()[pos] == b'=' || name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// `scheme://user:…@host` for a URL with a password, `scheme://…@host` for one with a key in
/// place of its user name.
fn mask_url(word: &str) -> String {
    let Some(i) = word.find("://") else {
        return "…".into();
    };
    let rest = &word[i + 3..];
    match (rest.rfind('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}{}:…{}", &word[..i + 3], &rest[..colon], &rest[at..])
        }
        (Some(at), _) => format!("{}…{}", &word[..i + 3], &rest[at..]),
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
    fn credential_headers_in_commands_and_echoes() {
        let w = crate::shell::words;
        for cmd in [
            w(r#"curl -H "Authorization: Bearer PLANTEDh6" http://x"#),
            w(r#"curl -H "Authorization: Basic dXNlcjpw" http://x"#),
            w(r#"curl -H 'X-Api-Key: X' http://x"#),
            w(r#"curl --header=Proxy-Authorization:Bearer\ abc http://x"#),
            w(r#"curl -H "X-Auth-Token: abc" http://x"#),
            w(r#"curl -H "Cookie: sessionid=abc" http://x"#),
            w(r#"curl -H "Authorization: token ghx" http://x && uvicorn main:app"#),
        ] {
            assert!(command_secret(&cmd).is_some(), "{cmd:?}");
        }
        for cmd in [
            w(r#"curl -H "Accept: application/json" http://x"#),
            w(r#"curl -H "Authorization: Bearer $API_TOKEN" http://x"#),
            w(r#"curl -H "Authorization: Bearer ${API_TOKEN}" http://x"#),
            w(r#"curl -H "Authorization: Bearer $(cat /run/secrets/t)" http://x"#),
            w(r#"curl -H "X-Api-Key: $KEY" http://x"#),
            w("uvicorn auth:app --port 8000"),
            w("uvicorn authorization:app"),
            w("gunicorn app.session:app"),
            w("echo Authorization is handled by the proxy"),
            w(r#"curl -H "Access-Control-Allow-Credentials: true" http://x"#),
        ] {
            assert_eq!(command_secret(&cmd), None, "{cmd:?}");
        }
        assert_eq!(
            mask(r#"RUN curl -H "Authorization: Bearer PLANTED80" https://x/a"#),
            r#"RUN curl -H "Authorization: Bearer … https://x/a"#
        );
        assert_eq!(
            mask(r#"ExecStartPost=/usr/bin/curl -H "X-Api-Key: PLANTED82 more" https://x/b"#),
            r#"ExecStartPost=/usr/bin/curl -H "X-Api-Key: … https://x/b"#
        );
        assert_eq!(
            mask("proxy_set_header Authorization \"Bearer PLANTEDn5 x\";"),
            "proxy_set_header Authorization \"Bearer …"
        );
        assert_eq!(
            mask("curl -H Authorization: Basic PLANTED http://x"),
            "curl -H Authorization: Basic … http://x"
        );
        assert_eq!(
            mask(r#"curl -H "Authorization: Bearer $TOKEN" http://x"#),
            r#"curl -H "Authorization: Bearer $TOKEN" http://x"#
        );
        for plain in [
            "Basic setup of the app",
            "curl -H \"Accept: application/json\" http://x",
            "the Authorization header is added by the app",
        ] {
            assert_eq!(mask(plain), plain);
        }
        assert!(line_shows_secret(
            r#"command = ["curl", "-H", "Authorization: Bearer PLANTEDh9", "http://x"]"#
        ));
        assert!(line_shows_secret(
            r#"build = 'curl -H "Authorization: Bearer PLANTEDb1" https://x/cfg'"#
        ));
    }

    #[test]
    fn keys_in_place_of_url_user_names_and_logins_without_a_scheme() {
        assert_eq!(
            mask("RUN pip install --extra-index-url=https://PLANTED86@pypi.fury.io/x/ pkg"),
            "RUN pip install --extra-index-url=https://…@pypi.fury.io/x/ pkg"
        );
        assert_eq!(
            mask(
                "SENTRY_URL=https://5d0a0b1c2d3e4f5a6b7c8d9e0f1a2b3c@o450123.ingest.sentry.io/5512345"
            ),
            "SENTRY_URL=https://…@o450123.ingest.sentry.io/5512345"
        );
        assert_eq!(
            mask("no imported process listens on user:PLANTEDn1@127.0.0.1:8000: import it"),
            "no imported process listens on … import it"
        );
        assert_eq!(mask("ssh root@10.0.0.12"), "ssh root@10.0.0.12");
    }

    #[test]
    fn lines_with_multibyte_characters_before_an_equals_sign() {
        // A regression: the key's start was found one byte after a multi-byte character.
        assert!(!line_shows_secret("command = ':🫧ⶭ\\.Q~?🕴=x'"));
        assert!(line_shows_secret("🕴PASSWORD = 'x'"));
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
        // A credential setting is secret by its own name: all of it is hidden, even a path.
        assert_eq!(mask("SetCredential=TOKEN:abc"), "SetCredential=…");
        assert_eq!(mask("LoadCredential=TOKEN:/run/keys/t"), "LoadCredential=…");
        assert_eq!(
            mask("proxy_pass http://user:pw@backend"),
            "proxy_pass http://user:…@backend"
        );
        // A regression found by the property test: `PwAa0A` inside the value read as a secret
        // name, and only what followed its `=` was hidden.
        assert_eq!(mask("export PASSWORD=\"+PwAa0A=\""), "export PASSWORD=…");
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
