//! The public face of the app: nginx sites, their domains, certificates (TLS files or ACME)
//! and routes to processes, assets, state directories or redirects.
//!
//! Owns [`Site`], [`Tls`], [`Route`], [`RouteTarget`] and [`Acme`]; validates `[sites.*]` and
//! `[acme]`, and the nginx values they carry (sizes, durations, domains, redirect targets).
//!
//! May call [`super::check`]; reads what routes point at (processes, assets, state
//! directories) and the secrets (ACME's DNS credentials are one). `crate::secrets` judges
//! redirect targets.

use super::check::{
    Checker, PLAIN_PATH_HELP, is_plain_path, normalize_relative, path_to_slash, shown,
};
use super::package::Asset;
use super::processes::Process;
use super::secrets::{Delivery, Secret};
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::secrets;

/// A public site.
#[derive(Debug, Clone)]
pub struct Site {
    /// Name (`services.<app>.sites.<name>`).
    pub name: String,
    /// Domains, first is the server name.
    pub domains: Vec<String>,
    /// `www.X` beside `X` becomes a redirect.
    pub redirect_www: bool,
    /// Certificates.
    pub tls: Tls,
    /// `client_max_body_size`.
    pub client_max_body_size: Option<String>,
    /// `proxy_read_timeout`.
    pub proxy_read_timeout: Option<String>,
    /// Add the security header preset.
    pub security_headers: bool,
    /// Routes, by path.
    pub routes: Vec<Route>,
}

/// A site's certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Let's Encrypt, per site or shared (see [`Acme`]).
    Acme,
    /// Plain HTTP.
    None,
    /// Certificate files provisioned by the user.
    Files {
        /// Certificate chain.
        certificate: String,
        /// Private key.
        key: String,
    },
}

/// One location of a site.
#[derive(Debug, Clone)]
pub struct Route {
    /// URL path prefix.
    pub path: String,
    /// Where it goes.
    pub target: RouteTarget,
    /// Drop the prefix before proxying.
    pub strip_prefix: bool,
    /// Pass WebSocket upgrades.
    pub websockets: bool,
    /// nginx buffers the response (`buffering = false` streams it: server-sent events).
    pub buffering: bool,
    /// `client_max_body_size`.
    pub client_max_body_size: Option<String>,
    /// `proxy_read_timeout`.
    pub proxy_read_timeout: Option<String>,
}

/// Route targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// A process, by name.
    Process(String),
    /// An asset, by name.
    Asset {
        /// Asset name.
        name: String,
        /// Single-page app.
        spa: bool,
        /// Subdirectory of content-hashed files (Vite's `assets`), cached for long.
        hashed_dir: Option<String>,
    },
    /// A subdirectory of the state directory.
    State(String),
    /// A directory of the built source tree (in the store), relative to its root.
    Source(String),
    /// A redirect.
    Redirect {
        /// Target URL.
        url: String,
        /// Status code.
        code: u16,
    },
}

/// ACME settings.
#[derive(Debug, Clone)]
pub struct Acme {
    /// Account email.
    pub email: String,
    /// Staging server.
    pub staging: bool,
    /// One certificate for every domain.
    pub shared: bool,
    /// DNS-01 provider.
    pub dns_provider: Option<String>,
    /// Secret holding the provider's credentials.
    pub dns_credentials: Option<String>,
}

/// Whether a site gets a Let's Encrypt certificate (the default).
fn uses_acme(s: &d::Site) -> bool {
    s.tls
        .as_ref()
        .is_none_or(|t| matches!(&**t, d::Tls::Mode(m) if m == "acme"))
}

/// `[acme]`: present exactly when some site uses ACME, with accepted terms and an email.
pub(super) fn acme(c: &mut Checker, desc: &d::Description, secrets: &[Secret]) -> Option<Acme> {
    let Some(a) = &desc.acme else {
        if let Some((_, site)) = desc.sites.iter().find(|(_, s)| uses_acme(s)) {
            c.err(site.domains.span(), "this site gets a Let's Encrypt certificate, but there is no [acme] section", "add [acme] with `email = \"you@example.org\"` and `accept_terms = true`, or set `tls = \"none\"` on the site");
        }
        return None;
    };
    if !desc.sites.values().any(uses_acme) {
        c.err(
            a.span(),
            "[acme] is declared but no site uses ACME certificates",
            "remove [acme], or give a site `tls = \"acme\"` (the default)",
        );
        return None;
    }
    if !a.accept_terms {
        c.err(
            a.span(),
            "the CA's terms of service are not accepted",
            "add `accept_terms = true` to [acme] after reading https://letsencrypt.org/repository/",
        );
    }
    let email = acme_email(c, a);
    let shared = c.choice(
        &a.certificate,
        "certificate",
        &["per-site", "shared"],
        "per-site",
    ) == "shared";
    let dns_provider = dns_provider(c, a);
    let dns_credentials = dns_credentials(c, a, secrets, &dns_provider);
    unused_acme_secrets(c, desc, secrets, &dns_credentials);
    Some(Acme {
        email,
        staging: a.staging,
        shared,
        dns_provider,
        dns_credentials,
    })
}

/// The ACME account's email (empty after an error).
fn acme_email(c: &mut Checker, a: &Sp<d::Acme>) -> String {
    match &a.email {
        Some(e) if c.one_line(e, "email") && is_email(e) => e.to_string(),
        Some(e) => {
            c.err(
                e.span(),
                format!("`{}` is not an email address", shown(e)),
                "Let's Encrypt sends expiry warnings there, e.g. `admin@example.org`",
            );
            String::new()
        }
        None => {
            c.err(
                a.span(),
                "[acme] needs an `email`",
                "add `email = \"admin@example.org\"` (security.acme.defaults.email)",
            );
            String::new()
        }
    }
}

/// A lego DNS provider name, for DNS-01 challenges.
fn dns_provider(c: &mut Checker, a: &d::Acme) -> Option<String> {
    a.dns_provider.as_ref().and_then(|p| {
        if p.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' || ch == '_')
            && !p.is_empty()
        {
            Some(p.to_string())
        } else {
            c.err(
                p.span(),
                format!("`{}` is not a lego DNS provider name", shown(p)),
                "e.g. `cloudflare`, `route53`, `hetzner` (see https://go-acme.github.io/lego/dns/)",
            );
            None
        }
    })
}

/// The secret (delivered as `acme`) holding the DNS provider's credentials.
fn dns_credentials(
    c: &mut Checker,
    a: &d::Acme,
    secrets: &[Secret],
    dns_provider: &Option<String>,
) -> Option<String> {
    a.dns_credentials.as_ref().and_then(|n| {
        let acme_secrets: Vec<&str> = secrets
            .iter()
            .filter(|s| s.delivery == Delivery::Acme)
            .map(|s| s.name.as_str())
            .collect();
        if acme_secrets.contains(&n.as_str()) {
            if dns_provider.is_none() {
                c.err(
                    n.span(),
                    "`dns_credentials` without `dns_provider`",
                    "add `dns_provider` (e.g. `cloudflare`), or remove `dns_credentials`",
                );
            }
            Some(n.to_string())
        } else {
            let help = match did_you_mean(n, acme_secrets.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("declare it under [secrets] as `{} = \"acme\"`", shown(n)),
            };
            c.err(
                n.span(),
                format!("`{}` is not a secret declared with `= \"acme\"`", shown(n)),
                help,
            );
            None
        }
    })
}

/// A secret delivered as `acme` is for `dns_credentials`: any other would reach nothing.
fn unused_acme_secrets(
    c: &mut Checker,
    desc: &d::Description,
    secrets: &[Secret],
    dns_credentials: &Option<String>,
) {
    for s in secrets.iter().filter(|s| s.delivery == Delivery::Acme) {
        if dns_credentials.as_deref() != Some(s.name.as_str())
            && let Some((k, _)) = desc.secrets.iter().find(|(k, _)| k.as_str() == s.name)
        {
            c.err(k.span(), format!("secret `{}` is for ACME, but [acme] does not use it", s.name), "set `dns_credentials` in [acme] to it, or deliver it to the app with `env` / `file`");
        }
    }
}

/// What a route may point at: the valid targets, and the names declared (valid or not, so an
/// invalid declaration is one error, not a second one at every route that uses it).
struct Targets<'a> {
    processes: &'a [Process],
    assets: &'a [Asset],
    declared_assets: Vec<&'a str>,
    state_dirs: &'a [String],
    declared_state_dirs: Vec<&'a str>,
    /// The package's source directory (relative to the project) and whether `[build]` steps
    /// run in it; `None` for packages not built from source.
    source_tree: Option<(&'a str, bool)>,
}

/// `[sites.*]`, in source order: the first site's first domain names the shared certificate.
pub(super) fn sites(
    c: &mut Checker,
    desc: &d::Description,
    processes: &[Process],
    assets: &[Asset],
    state_dirs: &[String],
    acme: &Option<Acme>,
    source_tree: Option<(&str, bool)>,
) -> Vec<Site> {
    let targets = Targets {
        processes,
        assets,
        declared_assets: desc.assets.keys().map(|k| k.as_str()).collect(),
        state_dirs,
        declared_state_dirs: desc.state.dirs.iter().map(|d| d.as_str()).collect(),
        source_tree,
    };
    let mut out = Vec::new();
    let mut seen_domains: Vec<(String, String)> = Vec::new();
    let mut in_order: Vec<_> = desc.sites.iter().collect();
    in_order.sort_by_key(|(name, _)| name.span().start);
    for (name, s) in in_order {
        c.name(name, "site name");
        let domains = domains(c, name, s, &mut seen_domains, acme);
        if s.redirect_www
            && !domains.iter().any(|d| {
                d.strip_prefix("www.")
                    .is_some_and(|apex| domains.iter().any(|x| x == apex))
            })
        {
            c.err(s.domains.span(), format!("site `{}` redirects www, but lists no `www.X` beside `X`", name.as_str()), "add the www domain (e.g. `www.example.org` next to `example.org`), or remove `redirect_www`");
        }
        let tls = tls(c, s);
        let client_max_body_size = size(c, &s.client_max_body_size);
        let proxy_read_timeout = duration(c, &s.proxy_read_timeout);
        if s.routes.is_empty() {
            c.err(
                name.span(),
                format!("site `{}` has no routes", name.as_str()),
                "add e.g. `routes = { \"/\" = \"web\" }`",
            );
        }
        let routes = routes(c, s, tls == Tls::Acme, &targets);
        out.push(Site {
            name: name.to_string(),
            domains,
            redirect_www: s.redirect_www,
            tls,
            client_max_body_size,
            proxy_read_timeout,
            security_headers: s.security_headers.unwrap_or(true),
            routes,
        });
    }
    out
}

/// A site's valid domains: each served by one site only, wildcards certified over DNS-01.
/// `seen` holds the domains of the sites before, with their site.
fn domains(
    c: &mut Checker,
    name: &Sp<String>,
    s: &d::Site,
    seen: &mut Vec<(String, String)>,
    acme: &Option<Acme>,
) -> Vec<String> {
    let mut domains = Vec::new();
    if s.domains.is_empty() {
        c.err(
            s.domains.span(),
            format!("site `{}` has no domains", name.as_str()),
            "list at least one, e.g. `domains = [\"example.org\"]`",
        );
    }
    for dom in s.domains.iter() {
        if !is_domain(dom) {
            c.err(dom.span(), format!("`{}` is not a valid domain name", shown(dom)), "use lowercase letters, digits, `-` and dots, e.g. `app.example.org` (`*.example.org` for a wildcard)");
            continue;
        }
        if let Some((_, site)) = seen.iter().find(|(d, _)| d == dom.as_str()) {
            c.err(dom.span(), format!("`{}` is already served by site `{site}`", dom.as_str()), "each domain belongs to one site (nginx would ignore the second: \"conflicting server name\")");
            continue;
        }
        if dom.starts_with("*.")
            && acme.as_ref().is_some_and(|a| a.dns_provider.is_none())
            && uses_acme(s)
        {
            c.err(dom.span(), format!("wildcard domain `{}` needs a DNS-01 challenge", dom.as_str()), "set `dns_provider` and `dns_credentials` in [acme] (Let's Encrypt issues wildcards only over DNS-01)");
        }
        seen.push((dom.to_string(), name.to_string()));
        domains.push(dom.to_string());
    }
    domains
}

/// A site's certificates: `acme` (the default), `none`, or files outside the Nix store.
fn tls(c: &mut Checker, s: &d::Site) -> Tls {
    match s.tls.as_ref().map(|t| (t, &**t)) {
        None => Tls::Acme,
        Some((_, d::Tls::Mode(m))) if m == "acme" => Tls::Acme,
        Some((_, d::Tls::Mode(m))) if m == "none" => Tls::None,
        Some((t, d::Tls::Mode(m))) => {
            c.err(
                t.span(),
                format!("unknown tls `{}`", shown(m)),
                "use `\"acme\"`, `\"none\"` or `{ certificate = \"...\", key = \"...\" }`",
            );
            Tls::None
        }
        Some((t, d::Tls::Files { certificate, key })) => {
            for f in [certificate, key] {
                if !f.starts_with('/')
                    || f.starts_with("/nix/store")
                    || f.contains(['\n', '\0', '"', '\\', ';', '{', '}', ' '])
                {
                    c.err(
                        t.span(),
                        format!(
                            "certificate file `{}` must be an absolute path outside the Nix store",
                            shown(f)
                        ),
                        "a private key in the store would be world-readable",
                    );
                }
            }
            Tls::Files {
                certificate: certificate.clone(),
                key: key.clone(),
            }
        }
    }
}

/// A site's valid routes, by path; `acme_site` when NixOS serves ACME challenges on it.
fn routes(c: &mut Checker, s: &d::Site, acme_site: bool, targets: &Targets) -> Vec<Route> {
    let mut routes = Vec::new();
    for (path, r) in &s.routes {
        // nginx's ACME location (`^~ /.well-known/acme-challenge/`) is on every ACME vhost.
        if acme_site && path.trim_end_matches('/') == "/.well-known/acme-challenge" {
            c.err(
                path.span(),
                format!("route `{}` is where Let's Encrypt validates this site's certificate", path.as_str()),
                "remove the route: NixOS serves the ACME challenges there (or give the site `tls = \"none\"` or certificate files)",
            );
            continue;
        }
        if let Some(route) = route(c, path, r, targets) {
            routes.push(route);
        }
    }
    routes
}

/// One route: a URL path prefix and exactly one target, with the options that target allows.
fn route(c: &mut Checker, path: &Sp<String>, r: &Sp<d::Route>, t: &Targets) -> Option<Route> {
    let path_ok = path.starts_with('/')
        && path
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "/_.~%-".contains(ch))
        && !path.contains("//");
    if !path_ok {
        c.err(path.span(), format!("`{}` is not a route path", shown(path)), "a route is a URL path prefix such as `/`, `/api/` or `/static/` (letters, digits, `/ _ . ~ % -`)");
        return None;
    }
    let empty = d::RouteTable {
        process: None,
        asset: None,
        state: None,
        source: None,
        redirect: None,
        code: None,
        strip_prefix: false,
        websockets: false,
        buffering: None,
        client_max_body_size: None,
        proxy_read_timeout: None,
    };
    let (table, shorthand) = match &**r {
        d::Route::Process(p) => (&empty, Some(Sp::new(p.clone(), r.span()))),
        d::Route::Table(t) => (&**t, None),
    };
    let process = shorthand.as_ref().or(table.process.as_ref());
    let kinds = [
        process.is_some(),
        table.asset.is_some(),
        table.state.is_some(),
        table.source.is_some(),
        table.redirect.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if kinds != 1 {
        c.err(
            r.span(),
            format!(
                "route `{}` must have exactly one of `process`, `asset`, `state`, `source` or `redirect`",
                path.as_str()
            ),
            "e.g. `\"/\" = \"web\"` or `\"/static/\" = { state = \"static\" }`",
        );
        return None;
    }
    // Exactly one of them is set.
    let target = if let Some(p) = process {
        process_target(c, path, p, t)
    } else if let Some(a) = &table.asset {
        asset_target(c, path, a, t)
    } else if let Some(sd) = &table.state {
        state_target(c, path, sd, t)
    } else if let Some(dir) = &table.source {
        source_target(c, path, dir, t)
    } else if let Some(u) = &table.redirect {
        if redirect_rejected(c, u) {
            return None;
        }
        redirect_target(c, u, &table.code)
    } else {
        None
    };
    if table.redirect.is_none()
        && let Some(code) = &table.code
    {
        c.err(code.span(), "`code` applies to redirects only", "remove it");
    }
    route_options(c, path, r, table, &target);
    if table.buffering == Some(false) {
        unbuffered_sync_worker(c, path, r, &target, t);
    }
    let client_max_body_size = size(c, &table.client_max_body_size);
    let proxy_read_timeout = duration(c, &table.proxy_read_timeout);
    Some(Route {
        path: path.to_string(),
        target: target?,
        strip_prefix: table.strip_prefix,
        websockets: table.websockets,
        buffering: table.buffering.unwrap_or(true),
        client_max_body_size,
        proxy_read_timeout,
    })
}

/// A route to a process that listens.
fn process_target(
    c: &mut Checker,
    path: &Sp<String>,
    p: &Sp<String>,
    t: &Targets,
) -> Option<RouteTarget> {
    let listening: Vec<&str> = t
        .processes
        .iter()
        .filter(|x| x.listen.is_some())
        .map(|x| x.name.as_str())
        .collect();
    if listening.contains(&p.as_str()) {
        return Some(RouteTarget::Process(p.to_string()));
    }
    let all: Vec<&str> = t.processes.iter().map(|x| x.name.as_str()).collect();
    let help = if all.contains(&p.as_str()) {
        format!("`{}` has no `listen`; give it one", p.as_str())
    } else {
        match did_you_mean(p, listening.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "route to a process that has `listen`".to_string(),
        }
    };
    c.err(
        p.span(),
        format!(
            "route `{}` goes to `{}`, which is not a listening process",
            path.as_str(),
            shown(p)
        ),
        help,
    );
    None
}

/// A route to a declared asset (a single-page app only at `/`).
fn asset_target(
    c: &mut Checker,
    path: &Sp<String>,
    a: &Sp<String>,
    t: &Targets,
) -> Option<RouteTarget> {
    match t.assets.iter().find(|x| x.name == **a) {
        Some(asset) => {
            if asset.spa && path.as_str() != "/" {
                c.err(
                    path.span(),
                    format!("single-page app `{}` must be served at `/`", asset.name),
                    "serve the SPA at `/` and route the API under a prefix such as `/api/`",
                );
            }
            Some(RouteTarget::Asset {
                name: asset.name.clone(),
                spa: asset.spa,
                hashed_dir: asset.hashed_dir.clone(),
            })
        }
        // Declared, but invalid: that error is reported at the asset already.
        None if t.declared_assets.contains(&a.as_str()) => None,
        None => {
            let help = match did_you_mean(a, t.assets.iter().map(|x| x.name.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "declare it under [assets.<name>]".into(),
            };
            c.err(
                a.span(),
                format!(
                    "route `{}` serves asset `{}`, which is not declared",
                    path.as_str(),
                    shown(a)
                ),
                help,
            );
            None
        }
    }
}

/// A route to a directory of `[state] dirs`.
fn state_target(
    c: &mut Checker,
    path: &Sp<String>,
    sd: &Sp<String>,
    t: &Targets,
) -> Option<RouteTarget> {
    // Compared as `[state] dirs` are kept: normalized, so `media/` and `./media` name `media`
    // (a route naming a declared directory otherwise found neither it nor an error, and its
    // location vanished from the site).
    let normalized = |s: &str| normalize_relative(s).map(|p| path_to_slash(&p));
    let wanted = normalized(sd.as_str());
    if let Some(dir) = t
        .state_dirs
        .iter()
        .find(|x| Some(x.as_str()) == wanted.as_deref())
    {
        return Some(RouteTarget::State(dir.clone()));
    }
    // Declared, but invalid: that error is reported at the directory already.
    let declared = t
        .declared_state_dirs
        .iter()
        .any(|d| *d == sd.as_str() || (wanted.is_some() && normalized(d) == wanted));
    if !declared {
        let help = match did_you_mean(sd, t.state_dirs.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("add `{}` to `dirs` under [state]", shown(sd)),
        };
        c.err(
            sd.span(),
            format!(
                "route `{}` serves state directory `{}`, which is not in [state] dirs",
                path.as_str(),
                shown(sd)
            ),
            help,
        );
    }
    None
}

/// A route to a directory of the built source tree: one of the source, or one a `[build]` step
/// makes (which only the build can tell).
fn source_target(
    c: &mut Checker,
    path: &Sp<String>,
    dir: &Sp<String>,
    t: &Targets,
) -> Option<RouteTarget> {
    let Some((src, built)) = t.source_tree else {
        c.err(
            dir.span(),
            format!("route `{}` serves the source tree built from [package.python], and the package is not built from source", path.as_str()),
            "serve the files as an asset (`[assets.<name>]`) or from the state directory",
        );
        return None;
    };
    let dir_text = dir.trim_matches('/');
    if !is_plain_path(dir_text) {
        c.err(
            dir.span(),
            format!(
                "route `{}`: `{}` is not a directory of the source tree",
                path.as_str(),
                shown(dir)
            ),
            format!("a path relative to the package source: {PLAIN_PATH_HELP}"),
        );
        return None;
    }
    if !built && !c.project_dir().join(src).join(dir_text).is_dir() {
        c.err(
            dir.span(),
            format!("route `{}` serves `{dir_text}`, which is not a directory of the package source `{}`", path.as_str(), shown(if src.is_empty() { "." } else { src })),
            "fix the path (relative to `[package.python] src`), or add the [build] step that makes it (e.g. `python manage.py collectstatic --noinput`)",
        );
        return None;
    }
    Some(RouteTarget::Source(dir_text.to_string()))
}

/// An absolute URL or a path, with nothing nginx or a shell would read as syntax.
fn is_redirect_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        && !u
            .chars()
            .any(|ch| ch.is_whitespace() || ch.is_control() || "\"';{}\\".contains(ch))
}

/// Whether a well-formed redirect target must not be served at all: nginx would expand one of
/// its variables, or it holds a secret. Reported here; the route is then dropped without
/// checking its options.
fn redirect_rejected(c: &mut Checker, u: &Sp<String>) -> bool {
    if !is_redirect_url(u) {
        return false;
    }
    if let Some(var) = unknown_nginx_variable(u) {
        c.err(
            u.span(),
            format!("redirect target `{}` uses `${var}`, which nginx would replace", shown(u)),
            format!("nginx expands variables in redirect targets: write `%24` for a literal `$`, or use one of {}", NGINX_VARIABLES.iter().map(|v| format!("`${v}`")).collect::<Vec<_>>().join(", ")),
        );
        return true;
    }
    if secrets::secret_value(u).is_some() {
        c.err(
            u.span(),
            "the redirect target holds a secret (a password or a token)",
            "redirect targets are public: remove the credentials from the URL",
        );
        return true;
    }
    false
}

/// A redirect and its status (301 unless given).
fn redirect_target(c: &mut Checker, u: &Sp<String>, code: &Option<Sp<i64>>) -> Option<RouteTarget> {
    let code = match code {
        None => 301,
        Some(code) if [301, 302, 303, 307, 308].contains(&**code) => **code as u16,
        Some(code) => {
            c.err(
                code.span(),
                format!("{} is not a redirect status", **code),
                "use 301 (permanent), 302, 303, 307 or 308",
            );
            301
        }
    };
    if is_redirect_url(u) {
        Some(RouteTarget::Redirect {
            url: u.to_string(),
            code,
        })
    } else {
        c.err(u.span(), format!("`{}` is not a redirect target", shown(u)), "use an absolute URL (`https://example.org/new`) or a path (`/new`) without spaces or quotes");
        None
    }
}

/// An unbuffered route to gunicorn's sync workers: nginx's buffering is what frees such a
/// worker from a slow client, and a stream (server-sent events) would hold it for as long as it
/// lasts, one request at a time.
fn unbuffered_sync_worker(
    c: &mut Checker,
    path: &Sp<String>,
    r: &Sp<d::Route>,
    target: &Option<RouteTarget>,
    t: &Targets,
) {
    let Some(RouteTarget::Process(name)) = target else {
        return;
    };
    let sync = t
        .processes
        .iter()
        .any(|p| p.name == *name && p.worker_class == Some(super::servers::WorkerClass::Sync));
    if sync {
        c.err(
            r.span(),
            format!("route `{}` is unbuffered, but `{name}` runs gunicorn's sync workers", path.as_str()),
            format!("a sync worker serves one request at a time, held for as long as the response streams: give `{name}` `worker_class = \"gevent\"` (or `gthread`), or serve it with an ASGI server"),
        );
    }
}

/// Options that apply to some targets only: `strip_prefix` and `websockets` to processes, a
/// path ending in `/` for directories.
fn route_options(
    c: &mut Checker,
    path: &Sp<String>,
    r: &Sp<d::Route>,
    table: &d::RouteTable,
    target: &Option<RouteTarget>,
) {
    let is_process = matches!(target, Some(RouteTarget::Process(_)));
    if table.strip_prefix && !(is_process && path.ends_with('/')) {
        c.err(
            r.span(),
            format!(
                "route `{}`: `strip_prefix` needs a process route whose path ends with `/`",
                path.as_str()
            ),
            "e.g. `\"/api/\" = { process = \"api\", strip_prefix = true }`",
        );
    }
    if table.websockets && !is_process {
        c.err(
            r.span(),
            format!(
                "route `{}`: `websockets` applies to process routes only",
                path.as_str()
            ),
            "remove it",
        );
    }
    if table.buffering.is_some() && !is_process && target.is_some() {
        c.err(
            r.span(),
            format!(
                "route `{}`: `buffering` applies to process routes only",
                path.as_str()
            ),
            "remove it: nginx serves files and redirects itself",
        );
    }
    if matches!(
        target,
        Some(RouteTarget::State(_))
            | Some(RouteTarget::Source(_))
            | Some(RouteTarget::Asset { spa: false, .. })
    ) && path.as_str() != "/"
        && !path.ends_with('/')
    {
        c.err(
            path.span(),
            format!(
                "route `{}` serves a directory, so its path must end with `/`",
                path.as_str()
            ),
            format!("use `{}/`", path.as_str()),
        );
    }
}

/// Variables a redirect target may use: they describe the request being redirected. Any other
/// (`$http_cookie`, a typo) would be expanded from the request or fail nginx's start.
const NGINX_VARIABLES: &[&str] = &[
    "request_uri",
    "uri",
    "args",
    "is_args",
    "query_string",
    "scheme",
    "host",
];

/// The first variable in `url` nginx would expand that is not in [`NGINX_VARIABLES`].
fn unknown_nginx_variable(url: &str) -> Option<String> {
    url.match_indices('$').find_map(|(i, _)| {
        let rest = &url[i + 1..];
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!NGINX_VARIABLES.contains(&name.as_str())).then_some(name)
    })
}

/// nginx sizes: `20m`, `512k`, `1g`, `1000`.
fn size(c: &mut Checker, v: &Option<Sp<String>>) -> Option<String> {
    let v = v.as_ref()?;
    let digits = v.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    if !digits.is_empty()
        && digits.len() + 1 >= v.len()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.len() <= 9
    {
        return Some(v.to_string());
    }
    c.err(
        v.span(),
        format!("`{}` is not an nginx size", shown(v)),
        "use a number with an optional unit: `20m`, `512k`, `1g`",
    );
    None
}

/// nginx durations: `300s`, `5m`, `1h`, `60`.
fn duration(c: &mut Checker, v: &Option<Sp<String>>) -> Option<String> {
    let v = v.as_ref()?;
    let digits = v.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = &v[digits.len()..];
    if !digits.is_empty()
        && ["", "s", "m", "h", "d", "ms"].contains(&unit)
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.len() <= 9
    {
        return Some(v.to_string());
    }
    c.err(
        v.span(),
        format!("`{}` is not an nginx duration", shown(v)),
        "use a number with an optional unit: `300s`, `5m`, `1h`",
    );
    None
}

/// Lowercase DNS names (optionally `*.` wildcards): labels of letters, digits and inner `-`.
pub fn is_domain(s: &str) -> bool {
    let rest = s.strip_prefix("*.").unwrap_or(s);
    !rest.is_empty()
        && s.len() <= 253
        && rest.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A plain e-mail address (`ops@example.org`): no name, quotes or angle brackets.
pub(super) fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && is_domain(host) && host.contains('.'))
        && !s.contains(|ch: char| ch.is_whitespace() || "\"\\<>;".contains(ch))
}

/// The processes some route of `sites` proxies to, in the order of `processes`.
pub(super) fn routed_processes<'a>(
    sites: &'a [Site],
    processes: &'a [super::Process],
) -> impl Iterator<Item = &'a super::Process> {
    processes.iter().filter(move |p| {
        sites
            .iter()
            .flat_map(|s| &s.routes)
            .any(|r| matches!(&r.target, RouteTarget::Process(name) if *name == p.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for ok in [
            "example.org",
            "www.example.org",
            "*.apps.example.org",
            "localhost",
            "a-b.c1.io",
        ] {
            assert!(is_domain(ok), "{ok}");
        }
        for bad in [
            "Example.org",
            "-a.org",
            "a-.org",
            "a..org",
            "*.",
            "a b.org",
            "exa_mple.org",
            "a.org;",
            "*.*.org",
            "",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
        assert!(is_email("ops@example.org"));
        assert!(!is_email("ops at example.org"));
        assert!(!is_email("ops@localhost"));
    }
}
