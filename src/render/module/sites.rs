//! The module's sites part: nginx virtual hosts and their locations, the upstreams of the
//! routed processes, TLS (ACME, shared certificate, own files), and what the firewall opens.
//!
//! May call: `model` (read only).

use serde::Serialize;

use crate::model::{Listen, Model, Route, RouteTarget, Site, Tls};

/// Let's Encrypt's staging directory, for `staging = true`.
const ACME_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

#[derive(Debug, Serialize)]
pub(super) struct SitesCtx {
    sites: Vec<SiteCtx>,
    upstreams: Vec<UpstreamCtx>,
    acme: Option<AcmeCtx>,
    redirect_www: bool,
    /// nginx joins the app's group (unix sockets, state directories it serves).
    nginx_in_group: bool,
    open_ports: Vec<u16>,
    /// Some site with security headers serves HTTPS (and so sends HSTS).
    https_sites: bool,
}

impl SitesCtx {
    /// Some upstream is reached over TCP.
    pub(super) fn any_tcp_upstream(&self) -> bool {
        self.upstreams.iter().any(|u| !u.unix)
    }
}

#[derive(Debug, Serialize)]
struct SiteCtx {
    name: String,
    domains: Vec<String>,
    redirect_www: bool,
    /// `acme`, `shared`, `files` or `none`.
    tls: String,
    certificate: String,
    key: String,
    extra_config: Vec<String>,
    security_headers: bool,
    locations: Vec<LocationCtx>,
}

#[derive(Debug, Serialize)]
struct LocationCtx {
    path: String,
    /// `proxy`, `spa`, `asset`, `state` or `redirect`.
    kind: String,
    upstream: String,
    strip_prefix: bool,
    websockets: bool,
    asset: String,
    root: bool,
    dir: String,
    redirect: String,
    extra_config: Vec<String>,
}

#[derive(Debug, Serialize)]
struct UpstreamCtx {
    name: String,
    process: String,
    unix: bool,
    /// Seconds nginx keeps idle connections to the server (none: no keepalive).
    keepalive_timeout: Option<u32>,
    /// The server keeps connections, but only WebSocket locations proxy here.
    websockets_only: bool,
}

#[derive(Debug, Serialize)]
struct AcmeCtx {
    email: String,
    server: Option<String>,
    shared: bool,
    dns_provider: Option<String>,
    dns_credentials: Option<String>,
}

pub(super) fn context(m: &Model) -> SitesCtx {
    let upstreams = upstreams(m);
    let nginx_in_group = upstreams.iter().any(|u| u.unix)
        || m.sites
            .iter()
            .flat_map(|s| &s.routes)
            .any(|r| matches!(r.target, RouteTarget::State(_)));
    let mut open_ports = Vec::new();
    if !m.sites.is_empty() {
        open_ports.push(80);
    }
    if m.sites.iter().any(|s| s.tls != Tls::None) {
        open_ports.push(443);
    }
    SitesCtx {
        sites: m.sites.iter().map(|s| site(m, s)).collect(),
        upstreams,
        acme: m.acme.as_ref().map(|a| AcmeCtx {
            email: a.email.clone(),
            server: a.staging.then(|| ACME_STAGING.to_string()),
            shared: a.shared,
            dns_provider: a.dns_provider.clone(),
            dns_credentials: a.dns_credentials.clone(),
        }),
        redirect_www: m.sites.iter().any(|s| s.redirect_www),
        nginx_in_group,
        open_ports,
        https_sites: m
            .sites
            .iter()
            .any(|s| s.tls != Tls::None && s.security_headers),
    }
}

/// An upstream for every process some route proxies to.
fn upstreams(m: &Model) -> Vec<UpstreamCtx> {
    m.routed_processes()
        .map(|p| {
            let plain = plain_route_to(m, &p.name);
            UpstreamCtx {
                name: m.prefixed(&p.name),
                process: p.name.clone(),
                unix: p.listen == Some(Listen::Unix),
                keepalive_timeout: p.upstream_keepalive_timeout().filter(|_| plain),
                websockets_only: p.upstream_keepalive_timeout().is_some() && !plain,
            }
        })
        .collect()
}

/// Whether a location without WebSockets proxies to `process`. Only those can reuse a kept
/// connection: nixpkgs' WebSocket locations send `Connection: close` with every plain request
/// (its `$connection_upgrade` map), so keepalive for them alone would do nothing.
fn plain_route_to(m: &Model, process: &str) -> bool {
    m.sites
        .iter()
        .flat_map(|s| &s.routes)
        .any(|r| !r.websockets && matches!(&r.target, RouteTarget::Process(p) if p == process))
}

fn site(m: &Model, s: &Site) -> SiteCtx {
    let shared = m.acme.as_ref().is_some_and(|a| a.shared);
    let (tls, certificate, key) = match &s.tls {
        Tls::Acme if shared => ("shared", String::new(), String::new()),
        Tls::Acme => ("acme", String::new(), String::new()),
        Tls::None => ("none", String::new(), String::new()),
        Tls::Files { certificate, key } => ("files", certificate.clone(), key.clone()),
    };
    SiteCtx {
        name: s.name.clone(),
        domains: s.domains.clone(),
        redirect_www: s.redirect_www,
        tls: tls.into(),
        certificate,
        key,
        extra_config: nginx_settings(&s.client_max_body_size, &s.proxy_read_timeout),
        security_headers: s.security_headers,
        locations: s.routes.iter().flat_map(|r| locations(m, r)).collect(),
    }
}

/// A route's location, and the one for its content-hashed assets when it serves an SPA.
fn locations(m: &Model, r: &Route) -> Vec<LocationCtx> {
    let mut loc = LocationCtx {
        path: r.path.clone(),
        kind: String::new(),
        upstream: String::new(),
        strip_prefix: r.strip_prefix,
        websockets: r.websockets,
        asset: String::new(),
        root: r.path == "/",
        dir: String::new(),
        redirect: String::new(),
        extra_config: nginx_settings(&r.client_max_body_size, &r.proxy_read_timeout),
    };
    let mut extra = Vec::new();
    match &r.target {
        RouteTarget::Process(p) => {
            loc.kind = "proxy".into();
            loc.upstream = m.prefixed(p);
            // The recommended proxy headers this location includes replace the http-level
            // `Connection ""` that upstream keepalive needs.
            let keepalive = m
                .processes
                .iter()
                .any(|x| x.name == *p && x.upstream_keepalive_timeout().is_some());
            if !r.buffering {
                // Passed on as it arrives (server-sent events): nothing buffered or cached.
                loc.extra_config.push("proxy_buffering off;".into());
                loc.extra_config.push("proxy_cache off;".into());
            }
            // The http level's HTTP/1.1 with no `Connection: close`, which the proxy headers
            // included here would otherwise bring back: for upstream keepalive, and for a stream
            // that must stay open.
            if (keepalive || !r.buffering) && !r.websockets {
                loc.extra_config
                    .push("proxy_set_header Connection \"\";".into());
            }
        }
        RouteTarget::Asset {
            name,
            spa,
            hashed_dir,
        } => {
            loc.kind = if *spa { "spa".into() } else { "asset".into() };
            loc.asset = name.clone();
            loc.extra_config.push(if *spa {
                "expires epoch;".into()
            } else {
                "expires 7d;".into()
            });
            if let Some(dir) = hashed_dir.as_ref().filter(|_| *spa) {
                extra.push(hashed_assets(name, dir));
            }
        }
        RouteTarget::State(dir) => {
            loc.kind = "state".into();
            loc.dir = dir.clone();
            loc.extra_config.push("expires 7d;".into());
        }
        RouteTarget::Source(dir) => {
            loc.kind = "source".into();
            loc.dir = dir.clone();
            loc.extra_config.push("expires 7d;".into());
        }
        RouteTarget::Redirect { url, code } => {
            loc.kind = "redirect".into();
            // Quoted: nothing in the URL can end the directive.
            loc.redirect = format!("{code} \"{url}\"");
        }
    }
    std::iter::once(loc).chain(extra).collect()
}

/// Content-hashed build output of an SPA never changes under one name: cached for a year.
fn hashed_assets(asset: &str, dir: &str) -> LocationCtx {
    LocationCtx {
        path: format!("/{dir}/"),
        kind: "asset".into(),
        asset: asset.to_string(),
        root: true,
        extra_config: vec!["expires 1y;".into(), "access_log off;".into()],
        upstream: String::new(),
        strip_prefix: false,
        websockets: false,
        dir: String::new(),
        redirect: String::new(),
    }
}

fn nginx_settings(max_body: &Option<String>, timeout: &Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = max_body {
        out.push(format!("client_max_body_size {s};"));
    }
    if let Some(t) = timeout {
        out.push(format!("proxy_read_timeout {t};"));
    }
    out
}
