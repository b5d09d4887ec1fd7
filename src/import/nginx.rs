//! nginx configuration: the reader ([`nginx`], directives and blocks with their line numbers,
//! nesting bounded) and the mapper (each `server` block becomes a site, each `location` a route
//! to an imported process or asset, or a redirect; TLS becomes ACME). The closing decisions about
//! sites (the `main` site, redirect-only servers, the ACME account) are made here too, once
//! every input is read.
//!
//! It may call [`crate::secrets`] (credential headers are named, never shown) and the
//! importer's registries of processes by port and by Compose service (filled by the systemd
//! and Compose mappers, which run first).

use super::{Importer, Input, slug};
use crate::draft::{Outcome, Route, Site, Source, Tls};
use crate::secrets;

/// An nginx directive: `name args;` or `name args { children }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name.
    pub name: String,
    /// Arguments, unquoted.
    pub args: Vec<String>,
    /// Block contents (`None` for simple directives).
    pub block: Option<Vec<Directive>>,
    /// 1-based line of the name.
    pub line: usize,
}

/// Read an nginx configuration file (or fragment).
pub fn nginx(text: &str) -> Result<Vec<Directive>, String> {
    let mut tokens: Vec<(String, usize, bool)> = Vec::new(); // (text, line, quoted)
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while let Some(&d) = chars.peek() {
                    if d == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            ';' | '{' | '}' => {
                tokens.push((c.to_string(), line, false));
                chars.next();
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let start = line;
                let mut s = String::new();
                while let Some(d) = chars.next() {
                    match d {
                        d if d == quote => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                s.push(e);
                            }
                        }
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        d => s.push(d),
                    }
                }
                tokens.push((s, start, true));
            }
            _ => {
                let mut s = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_whitespace() || d == ';' || d == '{' || d == '}' {
                        break;
                    }
                    // `${var}` stays one word.
                    s.push(d);
                    chars.next();
                }
                tokens.push((s, line, false));
            }
        }
    }
    let mut pos = 0;
    let result = block(&tokens, &mut pos, 0)?;
    Ok(result)
}

/// Deepest block nesting read: real configurations nest a few levels (http, server, location,
/// if); a file of `{` must not exhaust the stack.
const MAX_NESTING: usize = 32;

fn block(
    tokens: &[(String, usize, bool)],
    pos: &mut usize,
    depth: usize,
) -> Result<Vec<Directive>, String> {
    let nested = depth > 0;
    if depth > MAX_NESTING {
        let line = tokens.get(*pos).map_or(0, |t| t.1);
        return Err(format!(
            "line {line}: blocks nested deeper than {MAX_NESTING} levels"
        ));
    }
    let mut out = Vec::new();
    while *pos < tokens.len() {
        let (t, line, quoted) = &tokens[*pos];
        if t == "}" && !quoted {
            if nested {
                *pos += 1;
                return Ok(out);
            }
            return Err(format!("line {line}: unexpected `}}`"));
        }
        let name = t.clone();
        let name_line = *line;
        *pos += 1;
        let mut args = Vec::new();
        loop {
            let Some((t, line, quoted)) = tokens.get(*pos) else {
                return Err(format!(
                    "line {name_line}: `{name}` is not terminated by `;` or a block"
                ));
            };
            *pos += 1;
            if !quoted && t == ";" {
                out.push(Directive {
                    name,
                    args,
                    block: None,
                    line: name_line,
                });
                break;
            }
            if !quoted && t == "{" {
                let children = block(tokens, pos, depth + 1)?;
                out.push(Directive {
                    name,
                    args,
                    block: Some(children),
                    line: name_line,
                });
                break;
            }
            if !quoted && t == "}" {
                return Err(format!("line {line}: unexpected `}}`"));
            }
            args.push(t.clone());
        }
    }
    if nested {
        return Err("unterminated block: a `}` is missing".into());
    }
    Ok(out)
}

impl Importer {
    /// An nginx file: each `server` block, wherever it is nested, becomes a site.
    pub(super) fn nginx(&mut self, input: &Input) -> Result<(), String> {
        let directives = nginx(&input.text)
            .map_err(|e| format!("error: {}: {e}\nhelp: check it with `nginx -t`", input.name))?;
        let mut servers = Vec::new();
        collect_servers(&directives, &mut servers);
        for server in servers {
            self.server_block(input, server);
        }
        Ok(())
    }

    /// A `server` block: a site with its domains, TLS and routes, or (HTTP only, redirecting to
    /// HTTPS) the redirect `forceSSL` makes.
    fn server_block(&mut self, input: &Input, server: &Directive) {
        let body = server.block.clone().unwrap_or_default();
        let names: Vec<String> = body
            .iter()
            .filter(|d| d.name == "server_name")
            .flat_map(|d| d.args.clone())
            .filter(|n| n != "_")
            .collect();
        let ssl = body
            .iter()
            .any(|d| d.name == "listen" && d.args.iter().any(|a| a == "ssl" || a == "443"));
        let redirects_to_https = body
            .iter()
            .any(|d| d.name == "return" && d.args.iter().any(|a| a.starts_with("https://")));
        if !ssl && redirects_to_https && !body.iter().any(|d| d.name == "location") {
            self.redirect_only.extend(names.clone());
            self.add(
                &input.name,
                server.line,
                format!(
                    "server {{ listen 80; server_name {} }} (redirect to HTTPS)",
                    names.join(" ")
                ),
                Outcome::Covered("forceSSL redirects HTTP to HTTPS".into()),
            );
            return;
        }
        let site_name = site_name(&names, &self.draft.sites);
        let mut site = Site {
            domains: names.clone(),
            tls: if ssl { Tls::Acme } else { Tls::None },
            ..Site::default()
        };
        let mut cert_dir = None;
        let mut timeouts: Vec<String> = Vec::new();
        for d in &body {
            let what = directive_text(d);
            match d.name.as_str() {
                "server_name" => self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] domains"))),
                "listen" => self.add(&input.name, d.line, what, Outcome::Covered("nginx listens on 80 and 443 for every site".into())),
                "ssl_certificate" => {
                    let path = d.args.first().cloned().unwrap_or_default();
                    if let Some(rest) = path.strip_prefix("/etc/letsencrypt/live/") {
                        cert_dir = rest.split('/').next().map(String::from);
                        self.add(&input.name, d.line, what, Outcome::Mapped("a certbot certificate: Let's Encrypt through NixOS's ACME client".into()));
                    } else {
                        self.add(&input.name, d.line, what, Outcome::Unmapped("certificate files: write `tls = { certificate = \"…\", key = \"…\" }` with their paths".into()));
                    }
                }
                "ssl_certificate_key" => self.add(&input.name, d.line, what, Outcome::Covered("with the certificate".into())),
                "ssl_dhparam" | "ssl_protocols" | "ssl_ciphers" | "ssl_prefer_server_ciphers" | "ssl_session_cache" | "ssl_session_timeout" | "ssl_stapling" | "ssl_stapling_verify" => {
                    self.add(&input.name, d.line, what, Outcome::Covered("recommendedTlsSettings".into()))
                }
                "include" if d.args.iter().any(|a| a.contains("letsencrypt")) => self.add(&input.name, d.line, what, Outcome::Covered("recommendedTlsSettings".into())),
                "client_max_body_size" => {
                    site.client_max_body_size = d.args.first().cloned();
                    self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] client_max_body_size")));
                }
                "proxy_read_timeout" => {
                    timeouts.extend(d.args.first().map(|t| seconds(t)));
                    self.add(&input.name, d.line, what, Outcome::Mapped(format!("[sites.{site_name}] proxy_read_timeout")));
                }
                "add_header" => self.add(&input.name, d.line, what, Outcome::Covered("app2nix's security header preset (HSTS, X-Frame-Options, X-Content-Type-Options, Referrer-Policy)".into())),
                "gzip" | "gzip_types" | "gzip_vary" | "gzip_proxied" | "gzip_comp_level" | "gzip_min_length" => self.add(&input.name, d.line, what, Outcome::Covered("recommendedGzipSettings".into())),
                "access_log" | "error_log" => self.add(&input.name, d.line, what, Outcome::Covered("nginx's default logs".into())),
                "return" if redirects_to_https => self.add(&input.name, d.line, what, Outcome::Covered("forceSSL".into())),
                "location" => self.location(input, d, &site_name, &mut site, &mut timeouts),
                _ => self.add(&input.name, d.line, what, Outcome::Unmapped("no equivalent in app2nix.toml".into())),
            }
        }
        self.read_timeout(input, server, timeouts, &mut site);
        self.cert_dirs.push(cert_dir);
        self.draft.sites.push((site_name, site));
    }

    /// The site's `proxy_read_timeout`, from those of the server and its locations: the
    /// longest when they differ.
    fn read_timeout(
        &mut self,
        input: &Input,
        server: &Directive,
        mut timeouts: Vec<String>,
        site: &mut Site,
    ) {
        timeouts.sort();
        timeouts.dedup();
        match timeouts.as_slice() {
            [] => {}
            [one] => site.proxy_read_timeout = Some(one.clone()),
            many => self.add(
                &input.name,
                server.line,
                format!("proxy_read_timeout {}", many.join(", ")),
                Outcome::Decided(format!(
                    "several timeouts: the site uses the longest, {}",
                    many[many.len() - 1]
                )),
            ),
        }
        if site.proxy_read_timeout.is_none() && timeouts.len() > 1 {
            site.proxy_read_timeout = timeouts.last().cloned();
        }
    }

    /// A `location` block: a route of the site (to a process, an asset or a redirect), or a
    /// finding saying why not.
    fn location(
        &mut self,
        input: &Input,
        d: &Directive,
        site_name: &str,
        site: &mut Site,
        timeouts: &mut Vec<String>,
    ) {
        let path = d.args.last().cloned().unwrap_or_else(|| "/".into());
        if d.args.len() > 1 {
            self.add(&input.name, d.line, format!("location {}", d.args.join(" ")), Outcome::Unmapped("regular-expression and exact-match locations are not expressible: routes are path prefixes".into()));
            return;
        }
        let body = d.block.clone().unwrap_or_default();
        if body.iter().any(|inner| inner.name == "stub_status") {
            self.stub_status(input, d, &path);
            return;
        }
        let mut target: Option<Route> = None;
        for inner in &body {
            let what = directive_text(inner);
            match inner.name.as_str() {
                "proxy_pass" => {
                    if let Some(t) = self.proxy_pass(input, inner, &path, what) {
                        target = Some(t);
                    }
                }
                "root" | "alias" => self.add(&input.name, inner.line, what, Outcome::Decided("files on the old server: serve them as an [assets] directory or a [state] route".into())),
                "try_files" if inner.args.iter().any(|a| a.ends_with("index.html")) => {
                    self.add(&input.name, inner.line, what, Outcome::Covered("a single-page app's fallback to index.html".into()));
                }
                "return" => {
                    let (code, url) = match inner.args.as_slice() {
                        [c, u] => (c.parse().ok(), u.clone()),
                        [u] => (None, u.clone()),
                        _ => (None, String::new()),
                    };
                    if secrets::secret_value(&url).is_some() {
                        // Never copied: the description is no place for a credential, and
                        // redirect targets are public.
                        self.add(&input.name, inner.line, what, Outcome::Unmapped(
                            "the redirect target holds a credential, and redirect targets are public: remove it from the URL, then add the route by hand".into(),
                        ));
                    } else {
                        target = Some(Route::Redirect(url, code));
                        self.add(&input.name, inner.line, what, Outcome::Mapped(format!("{path} → redirect")));
                    }
                }
                "proxy_read_timeout" => {
                    timeouts.extend(inner.args.first().map(|t| seconds(t)));
                    self.add(&input.name, inner.line, what, Outcome::Mapped(format!("[sites.{site_name}] proxy_read_timeout")));
                }
                "proxy_set_header" if directive_text(inner).ends_with('…') => self.add(&input.name, inner.line, what, Outcome::Unmapped(
                    "a header that carries credentials, which app2nix does not send; if the app needs it, declare the value under [secrets] and let the app add it".into(),
                )),
                "proxy_set_header" | "proxy_http_version" | "proxy_redirect" | "proxy_buffering" => {
                    let ws = inner.args.iter().any(|a| a.to_ascii_lowercase().contains("upgrade"));
                    self.add(&input.name, inner.line, what, Outcome::Covered(if ws { "WebSocket headers: write `websockets = true` on the route if it needs them".into() } else { "recommendedProxySettings".into() }));
                }
                "include" if inner.args.iter().any(|a| a.contains("proxy_params")) => self.add(&input.name, inner.line, what, Outcome::Covered("recommendedProxySettings".into())),
                "expires" | "add_header" | "gzip_static" | "access_log" => self.add(&input.name, inner.line, what, Outcome::Covered("app2nix's caching and header defaults".into())),
                _ => self.add(&input.name, inner.line, what, Outcome::Unmapped("no equivalent in app2nix.toml".into())),
            }
        }
        match target {
            // Found by fuzzing: a second `location` with the same path made a duplicate key.
            Some(_) if site.routes.iter().any(|(p, _)| *p == path) => self.add(
                &input.name,
                d.line,
                format!("location {path}"),
                Outcome::Unmapped("a second location with this path: the first one is kept".into()),
            ),
            Some(t) => site.routes.push((path, t)),
            None => self.add(
                &input.name,
                d.line,
                format!("location {path}"),
                Outcome::Unmapped("no proxy_pass or return that maps to a route".into()),
            ),
        }
    }

    /// A location's `proxy_pass`: a route to the imported process (or asset) that listens
    /// there, or `None` (reported) when none does or the URI rewrites paths.
    fn proxy_pass(
        &mut self,
        input: &Input,
        inner: &Directive,
        path: &str,
        what: String,
    ) -> Option<Route> {
        let url = inner.args.first().cloned().unwrap_or_default();
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
        let (hostport, uri) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let strip_prefix = match uri_replacement(path, uri) {
            Ok(strip) => strip,
            Err(why) => {
                self.add(&input.name, inner.line, what, Outcome::Unmapped(why));
                return None;
            }
        };
        let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
        let port: Option<u16> = port.parse().ok();
        let process = self
            .by_service
            .get(host)
            .cloned()
            .or_else(|| port.and_then(|p| self.by_port.get(&p).cloned()));
        match process {
            Some(p) if p.starts_with("asset:") => {
                let asset = p.trim_start_matches("asset:").to_string();
                self.add(
                    &input.name,
                    inner.line,
                    what,
                    Outcome::Mapped(format!("{path} → asset `{asset}`, served by nginx itself")),
                );
                Some(Route::Asset(asset))
            }
            Some(p) => {
                let how = if strip_prefix {
                    format!(
                        ", without the `{path}` prefix (strip_prefix, as nginx replaces it with `/`)"
                    )
                } else {
                    String::new()
                };
                self.add(
                    &input.name,
                    inner.line,
                    what,
                    Outcome::Mapped(format!(
                        "{path} → process `{p}` through an nginx upstream{how}"
                    )),
                );
                Some(Route::Process(p, strip_prefix))
            }
            None => {
                self.add(&input.name, inner.line, what, Outcome::Unmapped(format!("no imported process listens on {hostport}: import its unit or Compose service too")));
                None
            }
        }
    }

    /// The sites' closing decisions, once every input is read.
    pub(super) fn finish_sites(&mut self) {
        // Every domain of an HTTP-only redirect server belongs to an HTTPS site already.
        for d in std::mem::take(&mut self.redirect_only) {
            if !self.draft.sites.iter().any(|(_, s)| s.domains.contains(&d)) {
                self.report.add(
                    Source::new("(import)", 0),
                    format!("server_name {d}"),
                    Outcome::Unmapped(
                        "only redirected to HTTPS, but no HTTPS server serves it".into(),
                    ),
                );
            }
        }
        // A single site is the site: call it `main` whatever its domain.
        if let [(only, _)] = self.draft.sites.as_mut_slice()
            && only != "main"
        {
            let old = format!("[sites.{only}]");
            *only = "main".into();
            for f in &mut self.report.findings {
                if let Outcome::Mapped(t) = &mut f.outcome {
                    *t = t.replace(&old, "[sites.main]");
                }
            }
        }
        let acme_sites: Vec<usize> = (0..self.draft.sites.len())
            .filter(|i| self.draft.sites[*i].1.tls == Tls::Acme)
            .collect();
        if !acme_sites.is_empty() {
            let dirs: Vec<&Option<String>> =
                acme_sites.iter().map(|i| &self.cert_dirs[*i]).collect();
            let shared = dirs.len() > 1 && dirs.iter().all(|d| d.is_some() && *d == dirs[0]);
            let first = self.draft.sites[acme_sites[0]]
                .1
                .domains
                .first()
                .cloned()
                .unwrap_or_default();
            let base = base_domain(&first);
            let email = format!("admin@{base}");
            self.report.add(Source::new("(import)", 0), "Let's Encrypt account email", Outcome::Decided(format!("{email}: certbot's account email is not in these files; change [acme] email if it is wrong")));
            if shared {
                self.report.add(
                    Source::new("(import)", 0),
                    "one certbot certificate for every site",
                    Outcome::Mapped("[acme] certificate = \"shared\"".into()),
                );
            }
            self.draft.acme = Some((email, shared));
        }
    }
}

/// What a `proxy_pass` URI does to the paths of `location`: nginx replaces the matched prefix
/// with the URI. `Ok(true)` strips the prefix (`location /api/ { proxy_pass http://b/; }`),
/// `Ok(false)` passes paths unchanged (no URI, or the prefix itself); anything else has no route
/// equivalent.
fn uri_replacement(location: &str, uri: Option<&str>) -> Result<bool, String> {
    match uri {
        None => Ok(false),
        Some(u) if u == location => Ok(false),
        Some(u) if u.contains('$') => Err(format!(
            "proxy_pass builds its URI from variables (`{u}`): write the route by hand"
        )),
        Some("/") if location.ends_with('/') => Ok(location != "/"),
        Some(u) => Err(format!(
            "nginx replaces `{location}` with `{u}` before proxying; routes pass paths unchanged or strip the whole prefix (`strip_prefix`), so the app would see other paths"
        )),
    }
}

/// An nginx directive as the report shows it: a header that carries credentials
/// (`Authorization`, `X-Api-Key`, cookies, anything secret-named) shows its name, not its value.
fn directive_text(d: &Directive) -> String {
    let header_directive = [
        "proxy_set_header",
        "add_header",
        "more_set_headers",
        "uwsgi_param",
        "fastcgi_param",
    ];
    if header_directive.contains(&d.name.as_str())
        && let Some(header) = d.args.first()
    {
        let lower = header.to_ascii_lowercase();
        let credential = [
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
        ]
        .contains(&lower.as_str())
            || secrets::is_secret_name(&header.replace('-', "_"));
        if credential && d.args.len() > 1 {
            return format!("{} {header} …", d.name);
        }
    }
    format!("{} {}", d.name, d.args.join(" "))
}

fn collect_servers<'a>(ds: &'a [Directive], out: &mut Vec<&'a Directive>) {
    for d in ds {
        if d.name == "server" && d.block.is_some() {
            out.push(d);
        } else if let Some(b) = &d.block {
            collect_servers(b, out);
        }
    }
}

/// `main` for the apex (and its www), the first label for a subdomain.
fn site_name(domains: &[String], taken: &[(String, Site)]) -> String {
    let first = domains.first().cloned().unwrap_or_else(|| "main".into());
    let labels: Vec<&str> = first.split('.').collect();
    let base = if labels.len() <= 2 || labels[0] == "www" {
        "main".to_string()
    } else {
        slug(labels[0])
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|(t, _)| *t == name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The registrable-looking part of a domain (its last two labels).
fn base_domain(d: &str) -> String {
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() <= 2 {
        d.to_string()
    } else {
        labels[labels.len() - 2..].join(".")
    }
}

/// `300` → `300s`; values with a unit stay.
fn seconds(v: &str) -> String {
    if v.chars().all(|c| c.is_ascii_digit()) {
        format!("{v}s")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_blocks_nest() {
        let d =
            nginx("server {\n  listen 443 ssl; # tls\n  location / { proxy_pass http://x; }\n}\n")
                .expect("parses");
        let server = &d[0];
        let body = server.block.as_ref().expect("block");
        assert_eq!(body[0].args, ["443", "ssl"]);
        assert_eq!(body[1].line, 3);
        assert!(nginx("server {").is_err());
    }

    /// Found by the hostile-input review: 60 KB of `{` overflowed the stack (exit 134).
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let err = nginx(&"{".repeat(60_000)).expect_err("too deep");
        assert!(err.contains("nested deeper than 32"), "{err}");
        assert!(nginx(&format!("{}x;{}", "a {".repeat(30), "}".repeat(30))).is_ok());
    }

    #[test]
    fn proxy_pass_uris_map_to_strip_prefix() {
        assert_eq!(uri_replacement("/api/", None), Ok(false));
        assert_eq!(uri_replacement("/api/", Some("/")), Ok(true));
        assert_eq!(uri_replacement("/", Some("/")), Ok(false));
        assert_eq!(uri_replacement("/api/", Some("/api/")), Ok(false));
        assert!(uri_replacement("/api/", Some("/v1/")).is_err());
        assert!(uri_replacement("/api", Some("/")).is_err());
        assert!(uri_replacement("/api/", Some("/$1")).is_err());
    }

    #[test]
    fn site_names() {
        let d = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            site_name(&d(&["nanotrace.org", "www.nanotrace.org"]), &[]),
            "main"
        );
        assert_eq!(site_name(&d(&["admin.nanotrace.org"]), &[]), "admin");
    }

    /// Found by fuzzing: two `location /` blocks made a duplicate TOML key.
    #[test]
    fn repeated_locations_keep_the_first() {
        let input = Input {
            name: "site.conf".into(),
            text: "server {\n  server_name a.org;\n  location / { return 301 https://b.org/; }\n  location / { return 302 https://c.org/; }\n}\n".into(),
            path: None,
        };
        let (draft, report) =
            crate::import::import(&[input], &crate::import::Options::default()).expect("imports");
        let text = draft.to_toml();
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text}\n{e}"));
        let routes = &table["sites"]["main"]["routes"];
        assert_eq!(routes["/"]["redirect"].as_str(), Some("https://b.org/"));
        assert!(
            report
                .render()
                .contains("site.conf:4: location /: not mapped")
        );
    }

    /// A deployment never seen before: `proxy_pass` with a URI replaces the location's prefix,
    /// so the backend receives `/x` for `/api/x`; imported as a plain route it got `/api/x`.
    #[test]
    fn a_proxy_pass_uri_strips_the_prefix() {
        let nginx = "server {\n  server_name a.org;\n  location /api/ { proxy_pass http://127.0.0.1:8000/; }\n  location /v1/ { proxy_pass http://127.0.0.1:8000/v2/; }\n}\n";
        let (t, report) = crate::import::testing::imported(&[
            ("app.service", crate::import::testing::UNIT),
            ("site.conf", nginx),
        ]);
        let routes = &t["sites"]["main"]["routes"];
        assert_eq!(routes["/api/"]["process"].as_str(), Some("web"));
        assert_eq!(routes["/api/"]["strip_prefix"].as_bool(), Some(true));
        assert!(routes.get("/v1/").is_none());
        assert!(report.contains("site.conf:4: proxy_pass http://127.0.0.1:8000/v2/: not mapped: nginx replaces `/v1/` with `/v2/`"), "{report}");
    }
}
