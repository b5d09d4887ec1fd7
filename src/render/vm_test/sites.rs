//! The VM test's sites: which names the test network publishes, which certificates Pebble
//! issues (or a test certificate replaces), and what each route must answer.
//!
//! May call: `model` (read only).

use serde::Serialize;

use crate::model::{Listen, Model, Route, RouteTarget, Server, Site, Tls};

/// The sites' part of the VM test's context (flattened into it).
#[derive(Debug, Serialize)]
pub(super) struct SiteTests {
    /// A Pebble ACME server node issues the certificates (HTTP-01).
    pebble: bool,
    /// Names the server publishes (through the test resolver) and the client resolves.
    server_names: Vec<String>,
    /// Sites with their own certificate files: replaced by a test certificate.
    test_cert_vhosts: Vec<String>,
    test_cert_domains: Vec<String>,
    /// The certificates name the staging server themselves: Pebble must override each.
    staging: bool,
    certs: Vec<CertTest>,
    pub(super) sites: Vec<SiteTest>,
    /// Some route is checked in a process's access log.
    logged_routes: bool,
    /// Some site serves HTTPS.
    https: bool,
    /// Some route serves a single-page app.
    spa_routes: bool,
    /// Some route serves a directory of the built source tree (`built_source_file`).
    source_routes: bool,
    /// Some route's bundle is checked for its build-time values.
    built_routes: bool,
    /// Some site's nginx settings are checked in the running configuration.
    nginx_settings: bool,
    /// Some route's upstream keepalive is checked.
    keepalive_routes: bool,
    /// Some route is checked in its nginx location (unbuffered).
    location_checks: bool,
    /// Some route checks the scheme the app sees.
    scheme_routes: bool,
}

impl SiteTest {
    /// How the test trusts the site's certificate: `pebble`, `self-signed`, `test-cert` or
    /// `none`.
    pub(super) fn tls(&self) -> &str {
        &self.tls
    }

    /// The domain the site's checks request (its first, made concrete).
    pub(super) fn first_domain(&self) -> &str {
        self.domains.first().map_or("", String::as_str)
    }
}

/// An nginx setting and the bytes of its size (`client_max_body_size`).
#[derive(Debug, Serialize)]
struct BodyLimit {
    setting: String,
    bytes: u64,
}

#[derive(Debug, Serialize)]
struct CertTest {
    name: String,
    /// Issued by Pebble; otherwise only NixOS's self-signed certificate exists in the test.
    pebble: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct SiteTest {
    name: String,
    domains: Vec<String>,
    /// `pebble`, `self-signed`, `test-cert` or `none`.
    tls: String,
    www: Vec<(String, String)>,
    routes: Vec<RouteTest>,
    /// The security header preset is expected (and HSTS over HTTPS).
    security_headers: bool,
    /// Directives the site's server block must hold (`proxy_read_timeout 300s;`).
    directives: Vec<String>,
    body_limit: Option<BodyLimit>,
}

#[derive(Debug, Serialize)]
struct RouteTest {
    path: String,
    /// The path ending in `/`, for appending probe names.
    prefix: String,
    /// `proxy`, `spa`, `static`, `state` or `redirect`.
    kind: String,
    /// proxy: where the process logs requests.
    access_log: Option<Vec<String>>,
    unit: String,
    dir: String,
    code: u16,
    location: String,
    /// proxy: the app's TCP port when nginx keeps connections to it open.
    keepalive_port: Option<u16>,
    body_limit: Option<BodyLimit>,
    /// spa built with npm: the build-time values its bundle must hold.
    built_values: Vec<String>,
    /// proxy: directives its nginx location must hold (unbuffered streaming, the wait for the
    /// app).
    location_directives: Vec<String>,
    /// proxy to a server with `access_log = false`: the request must not be logged.
    quiet: Option<String>,
    /// proxy to a gunicorn process logging the scheme it hands the app: the one expected.
    scheme: Option<String>,
}

/// The certificates, names and sites of the test, in the order of the description's sites.
pub(super) fn tests(m: &Model) -> SiteTests {
    let mut t = SiteTests {
        pebble: false,
        server_names: Vec::new(),
        test_cert_vhosts: Vec::new(),
        test_cert_domains: Vec::new(),
        staging: m.acme.as_ref().is_some_and(|a| a.staging),
        certs: Vec::new(),
        sites: Vec::new(),
        logged_routes: false,
        https: false,
        spa_routes: false,
        source_routes: false,
        built_routes: false,
        nginx_settings: false,
        keepalive_routes: false,
        location_checks: false,
        scheme_routes: false,
    };
    for s in &m.sites {
        let site = site_test(m, s, &mut t);
        t.sites.push(site);
    }
    t.server_names.sort();
    t.server_names.dedup();
    t.pebble = t.certs.iter().any(|c| c.pebble);
    let routes = || t.sites.iter().flat_map(|s| &s.routes);
    t.logged_routes = routes().any(|r| r.access_log.is_some());
    t.spa_routes = routes().any(|r| r.kind == "spa");
    t.source_routes = routes().any(|r| r.kind == "source");
    t.built_routes = routes().any(|r| !r.built_values.is_empty());
    t.keepalive_routes = routes().any(|r| r.keepalive_port.is_some());
    t.location_checks = routes().any(|r| !r.location_directives.is_empty());
    t.scheme_routes = routes().any(|r| r.scheme.is_some());
    t.https = t.sites.iter().any(|s| s.tls != "none");
    t.nginx_settings = t.sites.iter().any(|s| !s.directives.is_empty()) || t.location_checks;
    t
}

/// The gunicorn processes whose access log the VM test extends with the scheme the app sees:
/// routed ones that log requests, unless the description sets gunicorn's command-line variable
/// itself.
pub(super) fn scheme_logged(m: &Model) -> Vec<String> {
    const ARGS: &str = "GUNICORN_CMD_ARGS";
    m.routed_processes()
        .filter(|p| {
            matches!(p.server, Server::Gunicorn { .. })
                && p.access_log
                && !m.env.contains_key(ARGS)
                && !p.env.contains_key(ARGS)
        })
        .map(|p| p.name.clone())
        .collect()
}

/// The domain a site's vhost is named by (its first, or the first but the `www.` aliases it
/// redirects).
pub(super) fn vhost_domain(s: &Site) -> Option<String> {
    let www = if s.redirect_www {
        www_aliases(&s.domains)
    } else {
        Vec::new()
    };
    s.domains.iter().find(|d| !www.contains(d)).cloned()
}

/// One site's checks; its certificate and names are added to `t`.
fn site_test(m: &Model, s: &Site, t: &mut SiteTests) -> SiteTest {
    let www = if s.redirect_www {
        www_aliases(&s.domains)
    } else {
        Vec::new()
    };
    let main: Vec<String> = s
        .domains
        .iter()
        .filter(|d| !www.contains(d))
        .cloned()
        .collect();
    let vhost = main.first().cloned().unwrap_or_default();
    let tls = site_tls(m, s, &vhost, &www, t);
    t.server_names.extend(s.domains.iter().map(|d| concrete(d)));
    let directives = [
        s.client_max_body_size
            .as_ref()
            .map(|v| format!("client_max_body_size {v};")),
        s.proxy_read_timeout
            .as_ref()
            .map(|v| format!("proxy_read_timeout {v};")),
    ]
    .into_iter()
    .flatten()
    .collect();
    SiteTest {
        name: s.name.clone(),
        domains: main.iter().map(|d| concrete(d)).collect(),
        tls: tls.into(),
        www: www
            .iter()
            .map(|w| (w.clone(), w.trim_start_matches("www.").to_string()))
            .collect(),
        routes: s
            .routes
            .iter()
            .map(|r| route_test(m, r, if tls == "none" { "http" } else { "https" }))
            .collect(),
        security_headers: s.security_headers,
        directives,
        body_limit: s.client_max_body_size.as_deref().and_then(body_limit),
    }
}

/// How the test checks a site's TLS; its certificate (or test certificate) is added to `t`.
fn site_tls(m: &Model, s: &Site, vhost: &str, www: &[String], t: &mut SiteTests) -> &'static str {
    let acme = m.acme.as_ref();
    let dns01 = acme.is_some_and(|a| a.dns_provider.is_some());
    match &s.tls {
        Tls::None => "none",
        Tls::Files { .. } => {
            t.test_cert_vhosts.push(vhost.to_string());
            t.test_cert_vhosts.extend(www.iter().cloned());
            t.test_cert_domains
                .extend(s.domains.iter().map(|d| concrete(d)));
            "test-cert"
        }
        Tls::Acme => {
            let cert = if acme.is_some_and(|a| a.shared) {
                m.name.clone()
            } else {
                vhost.to_string()
            };
            if !t.certs.iter().any(|c| c.name == cert) {
                t.certs.push(CertTest {
                    name: cert,
                    pebble: !dns01,
                });
            }
            if dns01 { "self-signed" } else { "pebble" }
        }
    }
}

/// What one route must answer; `scheme` is the one the client uses.
fn route_test(m: &Model, r: &Route, scheme: &str) -> RouteTest {
    let mut t = RouteTest {
        prefix: format!("{}/", r.path.trim_end_matches('/')),
        path: r.path.clone(),
        kind: String::new(),
        access_log: None,
        unit: String::new(),
        dir: String::new(),
        code: 0,
        location: String::new(),
        keepalive_port: None,
        body_limit: r.client_max_body_size.as_deref().and_then(body_limit),
        built_values: Vec::new(),
        location_directives: Vec::new(),
        quiet: None,
        scheme: None,
    };
    match &r.target {
        RouteTarget::Process(p) => {
            t.kind = "proxy".into();
            t.unit = format!("{}.service", m.prefixed(p));
            t.access_log = access_log(m, p);
            t.keepalive_port = keepalive_port(m, p).filter(|_| !r.websockets);
            if !r.buffering {
                t.location_directives.extend(
                    [
                        "proxy_buffering off;",
                        "proxy_cache off;",
                        "proxy_set_header Connection \"\";",
                    ]
                    .map(str::to_string),
                );
            }
            if let Some(wait) = &r.proxy_read_timeout {
                t.location_directives
                    .push(format!("proxy_read_timeout {wait};"));
            }
            t.quiet = m
                .processes
                .iter()
                .find(|x| x.name == *p && !x.access_log)
                .map(|x| format!("{}.service", m.prefixed(&x.name)));
            t.scheme = scheme_logged(m).contains(p).then(|| scheme.to_string());
        }
        RouteTarget::Asset { spa, name, .. } => {
            t.kind = if *spa { "spa" } else { "static" }.into();
            t.built_values = m
                .assets
                .iter()
                .find(|a| a.name == *name)
                .and_then(|a| a.build.as_ref())
                .map(|b| b.env.values().cloned().collect())
                .unwrap_or_default();
        }
        RouteTarget::State(dir) => {
            t.kind = "state".into();
            t.dir = format!("{}/{dir}", m.state_dir());
        }
        RouteTarget::Source(dir) => {
            t.kind = "source".into();
            t.dir = dir.clone();
        }
        RouteTarget::Redirect { url, code } => {
            t.kind = "redirect".into();
            t.code = *code;
            // nginx variables expand per request: compare the fixed prefix.
            t.location = url.split('$').next().unwrap_or_default().to_string();
        }
    }
    t
}

/// A name the VM test can resolve for `domain` (wildcards get a concrete label).
pub(super) fn concrete(domain: &str) -> String {
    match domain.strip_prefix("*.") {
        Some(rest) => format!("app2nix-probe.{rest}"),
        None => domain.to_string(),
    }
}

/// `www.X` beside `X`: the domains nginx redirects, as in the module's `wwwAliases`.
fn www_aliases(domains: &[String]) -> Vec<String> {
    domains
        .iter()
        .filter(|d| {
            d.strip_prefix("www.")
                .is_some_and(|bare| domains.iter().any(|o| o == bare))
        })
        .cloned()
        .collect()
}

/// Where a process logs the requests it serves: `["journal", unit]` or `["file", path]`.
pub(super) fn access_log(m: &Model, process: &str) -> Option<Vec<String>> {
    let p = m.processes.iter().find(|p| p.name == process)?;
    if matches!(p.server, Server::Command(_)) || !p.access_log {
        // An arbitrary command may not log requests, and `access_log = false` logs none: the
        // route check falls back to the status.
        return None;
    }
    Some(if p.access_log_file {
        vec!["file".into(), m.access_log_path(&p.name)]
    } else {
        vec!["journal".into(), format!("{}.service", m.prefixed(&p.name))]
    })
}

/// The TCP port of a process nginx keeps connections to (see
/// [`crate::model::Process::upstream_keepalive_timeout`]).
fn keepalive_port(m: &Model, process: &str) -> Option<u16> {
    let p = m.processes.iter().find(|p| p.name == process)?;
    p.upstream_keepalive_timeout()?;
    match &p.listen {
        Some(Listen::Tcp { port, .. }) => Some(*port),
        _ => None,
    }
}

/// The VM test posts bodies just above and below a size limit; limits above this are not
/// exercised (the test machines have 2 GiB of memory).
const LARGEST_TESTED_BODY: u64 = 64 * 1024 * 1024;

/// An nginx size (`20m`, `512k`, `1g`, `1000`) in bytes, when small enough to test.
fn body_limit(setting: &str) -> Option<BodyLimit> {
    let (digits, unit) = setting.split_at(setting.trim_end_matches(char::is_alphabetic).len());
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1024,
        "m" => 1024 * 1024,
        "g" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let bytes = digits.parse::<u64>().ok()?.checked_mul(factor)?;
    // 0 disables the check; tiny limits leave no room below.
    (bytes > 1024 && bytes <= LARGEST_TESTED_BODY).then(|| BodyLimit {
        setting: setting.to_string(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn www_aliases_need_their_bare_domain() {
        let d = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            www_aliases(&d(&["a.org", "www.a.org", "www.b.org"])),
            d(&["www.a.org"])
        );
    }

    #[test]
    fn wildcards_get_a_probe_label() {
        assert_eq!(concrete("*.apps.x.org"), "app2nix-probe.apps.x.org");
        assert_eq!(concrete("x.org"), "x.org");
    }
}
