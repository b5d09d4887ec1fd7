//! What a command of a task or process needs from the package source. Units run in the
//! application's source tree (see the module's `workingDirectory`), so a command copied from a
//! deployment guide (`python init_db.py`, `alembic upgrade head`, `flask db upgrade`) finds its
//! files there; this module finds the files such a command names, so `check` can say when one is
//! missing instead of the unit failing at boot.

use std::path::Path;

/// Something a command needs that the source tree or the dependencies lack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// A relative path named in the command.
    File(String),
    /// A file a known tool reads from its working directory (`alembic.ini`).
    ToolFile {
        /// The tool.
        tool: &'static str,
        /// The file or directory, relative to the source.
        file: String,
    },
    /// A program that comes from a Python package the dependencies do not list.
    Program {
        /// The program.
        program: String,
        /// The nixpkgs Python package providing it.
        package: &'static str,
    },
}

/// Programs that come from a Python package, and that package's nixpkgs attribute.
const PROGRAMS: &[(&str, &str)] = &[
    ("alembic", "alembic"),
    ("flask", "flask"),
    ("celery", "celery"),
    ("django-admin", "django"),
    ("daphne", "daphne"),
    ("hypercorn", "hypercorn"),
    ("dramatiq", "dramatiq"),
    ("rq", "rq"),
    ("huey_consumer", "huey"),
];

/// File name extensions that make an argument a file of the source tree.
const FILE_EXTENSIONS: &[&str] = &[
    "py", "sh", "ini", "cfg", "conf", "sql", "toml", "yaml", "yml", "json", "txt", "js", "mjs",
];

/// The simple commands of a command line: split at `&&`, `||`, `;` and `|`, with leading
/// `VAR=value` assignments and `exec` / `env` removed.
fn simple_commands(argv: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    for w in argv {
        if ["&&", "||", ";", "|"].contains(&w.as_str()) {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            let assignment = last.is_empty() && w.contains('=') && !w.starts_with('-');
            if !(assignment || (last.is_empty() && (w == "exec" || w == "env"))) {
                last.push(w.clone());
            }
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// An argument that names a file relative to the working directory: no variables, options,
/// URLs or `module:attribute` references; a `/` inside or a known extension.
fn relative_file(arg: &str) -> Option<&str> {
    let value = match arg.split_once('=') {
        Some((flag, v)) if flag.starts_with('-') => v,
        Some(_) => return None,
        None if arg.starts_with('-') => return None,
        None => arg,
    };
    let plain = !value.is_empty()
        && !value.starts_with('/')
        && !value.starts_with('~')
        && !value.contains([
            '$', '*', '?', ':', '`', '(', ')', '{', '}', '\'', '"', '<', '>',
        ]);
    let ext = value.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let looks_like_file = value.contains('/') || FILE_EXTENSIONS.contains(&ext);
    (plain && looks_like_file).then_some(value)
}

/// What `argv` needs that `source` (the package's source directory) or `dependencies` (nixpkgs
/// Python attributes) lack.
pub fn missing(argv: &[String], source: &Path, dependencies: &[String]) -> Vec<Missing> {
    let mut out = Vec::new();
    for cmd in simple_commands(argv) {
        let program = Path::new(&cmd[0])
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some((_, package)) = PROGRAMS.iter().find(|(p, _)| *p == program)
            && !dependencies.iter().any(|d| d == package)
        {
            out.push(Missing::Program {
                program: program.clone(),
                package,
            });
        }
        let mut args = cmd.iter().skip(1);
        // The program itself, when it is a relative path (`./manage.py`, `bin/run`).
        let mut candidates: Vec<&str> = relative_file(&cmd[0])
            .filter(|p| p.contains('/'))
            .into_iter()
            .collect();
        while let Some(a) = args.next() {
            // `python -c CODE`: the code is not a file.
            if a == "-c" && program.starts_with("python") {
                args.next();
                continue;
            }
            candidates.extend(relative_file(a));
        }
        for file in candidates {
            if !source.join(file).exists() {
                out.push(Missing::File(file.to_string()));
            }
        }
        out.extend(tool_files(&program, &cmd[1..], source, dependencies));
    }
    out
}

/// Files a known tool reads from its working directory unless told otherwise.
fn tool_files(
    program: &str,
    args: &[String],
    source: &Path,
    dependencies: &[String],
) -> Vec<Missing> {
    let given = |flags: &[&str]| {
        args.iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || a.starts_with(&format!("{f}=")))
        })
    };
    let mut out = Vec::new();
    match program {
        "alembic" if !given(&["-c", "--config"]) && !args.is_empty() => {
            let ini = source.join("alembic.ini");
            if !ini.is_file() {
                out.push(Missing::ToolFile {
                    tool: "alembic",
                    file: "alembic.ini".into(),
                });
            } else if let Some(dir) = script_location(&ini)
                && !source.join(&dir).is_dir()
            {
                out.push(Missing::ToolFile {
                    tool: "alembic",
                    file: dir,
                });
            }
        }
        // Flask-Migrate's `flask db …` reads `migrations/` unless given `--directory`.
        "flask"
            if dependencies.iter().any(|d| d == "flask-migrate")
                && flask_subcommand(args) == Some("db")
                && !given(&["-d", "--directory"])
                && !source.join("migrations").is_dir() =>
        {
            out.push(Missing::ToolFile {
                tool: "Flask-Migrate",
                file: "migrations".into(),
            });
        }
        _ => {}
    }
    out
}

/// The first word after `flask`'s own options (`flask --app x db upgrade` → `db`).
fn flask_subcommand(args: &[String]) -> Option<&str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--app" || a == "-A" || a == "-e" || a == "--env-file" {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// `script_location` of an `alembic.ini`, when it is a plain relative directory.
fn script_location(ini: &Path) -> Option<String> {
    let text = crate::input::read_text_if_any(ini)?;
    let value = text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "script_location").then(|| v.trim().to_string())
    })?;
    // `%(here)s/…` and `package:dir` are resolved by alembic itself.
    let rel = value.strip_prefix("%(here)s/").unwrap_or(&value);
    (!rel.contains(['%', ':']) && !rel.starts_with('/') && !rel.is_empty()).then(|| rel.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::words;

    fn argv(s: &str) -> Vec<String> {
        words(s)
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in files {
            let p = dir.path().join(f);
            if f.ends_with('/') {
                std::fs::create_dir_all(&p).expect("mkdir");
            } else {
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                std::fs::write(&p, "script_location = migrations\n").expect("write");
            }
        }
        dir
    }

    #[test]
    fn scripts_named_in_commands_must_be_in_the_source() {
        let src = tree(&["init_db.py", "scripts/seed.sh"]);
        let deps = vec![];
        assert!(missing(&argv("python init_db.py"), src.path(), &deps).is_empty());
        assert!(missing(&argv("sh scripts/seed.sh && echo ok"), src.path(), &deps).is_empty());
        assert_eq!(
            missing(&argv("python setup_db.py --force"), src.path(), &deps),
            vec![Missing::File("setup_db.py".into())]
        );
        assert_eq!(
            missing(&argv("./bin/run"), src.path(), &deps),
            vec![Missing::File("./bin/run".into())]
        );
    }

    #[test]
    fn values_that_are_not_files_are_left_alone() {
        let src = tree(&[]);
        for cmd in [
            "python -m django migrate --noinput",
            "gunicorn backend.wsgi:app",
            "python -c \"open('x.json')\"",
            "curl https://example.org/a.json",
            "cp /etc/app/a.ini $STATE_DIRECTORY/",
            "DJANGO_SETTINGS_MODULE=a.settings exec python -m django check",
        ] {
            assert!(missing(&argv(cmd), src.path(), &[]).is_empty(), "{cmd}");
        }
    }

    #[test]
    fn alembic_needs_its_ini_and_script_location() {
        let deps = vec!["alembic".to_string()];
        let bare = tree(&[]);
        assert_eq!(
            missing(&argv("alembic upgrade head"), bare.path(), &deps),
            vec![Missing::ToolFile {
                tool: "alembic",
                file: "alembic.ini".into()
            }]
        );
        let ini_only = tree(&["alembic.ini"]);
        assert_eq!(
            missing(&argv("alembic upgrade head"), ini_only.path(), &deps),
            vec![Missing::ToolFile {
                tool: "alembic",
                file: "migrations".into()
            }]
        );
        let full = tree(&["alembic.ini", "migrations/"]);
        assert!(missing(&argv("alembic upgrade head"), full.path(), &deps).is_empty());
        assert!(
            missing(
                &argv("alembic -c /etc/a.ini upgrade head"),
                bare.path(),
                &deps
            )
            .is_empty()
        );
    }

    #[test]
    fn flask_migrate_needs_migrations_and_programs_need_their_package() {
        let src = tree(&[]);
        let deps = vec!["flask".to_string(), "flask-migrate".to_string()];
        assert_eq!(
            missing(&argv("flask --app app db upgrade"), src.path(), &deps),
            vec![Missing::ToolFile {
                tool: "Flask-Migrate",
                file: "migrations".into()
            }]
        );
        let elsewhere = tree(&["db/m/"]);
        assert!(
            missing(
                &argv("flask --app app db upgrade -d db/m"),
                elsewhere.path(),
                &deps
            )
            .is_empty()
        );
        assert_eq!(
            missing(&argv("alembic -c x.ini upgrade head"), src.path(), &deps),
            vec![
                Missing::Program {
                    program: "alembic".into(),
                    package: "alembic"
                },
                Missing::File("x.ini".into())
            ]
        );
    }
}
