//! Lock files app2nix builds from: `uv.lock` (Python, built with uv2nix),
//! `package-lock.json` (npm, built with nixpkgs' `importNpmLock`) and the locks of bun, pnpm and
//! Yarn ([`js`]). Each is read into a summary
//! of what the generated Nix needs and what `check` reports: the packages, the workspace's own
//! ones, those that must be built from source, and why a lock cannot be used.
//!
//! What a lock may make the store copy is checked here too, for every lock file alike: a local
//! path that leaves the project ([`inside`]), a URL that holds a credential
//! ([`url_credential`]), found with the line it is on ([`line_of`]), never shown.
//!
//! Calls nothing of the crate but [`crate::input`] (reading files) and [`crate::secrets`] (what
//! a credential looks like).

pub mod js;
pub mod npm;
pub mod uv;

/// `path` (relative, `/`-separated, as locks write them) joined to the directory `base` (relative
/// to the project, `""` for the project itself) and normalized lexically, as Nix joins a path
/// and a string: the result relative to the project, or `None` when it is absolute, starts at a
/// home directory (`~`) or leaves the project (`..` past its root).
pub fn inside(base: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.starts_with('~') || path.starts_with('\\') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(path.split(['/', '\\'])) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Why a URL of a lock or a project file holds a credential, or `None`: a user name or a
/// password before the host (`https://user:token@host`, `https://TOKEN@host`; a login of an SSH
/// URL such as `git@` is none), a query parameter named like a secret (`?token=`,
/// `X-Amz-Signature=`, `sig=`), or a known token. Anything in such a file is copied into the
/// world-readable store (the source, a derivation that fetches it).
pub fn url_credential(url: &str) -> Option<&'static str> {
    for (i, _) in url.match_indices("://") {
        let scheme = url[..i]
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let rest = &url[i + 3..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if userinfo.contains(':') {
                return Some("a password");
            }
            let ssh = scheme == "ssh" || scheme.ends_with("+ssh");
            if !ssh && !userinfo.is_empty() {
                return Some("a user name, which registries also take a token as");
            }
        }
    }
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    if query.split(['&', ';']).any(|field| {
        let name = field.split('=').next().unwrap_or("");
        !name.is_empty()
            && (crate::secrets::is_secret_name(name)
                || ["sig", "signature", "x-amz-signature"]
                    .contains(&name.to_ascii_lowercase().as_str()))
    }) {
        return Some("a secret query parameter");
    }
    // A package's file name (`hf_xet-1.5.1.tar.gz`) starts like a token but is the name and
    // version of what the lock fetches.
    if url
        .split(['/', '?', '&', '#', ';'])
        .filter(|segment| !is_package_file(segment))
        .any(crate::secrets::has_token_prefix)
    {
        return Some("an access token");
    }
    None
}

/// A distribution's file name: `NAME-VERSION` and an archive's extension (a wheel, an sdist,
/// an npm tarball).
fn is_package_file(segment: &str) -> bool {
    const ARCHIVES: &[&str] = &[
        ".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".egg",
    ];
    ARCHIVES.iter().any(|ext| {
        segment.strip_suffix(ext).is_some_and(|stem| {
            stem.match_indices('-')
                .any(|(i, _)| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
        })
    })
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|at| text[..at].matches('\n').count() + 1)
}

/// What to do about a credential in a lock or project file, for every message that refuses one.
pub const CREDENTIAL_HELP: &str = "keep credentials out of the files a build copies: record the index or registry without them, and give them to Nix's fetchers in a netrc file (`netrc-file = /etc/nix/netrc` in nix.conf, or `NIX_CONFIG=\"netrc-file = /path/to/netrc\"`)";

/// PEP 503 normalization of a Python package name (`Flask_SQLAlchemy` → `flask-sqlalchemy`),
/// as uv writes names in `uv.lock` and uv2nix names its packages.
pub fn normalize_python_name(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_project() {
        assert_eq!(inside("", "app").as_deref(), Some("app"));
        assert_eq!(inside("backend", "../libs/x").as_deref(), Some("libs/x"));
        assert_eq!(
            inside("frontend", "./packages/ui/").as_deref(),
            Some("frontend/packages/ui")
        );
        assert_eq!(inside("backend", "."), Some("backend".to_string()));
        for (base, path) in [
            ("frontend", "../../outside"),
            ("", ".."),
            ("", "/root/.ssh"),
            ("", "~/.ssh"),
            ("a", "b/../../../x"),
        ] {
            assert_eq!(inside(base, path), None, "{base} {path}");
        }
    }

    /// Credentials in URLs of locks are refused; ordinary registry URLs, SSH logins and the
    /// hashes of package hosts' paths are none.
    #[test]
    fn credentials_in_urls() {
        for url in [
            "https://deploy:s3cret@registry.example.org/x.tgz",
            "https://__token__:pypi-AgEIcHlwaS5vcmc@upload.pypi.org/simple",
            "https://0123abcd@pypi.fury.io/acme/",
            "git+https://x-access-token:ghs_abc@github.com/a/b.git",
            "https://npm.example.org/x.tgz?token=abc",
            "https://bucket.s3.amazonaws.com/x.whl?X-Amz-Signature=abc&X-Amz-Credential=def",
            "https://blob.example.net/x.tgz?sv=2020&sig=abc",
            "https://registry.example.org/-/ghp_0123456789abcdefghijklmnop",
        ] {
            assert!(url_credential(url).is_some(), "{url}");
        }
        for url in [
            "https://registry.npmjs.org/@babel/core/-/core-7.26.0.tgz",
            "https://files.pythonhosted.org/packages/21/28/9b3f50ce0e048515135495f198351908d99540d69bfdc8c1d15b73dc55ce/blinker-1.9.0.tar.gz",
            "https://pypi.org/simple",
            "git+ssh://git@github.com/acme/app.git#0123abcd",
            "ssh://git@github.com/acme/app.git",
            "https://example.org/x.tgz?version=1.0&download=1",
            // Package files whose names start like a vendor's token (`hf_`).
            "https://files.pythonhosted.org/packages/4b/2d/57fd21d84d93efb4bd0b962383790e19dd1bc053501b4264c97903b4e83e/hf_xet-1.5.1.tar.gz",
            "https://files.pythonhosted.org/packages/64/ee/dd9ba7beae1005e54131b7d45263cc74c8a066d47d354e6d58ae9445a388/hf_xet-1.5.1-cp313-cp313t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        ] {
            assert_eq!(url_credential(url), None, "{url}");
        }
    }

    #[test]
    fn lines_of_values() {
        assert_eq!(line_of("a\nb\n\"x\"\n", "\"x\""), Some(3));
        assert_eq!(line_of("a", "b"), None);
    }

    #[test]
    fn python_names_are_normalized() {
        assert_eq!(
            normalize_python_name("Flask_SQLAlchemy"),
            "flask-sqlalchemy"
        );
        assert_eq!(normalize_python_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_python_name("a--b__c"), "a-b-c");
    }
}
