//! What counts as a secret, decided in one place and used everywhere a value is read, copied or
//! shown (the description's checks, `init` and `import`, their report, error messages): variable
//! names and values (URL passwords, password fields, key material, tokens) here; file names that
//! can hold secrets in [`files`] (kept out of every generated source, which the Nix store makes
//! world-readable); masking what is shown in [`mask`]. In doubt: a secret.
//!
//! Calls nothing of the crate but [`crate::shell`] (through `mask`).

mod files;
mod mask;

pub use files::{
    CREDENTIAL_CONFIGS, ENV_FILES, NOT_SOURCE_DIRS, SECRET_DIRS, SECRET_FILES,
    credential_line_regex, excluded_dirs, holds_credentials, is_secret_file, secret_file_regex,
    secret_files_in,
};
pub use mask::{command_secret, line_shows_secret, mask};

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
    "MNEMONIC",
    "MACAROON",
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
    "SEED",
    "SEEDS",
    "RUNE",
    "RUNES",
];

/// Words that, after a secret word, make the name describe a secret rather than hold it
/// (`TOKEN_TTL`, `ACCESS_TOKEN_EXPIRE_MINUTES`, `PASSWORD_MIN_LENGTH`, `AUTH_PROVIDER`).
const DESCRIPTORS: &[&str] = &[
    "TTL",
    "TIMEOUT",
    "TIME",
    "THRESHOLD",
    "RATE",
    "INTERVAL",
    "DURATION",
    "DELAY",
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
    // The key of a field or attribute (`LDAP_DISPLAY_NAME_KEY = "displayName"`).
    "NAME",
    "FIELD",
    "ATTR",
    "ATTRIBUTE",
    "LOOKUP",
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
        // `AUTH_` before other words is a namespace of settings (`AUTH_LDAP_SERVER_URI`,
        // `AUTH_LDAP_USER_SEARCH_FILTER_STR`); a name ending in it holds one (`BASIC_AUTH`).
        .filter(|(i, w)| *w != "AUTH" || *i + 1 == words.len())
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
    if has_url_token(value) {
        return Some("a URL with a key in place of a user name");
    }
    if has_login_password(value) {
        return Some("a `user:password@host` login");
    }
    if has_password_field(value) {
        return Some("a password field");
    }
    if value.contains("-----BEGIN")
        || value.contains("PRIVATE KEY")
        || value.to_ascii_uppercase().contains("AGE-SECRET-KEY-")
    {
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
    if has_http_credential(value) || has_credential_header(value) {
        return Some("an HTTP credential");
    }
    if has_random_blob(value) {
        return Some("a random-looking string (a key or a token)");
    }
    None
}

/// Why the value of the variable `name` looks like a secret: [`secret_value`], or a UUID under a
/// name that does not say what it identifies. Several services' API keys are UUIDs, and so are
/// everyday public identifiers (an OAuth client id, a tenant id): those are named for what they
/// identify (`AZURE_TENANT_ID`, `clientId`, `SENTRY_PROJECT`), keys are not (`VITE_ANALYTICS`,
/// `LICENSE`). In doubt, a secret.
pub fn secret_value_of(name: &str, value: &str) -> Option<&'static str> {
    secret_value(value)
        .or_else(|| (is_uuid(value.trim()) && !names_an_identifier(name)).then_some(UUID_REASON))
}

/// The reason [`secret_value_of`] gives for a UUID.
pub const UUID_REASON: &str =
    "a UUID, under a name that does not say what it identifies (several services' keys are UUIDs)";

/// Words of a name that say a UUID value identifies something rather than unlocks it.
const IDENTIFIER_WORDS: &[&str] = &[
    "ID",
    "IDS",
    "UUID",
    "UUIDS",
    "GUID",
    "GUIDS",
    "IDENTIFIER",
    "TENANT",
    "CLIENT",
    "ORG",
    "ORGANIZATION",
    "PROJECT",
    "WORKSPACE",
    "ACCOUNT",
    "SUBSCRIPTION",
    "INSTANCE",
    "APP",
    "APPLICATION",
    "SITE",
    "ENVIRONMENT",
];

fn names_an_identifier(name: &str) -> bool {
    name_words(name)
        .iter()
        .any(|w| IDENTIFIER_WORDS.contains(&w.as_str()))
}

/// `8-4-4-4-12` hexadecimal digits (`3f2504e0-4f89-11d3-9a0c-0305e82c3301`), in either case.
fn is_uuid(v: &str) -> bool {
    v.len() == 36
        && v.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether a `name=value` pair must be neither shown nor copied. A reference to a variable
/// (`$DB_PASSWORD`) holds no value and is never secret.
pub fn is_secret(name: &str, value: &str) -> bool {
    if is_variable_reference(value) {
        return false;
    }
    is_secret_name(name)
        || secret_value_of(name, value).is_some()
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

/// The user names of the URLs in `v` that have no password (`https://KEY@host/`): what
/// precedes the last `@` of the authority (the part up to the first `/`, `?` or `#`).
fn url_users(v: &str) -> impl Iterator<Item = &str> {
    v.match_indices("://").filter_map(|(i, _)| {
        let rest = &v[i + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "/?#\"'`".contains(c))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let user = &authority[..authority.rfind('@')?];
        (!user.contains(':')).then_some(user)
    })
}

/// `https://5d0a…3c@o1.ingest.sentry.io/1`, `https://TOKEN@pypi.fury.io/acme/`: a URL whose user
/// name is a key (services that take a token as the user and no password). Plain user names
/// (`postgresql://app@db/app`, `ssh://git@github.com`, `https://x-access-token@…`) are not.
pub fn has_url_token(v: &str) -> bool {
    url_users(v).any(looks_like_key)
}

/// Whether a user name of a URL looks like a key rather than a login: a token prefix, a
/// random-looking run, or letters and digits alone that are hex (16 or more: `openssl rand
/// -hex`, Sentry's keys), upper-case letters with digits (8 or more), or 20 or more that
/// alternate between letters and digits again and again (logins are words, often joined by
/// `_`, `-` or `.`: `app`, `git`, `deploy`, `ec2-user`, `oauth2`, `Svc1234`,
/// `app_2024_production`, `appuser20240101production`).
fn looks_like_key(user: &str) -> bool {
    if has_token_prefix(user) || has_random_blob(user) {
        return true;
    }
    if user.is_empty() || !user.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let digits = user.chars().any(|c| c.is_ascii_digit());
    let letters = user.chars().any(|c| c.is_ascii_alphabetic());
    let upper = user.chars().any(|c| c.is_ascii_uppercase());
    let hex = user.chars().all(|c| c.is_ascii_hexdigit());
    let switches = user
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    digits
        && letters
        && ((hex && user.len() >= 16)
            || (upper && user.len() >= 8)
            || (user.len() >= 20 && switches >= 4))
}

/// Words before `:` that name a scheme or a backend, not a login (`mailto:a@b.org`,
/// `npm:pkg@1.0`, restic's `sftp:user@host:/srv/repo`).
const NOT_LOGINS: &[&str] = &[
    "mailto", "sip", "sips", "xmpp", "tel", "im", "pres", "urn", "news", "npm", "pnpm", "yarn",
    "jsr", "git", "github", "gitlab", "docker", "oci", "pkg", "file", "data", "sftp", "ssh", "scp",
    "rsync", "ftp", "ftps", "http", "https", "rest", "s3", "b2", "azure", "gs", "rclone", "swift",
    "smb", "nfs", "webdav",
];

/// `root:pw@10.0.0.12`, `deploy:pw@host.example.org:22`: a login with its password, written
/// without a scheme. The part after `@` is a host (an IPv4 address or a name with a letter, not
/// a digest as in `image:tag@sha256:…`); the password is no reference (`$PASS`) and holds no
/// `/` (a URL's path, judged by [`has_url_password`]). `host:port`, `HH:MM`, `user@host` and
/// `mailto:a@b.org` have none.
pub fn has_login_password(v: &str) -> bool {
    v.split(|c: char| c.is_whitespace() || "\"'`,;()[]{}<>=".contains(c))
        .any(|w| {
            let Some(at) = w.find('@') else {
                return false;
            };
            let Some((user, pw)) = w[..at].split_once(':') else {
                return false;
            };
            let host = &w[at + 1..];
            let host = &host[..host.find([':', '/']).unwrap_or(host.len())];
            let login = user.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !NOT_LOGINS.contains(&user.to_ascii_lowercase().as_str());
            let ipv4 = host.split('.').count() == 4
                && host.split('.').all(|p| {
                    !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit())
                });
            let name = host.starts_with(|c: char| c.is_ascii_alphanumeric())
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && host.chars().any(|c| c.is_ascii_alphabetic())
                && !(host.len() > 3
                    && host[..3].eq_ignore_ascii_case("sha")
                    && host[3..].chars().all(|c| c.is_ascii_digit()));
            // `Alice:alice@example.org` (Django's `ADMINS` as "Name:email"), `bob:bob@…`, and
            // `jdbc:oracle:thin:@db` are no logins.
            let display_name = user.starts_with(|c: char| c.is_ascii_uppercase())
                && user.chars().all(|c| c.is_ascii_alphabetic())
                && pw
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._+-".contains(c))
                && !ipv4;
            login
                && !pw.is_empty()
                && !pw.starts_with('$')
                && !pw.contains(['/', ':'])
                && !pw.eq_ignore_ascii_case(user)
                && !display_name
                && (ipv4 || name)
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
            (is_secret_name(name) || name.eq_ignore_ascii_case("sig"))
                && !is_plain_switch(value)
                && !is_variable_reference(value)
        })
}

/// A value that switches something rather than holds a credential (`sslmode=required`,
/// `Access-Control-Allow-Credentials: true`, `Cookie: *`), or none at all.
fn is_plain_switch(value: &str) -> bool {
    [
        "", "true", "false", "none", "yes", "no", "0", "1", "required", "optional", "*",
    ]
    .contains(&value.to_ascii_lowercase().as_str())
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

/// Schemes of an `Authorization` header's value (`Bearer TOKEN`).
const AUTH_SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "apikey",
    "api-key",
    "hoba",
    "mutual",
];

/// Whether a word is the scheme of an `Authorization` header's value (`Bearer`, `Basic`).
pub(crate) fn is_auth_scheme(word: &str) -> bool {
    AUTH_SCHEMES.iter().any(|s| word.eq_ignore_ascii_case(s))
}

/// Last words of header names that carry a credential (`X-Api-Key`, `X-Auth-Token`,
/// `Private-Token`, `Set-Cookie`), unlike `X-Auth-Request-Email` or a host `secret-store`.
const CREDENTIAL_HEADER_ENDS: &[&str] = &[
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "credential",
    "credentials",
    "cookie",
    "session",
];

/// Whether an HTTP header carries a credential: `Authorization`, `Proxy-Authorization`,
/// `Cookie`, `apikey`, and a header of several words named like a secret whose last word is a
/// credential (`X-Api-Key`, `X-Auth-Token`, `Private-Token`, `Set-Cookie`). A leading `-H`
/// glued to it (`-HAuthorization:`) is curl's option.
pub(crate) fn is_credential_header(name: &str) -> bool {
    let name = name.trim_start_matches('-');
    names_credential_header(name) || name.strip_prefix('H').is_some_and(names_credential_header)
}

/// [`is_credential_header`] for a name without curl's option: not recursive, so a hostile run
/// of `H`s costs one comparison.
fn names_credential_header(name: &str) -> bool {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return false;
    }
    let last = name.rsplit(['-', '_']).next().unwrap_or(name);
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "apikey",
        "api-key",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
        || (name.contains('-')
            && is_secret_name(name)
            && CREDENTIAL_HEADER_ENDS
                .iter()
                .any(|e| last.eq_ignore_ascii_case(e)))
}

/// `Authorization: Bearer TOKEN`, `X-Api-Key: KEY`, `Cookie: session=…` anywhere in a value (a
/// command's `curl -H "…"`): a credential header with a value that is no reference
/// (`$TOKEN`, `$(cat /run/secrets/t)`) nor a plain switch (`Access-Control-Allow-Credentials:
/// true`). `Accept: application/json` is no credential, nor `uvicorn auth:app`.
fn has_credential_header(v: &str) -> bool {
    v.match_indices(':').any(|(pos, _)| {
        let before = &v[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        // A header name starts a word (`-H`, `"`, `--header=`), never a path, a host or a
        // module (`ghcr.io/acme/api-key:v1`, `app.auth:app`).
        if before[..start].ends_with(['/', '.', ':', '@']) {
            return false;
        }
        let name = &before[start..];
        if !is_credential_header(name) {
            return false;
        }
        let after = &v[pos + 1..];
        let spaced = after.starts_with([' ', '\t']);
        let mut words = after
            .split(|c: char| c.is_whitespace() || "\"'`".contains(c))
            .filter(|w| !w.is_empty());
        let Some(first) = words.next() else {
            return false;
        };
        let credential = if is_auth_scheme(first) {
            match words.next() {
                Some(w) => w,
                None => return false,
            }
        } else {
            first
        };
        // A header name followed directly by a value may be something else (`uvicorn
        // authorization:app`, a host and port `auth-token-svc:50051`, a cache key
        // `session-cookie:v2`): a credential when a scheme or a space follows, or when the name
        // is written as headers are (`X-Api-Key:…`, `x-api-key:…`).
        let header = name.trim_start_matches('-');
        let header = header
            .strip_prefix('H')
            .filter(|h| names_credential_header(h))
            .unwrap_or(header);
        let written_as_header = header.starts_with(|c: char| c.is_ascii_uppercase())
            || header
                .get(..2)
                .is_some_and(|p| p.eq_ignore_ascii_case("x-"));
        let header_shaped = spaced
            || is_auth_scheme(first)
            || written_as_header
            || (header.eq_ignore_ascii_case("cookie") && first.contains('='));
        let plain = is_plain_switch(credential)
            || (!spaced && credential.chars().all(|c| c.is_ascii_digit()));
        header_shaped && !plain && !is_reference_word(credential)
    })
}

/// A credential given by reference, whose value comes when the command runs: `$TOKEN`,
/// `${TOKEN}`, `$(cat /run/secrets/t)` (`$FOO-hunter2` holds a literal).
fn is_reference_word(word: &str) -> bool {
    let word = word.trim_end_matches([';', ',']);
    is_variable_reference(word) || word.starts_with("$(")
}

/// Prefixes of well-known access tokens (GitHub, GitLab, Stripe, Slack, AWS, Google, …).
pub fn has_token_prefix(v: &str) -> bool {
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
    // Lower-case prefixes of vendors' tokens (issue 20's review): DigitalOcean, Shopify,
    // Hugging Face, Grafana, Sentry, PlanetScale, Linear, Notion, Slack, GitHub, Google OAuth,
    // RubyGems, Netlify, Docker Hub, Figma. Short and word-like, so what follows them must look
    // random too (a digit in it): `hf_transfer_enabled` is a setting, not a token.
    const WORDLIKE_PREFIXES: &[&str] = &[
        "dop_v1_",
        "doo_v1_",
        "dor_v1_",
        "shpat_",
        "shpss_",
        "shpca_",
        "shppa_",
        "hf_",
        "glsa_",
        "glc_",
        "sntrys_",
        "sntryu_",
        "pscale_tkn_",
        "pscale_pw_",
        "pscale_oauth_",
        "lin_api_",
        "ntn_",
        "xoxa-",
        "xoxe-",
        "xoxr-",
        "ghr_",
        "ya29.",
        "rubygems_",
        "nfp_",
        "dckr_pat_",
        "figd_",
    ];
    v.split(|c: char| c.is_whitespace() || "\"'=:,;".contains(c))
        .any(|w| {
            PREFIXES
                .iter()
                .any(|p| w.starts_with(p) && w.len() >= p.len() + 16)
                || WORDLIKE_PREFIXES.iter().any(|p| {
                    w.strip_prefix(p).is_some_and(|rest| {
                        rest.len() >= 16 && rest.chars().any(|c| c.is_ascii_digit())
                    })
                })
        })
}

/// A long run of letters and digits with many different characters: the shape of keys and
/// tokens, not of words, paths, URLs or version numbers.
fn has_random_blob(v: &str) -> bool {
    // A key glued to a vendor's prefix (`shpat_` + 32 hex, `key-` + 32 hex, `dop_v1_` + 64
    // hex) is judged without its prefix too.
    let words = v.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c)));
    words
        .flat_map(|w| {
            // Only a word longer than a key can hold a key and a prefix.
            let pieces = (w.len() > 32)
                .then(|| w.split(['_', '-']))
                .into_iter()
                .flatten();
            std::iter::once(w).chain(pieces)
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A review of the rules above found ordinary configuration they refused (host names with
    /// secret words before a port, Django's "Name:email" admins, Oracle thin URLs, user names
    /// with digits) and credentials they missed (curl's glued `-H`, `apikey:`, a literal after a
    /// reference). Each stays as the review decided.
    #[test]
    fn the_second_review_of_keys_logins_and_headers() {
        for plain in [
            "vault-secrets:8200",
            "auth-token-service:50051",
            "session-cookie-cache:11211",
            "wait-for-it secret-store:8200 -- gunicorn app:app",
            "auth-token:v2",
            "session-cookie:secure",
            "alice:alice@example.com,bob:bob@example.com",
            "Alice Admin:alice@example.org",
            "jdbc:oracle:thin:@db.example.org:1521/ORCL",
            "postgresql://Svc1234@db/app",
            "postgresql://appuser20240101production@db/app",
            "curl -H \"X-Auth-Request-Email: x@example.org\" https://x",
            "curl -H \"Authorization: Bearer $TOKEN\" https://x",
        ] {
            assert_eq!(secret_value(plain), None, "{plain}");
        }
        for secret in [
            "curl -HAuthorization:Bearer abcdef123 https://x",
            "curl -H Authorization:abcdef123 https://x",
            "curl -H \"apikey: eyJhbGciOiJIUzI1NiJ9\" https://x",
            "curl -H \"x-api-key:abcdef12\" https://x",
            "curl -H \"Authorization: Bearer $FOO-hunter2\" https://x",
            "Root:Hunter2@db.example.org",
        ] {
            assert!(secret_value(secret).is_some(), "{secret}");
        }
    }

    /// A value of 300,000 `H`s before a `:` is judged without deep recursion (a regression:
    /// stripping curl's `-H` recursively overflowed the stack and aborted `check`).
    #[test]
    fn header_names_of_many_hs_do_not_recurse() {
        let v = format!("curl -H {}:x", "H".repeat(300_000));
        assert_eq!(secret_value(&v), None);
    }

    #[test]
    fn keys_logins_and_headers_found_by_the_adversarial_run() {
        for v in [
            // URLs with a key in place of the user name.
            "https://5d0a0b1c2d3e4f5a6b7c8d9e0f1a2b3c@o450123.ingest.sentry.io/5512345",
            "https://0123456789abcdef0123456789abcdef@pypi.fury.io/acme/",
            "--extra-index-url=https://PLANTED86@pypi.fury.io/x/",
            "https://ghp_0123456789abcdefghijklmnop@github.com/a/b",
            // Logins with a password, without a scheme.
            "root:pw@10.0.0.12",
            "deploy:hunter2@app1.example.org:22",
            "rsync -a . backup:s3cr3t@backup.example.org:/srv",
            // Age secret keys.
            "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
            // HTTP credential headers.
            "Authorization: Bearer PLANTEDh6",
            "curl -H \"Authorization: Basic dXNlcjpw\" http://x",
            "X-Api-Key: X",
            "Proxy-Authorization: Basic abc",
            "Private-Token: glx",
        ] {
            assert!(secret_value(v).is_some(), "{v} is a secret");
        }
        for v in [
            "postgresql://app@db/app",
            "ssh://git@github.com/acme/app.git",
            "https://x-access-token@github.com/a/b",
            "git+ssh://git@github.com/a/b",
            "ftp://oauth2@h/x",
            "postgresql://app_2024_production@db/app",
            "https://deploy-bot-2@git.example.org/a",
            "root@10.0.0.12",
            "deploy@host:22",
            "git@github.com:acme/app.git",
            "127.0.0.1:8000",
            "12:30",
            "mailto:a@b.org",
            "sftp:backup@backup.example.org:/srv/restic/app",
            "rclone:remote@x:bucket",
            "npm:left-pad@1.3.0",
            "npm:left-pad@latest",
            "ghcr.io/acme/app:1.2@sha256:0123",
            "app:1.2@sha256:0123",
            "user:$PASS@host",
            "https://mastodon.social/@Gargron2024",
            "Accept: application/json",
            "Authorization",
            "the Authorization header",
            "Authorization: Bearer $TOKEN",
            "Access-Control-Allow-Credentials: true",
            "uvicorn auth:app",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "30",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        ] {
            assert_eq!(secret_value(v), None, "{v}");
        }
        assert!(!is_secret("ACCESS_TOKEN_EXPIRE_MINUTES", "30"));
    }

    /// Vendors' lower-case tokens are secret values; settings that start like them are not
    /// (issue 20).
    #[test]
    fn lower_case_vendor_tokens() {
        for v in [
            "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "shpat_0123456789abcdef0123456789abcdef",
            "key-0123456789abcdef0123456789abcdef",
            "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "glsa_AbCdEfGhIjKlMnOpQrStUvWxYz012345_0a1b2c3d",
            "sntrys_eyJpYXQiOjE3MDAwMDAwMDAuMCwidXJsIjoiaHR0cHM6Ly9zZW50cnkuaW8ifQ",
            "lin_api_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T",
        ] {
            assert!(secret_value(v).is_some(), "{v}");
        }
        for v in [
            "hf_transfer_enabled",
            "key-value-store",
            "shpat_is_a_prefix_of_shopify_tokens",
            "dop_v1_endpoint",
            "/static/app.css",
            "ntn_sync_pages",
        ] {
            assert_eq!(secret_value(v), None, "{v}");
        }
    }

    /// A UUID is a key unless its name says what it identifies: public identifiers (an OAuth
    /// client id, a tenant id) pass, a UUID under another name does not (issue 20).
    #[test]
    fn uuids_are_keys_unless_named_as_identifiers() {
        let uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        for name in [
            "AZURE_TENANT_ID",
            "VITE_AZURE_CLIENT_ID",
            "clientId",
            "VITE_SENTRY_PROJECT",
            "GOOGLE_OAUTH_CLIENT",
            "AZURE_SUBSCRIPTION",
            "VITE_FIREBASE_APP_ID",
            "DEFAULT_ORG_UUID",
        ] {
            assert!(!is_secret(name, uuid), "{name}");
            assert_eq!(secret_value_of(name, uuid), None, "{name}");
        }
        for name in [
            "VITE_ANALYTICS",
            "LICENSE",
            "HEROKU",
            "VITE_SEGMENT_WRITE",
            "X",
        ] {
            assert!(is_secret(name, uuid), "{name}");
            assert_eq!(secret_value_of(name, uuid), Some(UUID_REASON), "{name}");
        }
        // By name, a key stays a key whatever it holds.
        assert!(is_secret("HEROKU_API_KEY", uuid));
        // Not UUIDs: left to the other rules.
        for v in [
            "3f2504e0-4f89-11d3-9a0c",
            "3f2504e04f8911d39a0c0305e82c3301x",
            "production",
        ] {
            assert_eq!(secret_value_of("X", v), None, "{v}");
        }
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
            "BASIC_AUTH",
            "AUTH_LDAP_BIND_PASSWORD",
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
            // Durations of what a password or token does.
            "ACCOUNT_PASSWORD_LOCK_TIME",
            "TOKEN_REFRESH_THRESHOLD",
            "PASSWORD_RESET_INTERVAL",
            "LDAP_DISPLAY_NAME_KEY",
            "API_TOKEN_THROTTLE_RATE",
            "AUTH_LDAP_USER_SEARCH_FILTER_STR",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }

    /// Issue 23: wallets' seeds and mnemonics, Lightning macaroons and Core Lightning runes are
    /// credentials (each was taken for plain configuration).
    #[test]
    fn seeds_mnemonics_macaroons_and_runes_are_secret() {
        for s in [
            "WALLET_SEED",
            "SEED",
            "BIP39_MNEMONIC",
            "LND_MACAROON",
            "ADMIN_MACAROON_HEX",
            "CLN_RUNE",
            "lightningRune",
            "seedPhrase",
            "MNEMONICWORDS",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "PRUNE_DAYS",
            "SEED_DATA_PATH",
            "MACAROON_PATH",
            "RUNE_EXPIRY",
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
}
