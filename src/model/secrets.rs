//! The app's secrets: which secrets exist and how each reaches the app, where their encrypted
//! files live, and who may decrypt them (agenix recipients).
//!
//! Owns [`Secret`], [`Delivery`] and [`Agenix`]; validates `[secrets]`, `secrets_dir` and
//! `[agenix]`. Whether a *value* is secret is not decided here but in the crate's one
//! classification, `crate::secrets`.
//!
//! May call [`super::check`].

use super::check::{Checker, normalize_relative, path_to_slash, shown};
use crate::description::{self as d, Sp};

/// How a secret reaches the processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// As an environment variable of the same name, read from the credential at start.
    Env,
    /// As `<NAME>_FILE`, the path of the credential file.
    File,
    /// Not given to the app: ACME's DNS-01 credentials.
    Acme,
    /// Not given to the app: the failure notifier's (`[alerts]`) webhook URL or SMTP password.
    Alerts,
}

/// A named secret.
#[derive(Debug, Clone)]
pub struct Secret {
    /// Environment variable name.
    pub name: String,
    /// Delivery.
    pub delivery: Delivery,
    /// Delivered only when the host provides it: the units start without it.
    pub optional: bool,
    /// Its encrypted file (`<secrets_dir>/<app>-<NAME>.age`) existed when the module was
    /// generated. An optional secret without one is never declared to agenix: only
    /// `secretFiles.<NAME>` provides it.
    pub encrypted: bool,
}

impl Secret {
    /// Whether agenix may decrypt it (when `secretFiles` leaves it to agenix): every required
    /// secret, and an optional one whose encrypted file exists.
    pub fn agenix(&self) -> bool {
        !self.optional || self.encrypted
    }
}

/// agenix recipients.
#[derive(Debug, Clone)]
pub struct Agenix {
    /// Host keys.
    pub host_keys: Vec<String>,
    /// Admin keys.
    pub admin_keys: Vec<String>,
}

/// `[secrets]`: names and deliveries (never values); a secret delivered as a file owns its
/// `<NAME>_FILE` variable.
pub(super) fn secrets(c: &mut Checker, desc: &d::Description) -> Vec<Secret> {
    let mut secrets = Vec::new();
    for (k, v) in &desc.secrets {
        if !c.env_name(k, "secret name") {
            continue;
        }
        let delivery = match v.delivery() {
            "env" => Delivery::Env,
            "file" => Delivery::File,
            "acme" => Delivery::Acme,
            "alerts" => Delivery::Alerts,
            _ => {
                c.err_redacted(
                    v.span(),
                    format!("secret `{}`: expected `env`, `file`, `acme` or `alerts` (the value is not shown: it may be the secret itself)", k.as_str()),
                    "write how the secret reaches the app (`env`: as the variable; `file`: its path in `<NAME>_FILE`), never its value; the value goes in a file or an agenix secret",
                );
                continue;
            }
        };
        if v.optional() && delivery == Delivery::Acme {
            c.err(
                v.span(),
                format!(
                    "secret `{}`: DNS credentials cannot be optional",
                    k.as_str()
                ),
                "the ACME client needs them to issue the certificate: remove `optional`",
            );
        }
        secrets.push(Secret {
            name: k.to_string(),
            delivery,
            optional: v.optional(),
            encrypted: false,
        });
    }
    for s in &secrets {
        if s.delivery == Delivery::File
            && let Some((k, _)) = desc
                .env
                .iter()
                .find(|(k, _)| k.as_str() == format!("{}_FILE", s.name))
        {
            c.err(
                k.span(),
                format!(
                    "`{}` is set in env, but secret `{}` delivered as `file` sets it",
                    k.as_str(),
                    s.name
                ),
                "remove it from env",
            );
        }
    }
    secrets
}

/// `secrets_dir`: where the encrypted `<app>-<NAME>.age` files live, inside the project
/// (`secrets` by default; empty after an error).
pub(super) fn secrets_dir(c: &mut Checker, desc: &d::Description, app: &str) -> String {
    let Some(dir) = &desc.secrets_dir else {
        return "secrets".into();
    };
    match c
        .one_line(dir, "secrets_dir")
        .then(|| normalize_relative(dir))
        .flatten()
    {
        Some(p)
            if p.as_os_str().len() > 1024 || p.components().any(|c| c.as_os_str().len() > 255) =>
        {
            c.err(
                dir.span(),
                "secrets_dir is longer than a path can be (1024 bytes, 255 a name)",
                "use a short relative path inside the project, e.g. `secrets`",
            );
            String::new()
        }
        // `secrets.nix` (agenix's recipients) beside the module `secrets.nix`.
        Some(p) if p.as_os_str().is_empty() && app == "secrets" => {
            c.err(
                dir.span(),
                "with the app named `secrets`, agenix's secrets.nix here would be the module `secrets.nix`",
                "keep the encrypted secrets in a directory of their own, e.g. `secrets_dir = \"secrets\"`",
            );
            String::new()
        }
        Some(p) => path_to_slash(&p),
        None => {
            c.err(
                dir.span(),
                format!("secrets_dir `{}` escapes the project directory", shown(dir)),
                "use a relative path inside the project, e.g. `secrets`",
            );
            String::new()
        }
    }
}

/// Which secrets' encrypted files exist in `dir` (`<app>-<NAME>.age`, relative to the project):
/// an optional secret is declared to agenix only with one.
pub(super) fn mark_encrypted(c: &Checker, secrets: &mut [Secret], dir: &str, app: &str) {
    for s in secrets {
        let file = c
            .project_dir()
            .join(dir)
            .join(format!("{app}-{}.age", s.name));
        s.encrypted = file.is_file();
    }
}

/// `[agenix]`: the public keys the secrets are encrypted to; invalid ones are left out.
pub(super) fn agenix(c: &mut Checker, desc: &d::Description) -> Option<Agenix> {
    let a = desc.agenix.as_ref()?;
    Some(Agenix {
        host_keys: public_keys(c, &a.host_keys),
        admin_keys: public_keys(c, &a.admin_keys),
    })
}

/// SSH or age public keys, one line each.
pub(super) fn public_keys(c: &mut Checker, list: &[Sp<String>]) -> Vec<String> {
    list.iter()
        .filter(|k| {
            let ok = ["ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-nistp256 ", "age1"].iter().any(|p| k.starts_with(p)) && !k.contains(['\n', '\r', '"', '\\', '\0']);
            if !ok {
                c.err(k.span(), format!("`{}` is not an SSH or age public key", shown(k)), "paste a public key: `ssh-ed25519 AAAA...` (from /etc/ssh/ssh_host_ed25519_key.pub or ~/.ssh/id_ed25519.pub) or `age1...`");
                return false;
            }
            // The key itself is random-looking by nature; its comment (what follows the type and
            // the key) is free text, copied into secrets/secrets.nix, and judged like any value.
            let fields = if k.starts_with("age1") { 1 } else { 2 };
            let comment = k.split_whitespace().skip(fields).collect::<Vec<_>>().join(" ");
            if crate::secrets::secret_value(&comment).is_some() {
                c.err_redacted(k.span(), "the comment of a public key looks like a secret", "remove the comment after the key (it is copied into secrets/secrets.nix)");
                return false;
            }
            true
        })
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
}

/// On several hosts the app reaches PostgreSQL and Redis over the network with a password: the
/// secret `name` ([`super::DATABASE_PASSWORD`], [`super::REDIS_PASSWORD`]), delivered like any
/// other environment secret (and read by the database host to set it). Kept in name order.
pub(super) fn add_generated(secrets: &mut Vec<Secret>, name: &str) {
    secrets.push(Secret {
        name: name.to_string(),
        delivery: Delivery::Env,
        optional: false,
        encrypted: false,
    });
    secrets.sort_by(|a, b| a.name.cmp(&b.name));
}
