//! Monitoring: where a failed unit of the app is reported (`[alerts]`: e-mail through the
//! host's sendmail or an SMTP relay, a webhook), and what Prometheus scrapes (`[metrics]`:
//! nginx's exporter, the app's own metrics endpoint), reachable from the scraper only.
//!
//! Owns [`Alerts`], [`Smtp`], [`Metrics`] and [`MetricsEndpoint`]; validates `[alerts]`,
//! `[metrics]` and the secrets delivered as `alerts`.
//!
//! May call [`super::check`]; reads the secrets, processes, sites and health check built before
//! it, and whether the app runs on several hosts.

use std::net::IpAddr;

use super::check::{Checker, shown};
use super::processes::{Health, Listen, Process};
use super::secrets::{Delivery, Secret};
use super::sites::{RouteTarget, Site, is_domain, is_email};
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;

/// Journal lines in an alert when the description does not say.
const DEFAULT_LINES: u32 = 50;

/// The most journal lines an alert may carry (an e-mail of a few hundred kilobytes).
const MAX_LINES: i64 = 1000;

/// Where failures are reported.
#[derive(Debug, Clone)]
pub struct Alerts {
    /// E-mail recipients.
    pub email: Vec<String>,
    /// The sender of alert e-mails.
    pub from: Option<String>,
    /// The SMTP relay, instead of the host's sendmail.
    pub smtp: Option<Smtp>,
    /// The secret holding the webhook's URL.
    pub webhook: Option<String>,
    /// Journal lines in each alert.
    pub lines: u32,
}

impl Alerts {
    /// The secrets the notifier reads (the webhook URL, the SMTP password), by name.
    pub fn secrets(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .webhook
            .iter()
            .chain(self.smtp.as_ref().and_then(|s| s.password.as_ref()))
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// An SMTP relay.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// Host name or address.
    pub host: String,
    /// Port: 465 is TLS from the start, any other STARTTLS.
    pub port: u16,
    /// User to log in as.
    pub user: Option<String>,
    /// The secret holding the password.
    pub password: Option<String>,
}

/// What Prometheus scrapes.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Run nginx's exporter.
    pub nginx_exporter: bool,
    /// The app's own metrics endpoint.
    pub endpoint: Option<MetricsEndpoint>,
    /// The Prometheus server's address (or network).
    pub scraper: String,
    /// Where the exporter and the scrape endpoint listen (`None`: from the scraper).
    pub listen: Option<String>,
}

impl Metrics {
    /// Whether the scraper runs on this host (a loopback address).
    pub fn local_scraper(&self) -> bool {
        is_loopback(&self.scraper)
    }

    /// The public paths of `site` that nginx would proxy to the app's metrics endpoint: the
    /// endpoint's path under each route to its process (after the route's prefix when the route
    /// strips it), with and without a trailing `/`. The site must refuse them.
    pub fn refused_paths(&self, site: &Site) -> Vec<String> {
        let Some(e) = &self.endpoint else {
            return Vec::new();
        };
        let bare = e.path.trim_end_matches('/');
        let mut paths = std::collections::BTreeSet::new();
        for r in &site.routes {
            if r.target != RouteTarget::Process(e.process.clone()) {
                continue;
            }
            let public = if r.strip_prefix {
                format!("{}{bare}", r.path.trim_end_matches('/'))
            } else if e.path.starts_with(&r.path) || format!("{bare}/") == r.path {
                bare.to_string()
            } else {
                continue;
            };
            paths.insert(format!("{public}/"));
            paths.insert(public);
        }
        paths.into_iter().collect()
    }
}

/// The app's metrics endpoint.
#[derive(Debug, Clone)]
pub struct MetricsEndpoint {
    /// URL path (`/metrics`).
    pub path: String,
    /// The process serving it.
    pub process: String,
    /// The port nginx serves it to the scraper on (`None`: the scraper reaches the process
    /// itself).
    pub port: Option<u16>,
}

/// `[alerts]`, and the secrets delivered as `alerts`, which only it may use.
pub(super) fn alerts(c: &mut Checker, desc: &d::Description, secrets: &[Secret]) -> Option<Alerts> {
    let Some(a) = &desc.alerts else {
        for (k, _) in alert_secrets(desc, secrets) {
            c.err(
                k.span(),
                format!("secret `{}` is for [alerts], but there is none", k.as_str()),
                "add [alerts] with `webhook` (or `smtp.password`) naming it, or deliver it to the app with `env` / `file`",
            );
        }
        return None;
    };
    let email: Vec<String> = a
        .email
        .iter()
        .filter(|e| email_address(c, e, "recipient"))
        .map(|e| e.to_string())
        .collect();
    let from = a
        .from
        .as_ref()
        .filter(|f| email_address(c, f, "sender"))
        .map(|f| f.to_string());
    let smtp = a.smtp.as_ref().and_then(|s| smtp(c, s, secrets));
    if let Some(s) = &a.smtp {
        if a.email.is_empty() {
            c.err(
                s.span(),
                "`smtp` without `email`: the relay sends nothing",
                "add `email = [\"ops@example.org\"]`, or remove `smtp`",
            );
        }
        if a.from.is_none() {
            c.err(
                s.span(),
                "an SMTP relay needs the sender's address",
                "add `from = \"alerts@example.org\"` (an address the relay lets this login send as)",
            );
        }
    }
    let webhook = a
        .webhook
        .as_ref()
        .and_then(|w| alert_secret(c, w, secrets, "webhook"));
    if a.email.is_empty() && a.webhook.is_none() {
        c.err(
            a.span(),
            "[alerts] names no destination",
            "add `email = [\"ops@example.org\"]` (sent through the host's sendmail), or `webhook = \"ALERT_WEBHOOK_URL\"` naming a secret declared as `= \"alerts\"`",
        );
    }
    let lines = c
        .positive(&a.lines, "lines", MAX_LINES)
        .unwrap_or(DEFAULT_LINES);
    let alerts = Alerts {
        email,
        from,
        smtp,
        webhook,
        lines,
    };
    let used = alerts.secrets();
    for (k, _) in alert_secrets(desc, secrets) {
        if !used.iter().any(|u| u == k.as_str()) {
            c.err(
                k.span(),
                format!("secret `{}` is for [alerts], but [alerts] does not use it", k.as_str()),
                "name it in `webhook` or `smtp.password`, or deliver it to the app with `env` / `file`",
            );
        }
    }
    Some(alerts)
}

/// The secrets declared with `= "alerts"`, as written.
fn alert_secrets<'a>(
    desc: &'a d::Description,
    secrets: &'a [Secret],
) -> impl Iterator<Item = (&'a Sp<String>, &'a Sp<d::SecretSpec>)> {
    desc.secrets.iter().filter(move |(k, _)| {
        secrets
            .iter()
            .any(|s| s.name == k.as_str() && s.delivery == Delivery::Alerts)
    })
}

/// A recipient or sender: an address that can stand in a mail header as it is.
fn email_address(c: &mut Checker, e: &Sp<String>, what: &str) -> bool {
    if c.one_line(e, what) && is_email(e) && !e.contains(',') {
        return true;
    }
    c.err(
        e.span(),
        format!("{what} `{}` is not an e-mail address", shown(e)),
        "write a plain address, e.g. `ops@example.org` (no name, no angle brackets)",
    );
    false
}

/// A secret named by `[alerts]`: declared, and delivered as `alerts`.
fn alert_secret(c: &mut Checker, n: &Sp<String>, secrets: &[Secret], what: &str) -> Option<String> {
    let ours: Vec<&str> = secrets
        .iter()
        .filter(|s| s.delivery == Delivery::Alerts)
        .map(|s| s.name.as_str())
        .collect();
    if ours.contains(&n.as_str()) {
        return Some(n.to_string());
    }
    if secrets.iter().any(|s| s.name == n.as_str()) {
        c.err(
            n.span(),
            format!("secret `{}` is delivered to the app, not to the failure notifier", n.as_str()),
            format!("declare it as `{} = \"alerts\"` under [secrets]: the notifier reads it, the app's units never see it", n.as_str()),
        );
        return None;
    }
    let help = match did_you_mean(n, ours.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if crate::model::is_env_name(n) => format!(
            "declare it under [secrets] as `{} = \"alerts\"`: the {what} is a secret, kept out of the Nix store",
            n.as_str()
        ),
        None => format!(
            "name a secret (e.g. `ALERT_WEBHOOK_URL`) declared under [secrets] as `= \"alerts\"`: the {what} itself never goes in the description"
        ),
    };
    c.err_redacted(
        n.span(),
        format!("the {what} is not a secret declared with `= \"alerts\"` (the value is not shown: it may be the secret itself)"),
        help,
    );
    None
}

/// `smtp = { host, port, user, password }`.
fn smtp(c: &mut Checker, s: &Sp<d::Smtp>, secrets: &[Secret]) -> Option<Smtp> {
    let host_ok = c.one_line(&s.host, "SMTP host")
        && (is_domain(&s.host) && !s.host.starts_with("*.") || s.host.parse::<IpAddr>().is_ok());
    if !host_ok {
        c.err(
            s.host.span(),
            format!(
                "SMTP host `{}` is not a host name or IP address",
                shown(&s.host)
            ),
            "e.g. `smtp.example.org`",
        );
    }
    let port = c
        .positive(&s.port, "SMTP port", 65535)
        .map_or(587, |p| p as u16);
    let user = s.user.as_ref().filter(|u| {
        let ok = c.one_line(u, "SMTP user")
            && !u.is_empty()
            && !u.contains(|ch: char| ch.is_whitespace() || ch == ':' || ch == '"' || ch == '\\');
        if !ok {
            c.err(
                u.span(),
                format!("SMTP user `{}` is not a login name", shown(u)),
                "write the login without spaces, quotes, `\\` or `:` (usually an e-mail address)",
            );
        }
        ok
    });
    let password = s
        .password
        .as_ref()
        .and_then(|p| alert_secret(c, p, secrets, "SMTP password"));
    match (&s.user, &s.password) {
        (Some(u), None) => c.err(
            u.span(),
            "an SMTP user without `password`",
            "add `password = \"SMTP_PASSWORD\"` naming a secret declared as `= \"alerts\"`, or remove `user`",
        ),
        (None, Some(p)) => c.err(
            p.span(),
            "an SMTP password without `user`",
            "add `user = \"alerts@example.org\"`, or remove `password`",
        ),
        _ => {}
    }
    (host_ok && s.user.as_ref().is_none_or(|_| user.is_some())).then(|| Smtp {
        host: s.host.to_string(),
        port,
        user: user.map(|u| u.to_string()),
        password,
    })
}

/// What `[metrics]` reads from the model built before it.
pub(super) struct Scraped<'a> {
    pub(super) processes: &'a [Process],
    pub(super) sites: &'a [Site],
    pub(super) health: &'a Option<Health>,
    /// The app runs on several hosts.
    pub(super) cluster: bool,
}

/// `[metrics]`.
pub(super) fn metrics(c: &mut Checker, desc: &d::Description, s: &Scraped) -> Option<Metrics> {
    let m = desc.metrics.as_ref()?;
    if !m.nginx_exporter && m.path.is_none() {
        c.err(
            m.span(),
            "[metrics] asks for nothing",
            "add `nginx_exporter = true` (nginx's Prometheus exporter) and/or `path = \"/metrics\"` (the app's own metrics endpoint)",
        );
    }
    if m.nginx_exporter && s.sites.is_empty() {
        c.err(
            m.span(),
            "the nginx exporter reads nginx's status page, but this app has no [sites]",
            "remove `nginx_exporter`, or serve the app through a site",
        );
    }
    let scraper = match &m.scraper {
        Some(a) if c.one_line(a, "scraper") && is_network(a) => a.to_string(),
        Some(a) => {
            c.err(
                a.span(),
                format!("scraper `{}` is not an IP address or network", shown(a)),
                "write the Prometheus server's address, e.g. `10.0.0.5` or `10.0.0.0/24`",
            );
            String::new()
        }
        None => "127.0.0.1".into(),
    };
    let listen = m.listen.as_ref().and_then(|l| {
        if c.one_line(l, "listen") && l.parse::<IpAddr>().is_ok() {
            Some(l.to_string())
        } else {
            c.err(
                l.span(),
                format!("listen `{}` is not an IP address", shown(l)),
                "write an address of this host, e.g. `10.0.0.10` (or `0.0.0.0` for every IPv4 address)",
            );
            None
        }
    });
    let endpoint = m
        .path
        .as_ref()
        .and_then(|p| endpoint(c, m, p, s, is_loopback(&scraper)));
    if let (Some(p), None) = (&m.port, &m.path) {
        c.err(
            p.span(),
            "`port` without `path`: it serves the app's metrics endpoint",
            "add `path = \"/metrics\"`, or remove `port`",
        );
    }
    Some(Metrics {
        nginx_exporter: m.nginx_exporter,
        endpoint,
        scraper,
        listen,
    })
}

/// `path`, `process` and `port`: the app's metrics endpoint and how the scraper reaches it.
fn endpoint(
    c: &mut Checker,
    m: &d::Metrics,
    path: &Sp<String>,
    s: &Scraped,
    local: bool,
) -> Option<MetricsEndpoint> {
    let path_ok = c.one_line(path, "metrics path") && is_metrics_path(path);
    if !path_ok {
        c.err(
            path.span(),
            format!("metrics path `{}` is not a URL path of its own", shown(path)),
            "e.g. `/metrics`: segments of letters, digits and `._~-` after `/` (not `.` or `..`), and not `/` itself",
        );
    }
    let process = metrics_process(c, m, path, s)?;
    if process.expose {
        c.err(
            path.span(),
            format!("the metrics process `{}` is exposed to the world, and its metrics with it", process.name),
            "remove `expose` (a site can route to the process instead), or serve the metrics from a process that is not exposed",
        );
    }
    let port = c.positive(&m.port, "port", 65535).map(|p| p as u16);
    let tcp = matches!(process.listen, Some(Listen::Tcp { .. }));
    if s.cluster {
        if let Some(p) = &m.port {
            c.err(
                p.span(),
                "`port` on several hosts: the scraper reaches each app host's process on the private network",
                "remove `port`, and scrape every app host at its private address and the process's port",
            );
        }
        let routed = s
            .sites
            .iter()
            .flat_map(|site| &site.routes)
            .any(|r| matches!(&r.target, RouteTarget::Process(n) if *n == process.name));
        if !routed {
            c.err(
                path.span(),
                format!("on several hosts, the metrics process `{}` must be routed by a site", process.name),
                "only routed processes listen on the private network, where the scraper reaches them",
            );
        }
    } else if m.port.is_none() && !(local && tcp) {
        let why = if tcp {
            "the scraper is another machine, and the process listens on this host only"
        } else {
            "the process listens on a unix socket, which Prometheus cannot scrape"
        };
        c.err(
            path.span(),
            format!("the scraper cannot reach `{}`: {why}", shown(path)),
            "add `port = 9101` (a port of its own): nginx serves the metrics there, to the scraper only",
        );
    }
    (path_ok && (s.cluster || m.port.is_none() || port.is_some())).then(|| MetricsEndpoint {
        path: path.to_string(),
        process: process.name.clone(),
        port,
    })
}

/// The process serving the metrics: named, or the health check's, or the first routed, or the
/// first that listens.
fn metrics_process<'a>(
    c: &mut Checker,
    m: &d::Metrics,
    path: &Sp<String>,
    s: &'a Scraped,
) -> Option<&'a Process> {
    let listening = || s.processes.iter().filter(|p| p.listen.is_some());
    if let Some(n) = &m.process {
        let found = listening().find(|p| p.name == **n);
        if found.is_none() {
            let help = match did_you_mean(n, listening().map(|p| p.name.as_str())) {
                Some(x) => format!("did you mean `{x}`?"),
                None => "name a process that has `listen`".to_string(),
            };
            c.err(
                n.span(),
                format!("metrics process `{}` is not a listening process", shown(n)),
                help,
            );
        }
        return found;
    }
    let routed = |p: &&Process| {
        s.sites
            .iter()
            .flat_map(|site| &site.routes)
            .any(|r| matches!(&r.target, RouteTarget::Process(n) if *n == p.name))
    };
    let found = s
        .health
        .as_ref()
        .and_then(|h| listening().find(|p| p.name == h.process))
        .or_else(|| listening().find(routed))
        .or_else(|| listening().next());
    if found.is_none() {
        c.err(
            path.span(),
            "a metrics path needs a process that listens",
            "add `listen` to the process that serves it",
        );
    }
    found
}

/// A URL path nginx matches as written (it normalizes `//`, `.` and `..` first): `/` and
/// segments of `[A-Za-z0-9._~-]`, none empty but the last (a trailing `/`), none `.` or `..`.
fn is_metrics_path(p: &str) -> bool {
    let Some(rest) = p.strip_prefix('/') else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    !rest.is_empty()
        && segments.iter().enumerate().all(|(i, seg)| {
            (!seg.is_empty() || (i == last && i > 0))
                && *seg != "."
                && *seg != ".."
                && seg
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "._~-".contains(ch))
        })
}

/// An IPv4 or IPv6 address, or a network in CIDR notation.
fn is_network(s: &str) -> bool {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.is_none_or(|b| {
        !b.is_empty()
            && b.len() <= 3
            && b.bytes().all(|x| x.is_ascii_digit())
            && b.parse::<u32>().is_ok_and(|n| n <= max)
    })
}

/// A loopback address or network (`127.0.0.1`, `127.0.0.0/8`, `::1`).
fn is_loopback(s: &str) -> bool {
    let addr = s.split_once('/').map_or(s, |(a, _)| a);
    addr.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_paths() {
        for ok in ["/metrics", "/metrics/", "/a/b.c/~d-e_f"] {
            assert!(is_metrics_path(ok), "{ok}");
        }
        for bad in [
            "/", "//", "metrics", "/a//b", "/./x", "/x/..", "/a b", "/a?b", "/%2e",
        ] {
            assert!(!is_metrics_path(bad), "{bad}");
        }
    }

    #[test]
    fn networks() {
        for ok in ["10.0.0.5", "10.0.0.0/24", "::1", "fd00::/8", "127.0.0.1/32"] {
            assert!(is_network(ok), "{ok}");
        }
        for bad in [
            "10.0.0.5/33",
            "host",
            "10.0.0.5/",
            "10.0.0.5/-1",
            "::1/129",
            "1.2.3.4 5",
        ] {
            assert!(!is_network(bad), "{bad}");
        }
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("127.0.0.0/8"));
        assert!(!is_loopback("10.0.0.5"));
    }
}
