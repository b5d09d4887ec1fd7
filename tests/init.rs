//! `app2nix init` on fixture source trees (`tests/init/`): a Django project, a Flask app with a
//! factory and gunicorn.conf.py, a FastAPI app with Poetry and a Procfile, a Vite SPA beside
//! a FastAPI API, an ASGI app the Procfile runs with granian (kept as its server), and a
//! uv.lock whose package files start like a vendor's token (`hf_xet-1.5.1.tar.gz`), a uv
//! project whose code lives in `src/` below its pyproject.toml, a uv project that runs uWSGI
//! and locks no gunicorn (nixpkgs' gunicorn is built into the environment) and its database
//! driver only in an extra, a Django project with a Celery application whose worker no
//! deployment file runs, Django settings that build the database's dict under another name
//! from module-level variables and a switch variable, a FastAPI application made by a
//! `create_app()` factory. Each
//! description and report is a snapshot; each description must pass `check` and generate;
//! secret values never reach the description.

use std::path::Path;

mod common;
use common::{copy_dir, run};

const TREES: &[&str] = &[
    "django",
    "fastapi",
    "flask-factory",
    "vite",
    "uv-vite",
    "granian",
    "uv-hub",
    "uv-src-dir",
    "uv-uwsgi",
    "django-celery",
    "django-db-switch",
    "fastapi-factory",
];

/// Trees `init` reads as a new user would, with the domain and the ACME e-mail:
/// `container` (a production Dockerfile, its entrypoint and worker scripts, Compose with merge
/// keys, Django settings read from the environment, requirements includes, markers and
/// extras, untranslated catalogs), `procman` (a Procfile chain, supervisor programs, a systemd
/// unit and nginx configuration in the tree, a Flask factory and config class, a streaming
/// route), `workspace` (a uv workspace member run by `fastapi run`, a pre-start script, pydantic
/// settings, Compose's required variables and a development `.env`), `confmod` (a configuration
/// module the app requires with an example beside it, units with a gunicorn configuration, an
/// upgrade script, a Django major version nixpkgs has under its own attribute), `bun-workspace`
/// (a bun workspace whose Vite member builds into the FastAPI package, which serves it),
/// `theme` (a Vite theme whose built output is committed: no asset to build), `nuxt` (a Nuxt
/// site prerendered by `nuxt generate`, without a lock: its output, which the app serves),
/// `flask-rq` (an entrypoint whose `case "$1"` branches exec the image's roles, an rq group
/// under the app's own CLI, a supervisor program reading a knob of the start script),
/// `vite-climb` (a Vite project with a lock of its own whose `outDir` climbs into the Python
/// package: no asset app2nix can build, reported, and init still succeeds), `vite-unbuilt` (a Vite
/// project without a lock whose output is not built: `check` would refuse the asset, so init
/// leaves it out and says why), `spa-stage` (an image that copies its client's build from a
/// build stage to a path an `ENV` names: that path is not copied into `[env]`), `vite-computed`
/// (a Vite theme whose `outDir` is computed into the package's static files: no `dist` guessed),
/// `pages-spa` (a Flask app that renders `/` itself beside a Vite page with an `index.html`: no
/// SPA takes the site's `/`),
/// `gunicorn-attached` (gunicorn's short options with their values attached: `-w4`, `-b0.0.0.0:5000`),
/// `django-media` (Django settings that put uploads in the source, no variable moving them),
/// `compose-sqlite` (a production Compose file selecting SQLite beside a development one that
/// runs PostgreSQL), `container-dist` (a builder image beside the shipped one, which copies a
/// directory of container files, not the Python code, into its working directory), `granian-env`
/// (an image setting granian's and uvicorn's own variables beside the granian command),
/// `pip-groups` (a pyproject.toml of PEP 735 dependency groups only, no lock, the image
/// installing one group that includes another and a development group), `image-paths` (an
/// image building in a working directory of its own name, inherited from its base stage, that
/// runs `manage.py` by its path inside the image, and installs a requirements file of its own
/// beside a development `requirements.txt`),
/// `poetry-subdir` (a Poetry pyproject.toml at the root, the Django project its image copies
/// from a subdirectory: the pyproject lists the dependencies but does not build the source),
/// `flask-wsgi-entry` (a Flask factory called by `wsgi.py` under another name than `app` and by
/// a Celery worker's bootstrap module, which sorts first: `wsgi.py` is served),
/// `entrypoint-variant` (an image whose entrypoint script is copied from a directory a build
/// argument without a default picks: the `production` one runs the `CMD` it is handed),
/// `entrypoint-external` (an entrypoint script from the base image: its `CMD` is the command),
/// `image-locale` (an image's locale and apt settings beside a variable of the app: only the
/// app's reaches `[env]`), `django-image-settings` (`manage.py` defaults to development settings,
/// the production image's `ENV` names the production ones, a development Compose file the
/// development ones: the image's win), `image-translations` (an image compiling the catalogs at
/// the container path it copied the package to: the step names the project's path).
const READ_AS_A_USER_WOULD: &[&str] = &[
    "container",
    "procman",
    "workspace",
    "confmod",
    "bun-workspace",
    "theme",
    "nuxt",
    "flask-rq",
    "vite-climb",
    "vite-unbuilt",
    "spa-stage",
    "vite-computed",
    "pages-spa",
    "gunicorn-attached",
    "django-media",
    "compose-sqlite",
    "container-dist",
    "granian-env",
    "pip-groups",
    "image-paths",
    "poetry-subdir",
    "flask-wsgi-entry",
    "entrypoint-variant",
    "entrypoint-external",
    "image-locale",
    "django-image-settings",
    "image-translations",
];

/// A copy of a fixture tree, in a directory with the fixture's name (the app name comes from it).
fn tree(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(name);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/init")
            .join(name),
        &dir,
    );
    (tmp, dir)
}

#[test]
fn init_describes_each_tree() {
    let with_site = [
        "init",
        "--domain",
        "app.example.org",
        "--acme-email",
        "ops@example.org",
    ];
    for name in TREES.iter().chain(READ_AS_A_USER_WOULD) {
        let (_tmp, dir) = tree(name);
        let args: &[&str] = if READ_AS_A_USER_WOULD.contains(name) {
            &with_site
        } else {
            &["init"]
        };
        let out = run(&dir, args);
        let report =
            String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "<tree>");
        assert_eq!(out.status.code(), Some(0), "{name}: {report}");
        let description = std::fs::read_to_string(dir.join("app2nix.toml")).expect("written");
        insta::assert_snapshot!(format!("init-{name}"), description);
        insta::assert_snapshot!(format!("init-report-{name}"), report);

        let check = run(&dir, &["check"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let generate = run(&dir, &["generate", "--module-only", "--stdout"]);
        assert_eq!(
            generate.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&generate.stderr)
        );

        for env in [".env", ".env.example"] {
            let Ok(text) = std::fs::read_to_string(dir.join(env)) else {
                continue;
            };
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=')
                    && (app2nix::secrets::is_secret_name(k) || k.ends_with("_URL"))
                    && !v.is_empty()
                {
                    assert!(
                        !description.contains(v),
                        "{name}: the value of {k} was copied"
                    );
                }
            }
        }
    }
}

#[test]
fn init_never_overwrites_and_needs_a_directory() {
    let (_tmp, dir) = tree("django");
    std::fs::write(dir.join("app2nix.toml"), "# mine\n").expect("write");
    let out = run(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: refusing to overwrite"));
    assert_eq!(
        std::fs::read_to_string(dir.join("app2nix.toml")).expect("kept"),
        "# mine\n"
    );

    let out = run(&dir, &["init", "manage.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: manage.py is not a directory\nhelp: pass the project's directory, e.g. `app2nix init .`\n"
    );
}

/// Secrets planted in a project (`tests/init/planted`: a Procfile release command with a
/// password, a process sending an `Authorization` header, gunicorn.conf.py's `raw_env`, `.env`
/// names, URL passwords and keys in place of a URL's user name) never reach the description or
/// the report, and the description passes `check` (the Procfile's `$PORT` too).
#[test]
fn planted_secrets_stay_out_of_the_description_and_the_report() {
    let (_tmp, dir) = tree("planted");
    let planted = planted_values(&dir);
    assert!(planted.len() >= 5, "{planted:?}");
    let shown = common::printed(&run(&dir, &["init", "--stdout"]));
    for value in &planted {
        assert!(!shown.contains(value.as_str()), "{value} leaked:\n{shown}");
    }
    assert!(!shown.contains("does not pass `app2nix check`"), "{shown}");
    // A secret passed with a Procfile server's `-e` is declared by name (it used to be
    // reported as declared and then dropped).
    let description = String::from_utf8(run(&dir, &["init", "--stdout"]).stdout).expect("utf-8");
    let table: toml::Table = description.parse().expect("TOML");
    assert_eq!(
        table["secrets"]["WORKER_TOKEN"].as_str(),
        Some("env"),
        "{description}"
    );
}

/// The planted values of a fixture: every `pl4nted…` token in its files.
fn planted_values(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("ls").flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        for (i, _) in text.match_indices("pl4nted") {
            let token: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            out.push(token);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Environment files that are symbolic links out of the project (to a production `.env` of the
/// user's, to `/etc/os-release`) are not read: none of their values reach the description, and
/// the report names the link (issue 20).
#[test]
fn links_out_of_the_project_are_not_followed() {
    let (tmp, dir) = tree("flask-factory");
    for f in [".env", ".env.example", ".env.sample"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::write(
        tmp.path().join("prod.env"),
        "PLANTED_HOST=planted-outside.example.org\nFLASK_DEBUG=planted-outside\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("../prod.env", dir.join(".env.example")).expect("symlink");
    std::os::unix::fs::symlink("/etc/os-release", dir.join(".env.sample")).expect("symlink");
    // A link inside the project is followed (its Redis URL makes the app a local Redis; the
    // value itself, a development one, is not copied).
    std::fs::write(dir.join("base.env"), "REDIS_URL=redis://localhost:6379/0\n").expect("write");
    std::os::unix::fs::symlink("base.env", dir.join(".env")).expect("symlink");
    let out = run(&dir, &["init"]);
    let report = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let description = std::fs::read_to_string(dir.join("app2nix.toml")).expect("written");
    assert!(
        !description.contains("planted-outside")
            && !description.contains("PLANTED_HOST")
            && !description.contains("NixOS")
            && !description.contains("VERSION_ID"),
        "{description}"
    );
    assert!(description.contains("\n[redis]\n"), "{description}");
    for link in [".env.example", ".env.sample"] {
        assert!(
            report.contains(&format!(
                "{link}: symbolic link: not mapped: not read: it leads out of the project"
            )),
            "{report}"
        );
    }
}

/// A lock holding psycopg 3 without its `binary` or `c` implementation: init gives it libpq
/// (`[package.python.native.psycopg]`), without which it fails at its first import on NixOS
/// (issue 18, item 10), and `check` then has nothing to say about it.
#[test]
fn init_gives_pure_psycopg_its_libpq() {
    let (_tmp, dir) = tree("workspace");
    let out = run(&dir, &["init"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let description = std::fs::read_to_string(dir.join("app2nix.toml")).expect("written");
    assert!(
        description.contains("[package.python.native.psycopg]\nlibraries = [\"libpq\"]\n"),
        "{description}"
    );
    let check = run(&dir, &["check"]);
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{err}");
    assert!(!err.contains("psycopg is locked without"), "{err}");
}
