//! The command line: argument parsing, the generate/check/schema commands, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::generate::{Failure, Selection, absolute, generate_selected, load};
use crate::input::{MAX_INPUT_BYTES, ReadError, read_regular};
use crate::output::{self, GeneratedFile, Status};
use crate::{description, model};

/// A line on standard output. A closed pipe (`app2nix generate | head`) is not an error worth a
/// panic: the line is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Exit code: success (and, with `--check`, no drift).
pub const EXIT_OK: i32 = 0;
/// Exit code: `generate --check` found files that would change.
pub const EXIT_DRIFT: i32 = 1;
/// Exit code: the description (or an input file) is invalid.
pub const EXIT_INVALID: i32 = 2;
/// Exit code: app2nix could not do its job (file system, or a bug in app2nix).
pub const EXIT_INTERNAL: i32 = 3;

const EXIT_CODES: &str = "Exit codes:\n  0  success (with --check: generated files are up to date)\n  1  --check: some generated file would change\n  2  invalid description or input\n  3  environment or internal error (cannot read/write a file, or a bug in app2nix)";

#[derive(Parser, Debug)]
#[command(name = "app2nix", version, about = "Turn a short description of a web app into a NixOS module", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Generate the NixOS module (and friends) from a description.
    #[command(after_help = EXIT_CODES)]
    Generate {
        /// The description.
        #[arg(short = 'f', long = "file", default_value = "app2nix.toml")]
        file: PathBuf,
        /// Directory for the module and its companions (package, VM test); only they are written
        /// there. Default: beside the description, with the flake and secrets.nix.
        #[arg(long)]
        out: Option<PathBuf>,
        /// With --out: also write flake.nix, flake.lock and secrets/secrets.nix beside the
        /// description, pointing at the module in DIR.
        #[arg(long, requires = "out")]
        with_flake: bool,
        /// Write nothing; exit 1 if any file would change.
        #[arg(long, conflicts_with = "stdout")]
        check: bool,
        /// Print the generated files instead of writing them.
        #[arg(long)]
        stdout: bool,
        /// Only the module (and its package and secrets.nix): no flake.nix, flake.lock or VM test.
        #[arg(long, conflicts_with = "with_flake")]
        module_only: bool,
    },
    /// Validate a description without generating anything.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The description.
        #[arg(short = 'f', long = "file", default_value = "app2nix.toml")]
        file: PathBuf,
    },
    /// Print the JSON Schema of the description (for taplo / Even Better TOML).
    Schema,
    /// Write a first app2nix.toml for a source tree (Django, Flask, FastAPI, Vite, .env, Procfile).
    #[command(after_help = EXIT_CODES)]
    Init {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print the description instead of writing DIR/app2nix.toml.
        #[arg(long)]
        stdout: bool,
        /// A public domain of the site (repeatable; the first is nginx's server name).
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<String>,
        /// The e-mail address of the Let's Encrypt account (accepts its terms).
        #[arg(long, value_name = "EMAIL")]
        acme_email: Option<String>,
    },
    /// Turn existing deployment files into a description: systemd units, nginx configuration,
    /// .env files, Compose files, Dockerfiles, gunicorn.conf.py, requirements.txt,
    /// pyproject.toml, .python-version.
    #[command(after_help = EXIT_CODES)]
    Import {
        /// The files to import (the kind of each is detected from its name and content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the description here instead of standard output (never over an existing file).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Exit 1 when something could not be mapped.
        #[arg(long)]
        strict: bool,
        /// The app's name (default: from the unit or Compose project names).
        #[arg(long)]
        name: Option<String>,
        /// The Python source directory, relative to the description (default `.`); its packaging
        /// files and the gunicorn configuration a command names (`-c FILE`) are read too.
        #[arg(long)]
        src: Option<String>,
    },
}

/// The exit code of a failure.
fn code(f: &Failure) -> i32 {
    match f {
        Failure::Invalid(_) => EXIT_INVALID,
        Failure::Internal(_) => EXIT_INTERNAL,
    }
}

/// Run the command line and return the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_INVALID
            } else {
                EXIT_OK
            };
        }
    };
    let result = match cli.command {
        Cmd::Generate {
            file,
            out,
            check,
            stdout,
            module_only,
            with_flake,
        } => generate_cmd(
            &file,
            &Selection {
                out: out.as_deref(),
                vm_test: !module_only,
                // Nothing outside --out changes unless asked.
                project_files: out.is_none() || with_flake,
            },
            check,
            stdout,
        ),
        Cmd::Check { file } => load(&file).map(|model| {
            print_notes(&model);
            say!("{}: ok", file.display());
            EXIT_OK
        }),
        Cmd::Init {
            dir,
            stdout,
            domains,
            acme_email,
        } => init_cmd(
            &dir,
            stdout,
            crate::init::Options {
                domains,
                acme_email,
            },
        ),
        Cmd::Import {
            files,
            output,
            strict,
            name,
            src,
        } => import_cmd(
            &files,
            output.as_deref(),
            strict,
            crate::import::Options {
                name,
                src,
                src_dir: None,
            },
        ),
        Cmd::Schema => {
            let schema = schemars::schema_for!(description::Description);
            match serde_json::to_string_pretty(&schema) {
                Ok(s) => {
                    say!("{s}");
                    Ok(EXIT_OK)
                }
                Err(e) => Err(Failure::Internal(format!("internal error: schema: {e}"))),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            let msg = match &f {
                Failure::Invalid(m) | Failure::Internal(m) => m,
            };
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{msg}");
            if !msg.ends_with('\n') {
                let _ = writeln!(err);
            }
            code(&f)
        }
    }
}

fn generate_cmd(
    file: &Path,
    selection: &Selection,
    check: bool,
    stdout: bool,
) -> Result<i32, Failure> {
    let (model, files) = generate_selected(file, selection)?;
    print_notes(&model);
    if stdout {
        let mut so = std::io::stdout().lock();
        for f in &files {
            let _ = so.write_all(f.text.as_bytes());
        }
        return Ok(EXIT_OK);
    }
    // Every file is checked before any is written: a refusal or an unusable path leaves the
    // project as it was, never half-generated.
    let statuses = files
        .iter()
        .map(output::status)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let mut drift = false;
    if let Some(mixed) = mixed_generations(&files) {
        if check {
            drift = true;
            say!(
                "{mixed}: an earlier `app2nix generate` was interrupted, or these files come from different descriptions"
            );
        } else {
            say!("{mixed}: all are written again from this description");
        }
    }
    let mut to_write = Vec::new();
    for (f, status) in files.iter().zip(statuses) {
        if f.seed && status == Status::Unchanged {
            say!(
                "kept {} (its pins belong to `nix flake update`)",
                f.path.display()
            );
        } else if check {
            match status {
                Status::Unchanged => say!("up to date: {}", f.path.display()),
                Status::New => {
                    drift = true;
                    say!("missing: {}", f.path.display());
                }
                Status::Changed => {
                    drift = true;
                    say!("out of date: {}", f.path.display());
                }
            }
        } else if status == Status::Unchanged {
            say!("unchanged {}", f.path.display());
        } else {
            to_write.push(f);
        }
    }
    // All or nothing: every file is written to a temporary before any is renamed into place.
    output::write_all(&to_write).map_err(|e| Failure::Internal(e.to_string()))?;
    for f in to_write {
        say!("wrote {}", f.path.display());
    }
    if drift {
        say!("run `app2nix generate` to update the generated files");
        return Ok(EXIT_DRIFT);
    }
    Ok(EXIT_OK)
}

/// When the generated files on disk carry different generation stamps, which ones.
fn mixed_generations(files: &[GeneratedFile]) -> Option<String> {
    let stamps: Vec<(String, &Path)> = files
        .iter()
        .filter(|f| !f.seed)
        .filter_map(|f| output::generation_of(&f.path).map(|g| (g, f.path.as_path())))
        .collect();
    let first = &stamps.first()?.0;
    if stamps.iter().all(|(g, _)| g == first) {
        return None;
    }
    let listed: Vec<String> = stamps
        .iter()
        .map(|(g, p)| format!("{} ({g})", p.display()))
        .collect();
    Some(format!(
        "the generated files are of different generations: {}",
        listed.join(", ")
    ))
}

fn import_cmd(
    files: &[PathBuf],
    output: Option<&Path>,
    strict: bool,
    mut opts: crate::import::Options,
) -> Result<i32, Failure> {
    let mut inputs = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let bytes = read_input(f)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Failure::Invalid(format!(
                "error: {shown} is not UTF-8 text\nhelp: save it as UTF-8"
            ))
        })?;
        let path = Some(absolute(f));
        inputs.push(crate::import::Input {
            name: shown,
            text,
            path,
        });
    }
    let dir = match output {
        Some(o) => absolute(o)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    // A gunicorn command's `-c FILE` is looked for in the source directory too.
    opts.src_dir = opts.src.as_ref().map(|src| dir.join(src));
    // The packaging files of the source directory count as inputs too, unless given already.
    if let Some(src) = &opts.src {
        for name in crate::import::PACKAGING_FILES {
            let path = dir.join(src).join(name);
            let given = files.iter().any(|f| absolute(f) == absolute(&path));
            // A file of the source directory that leads out of it is not read.
            let outside = matches!(
                crate::input::read_regular_within(&dir.join(src), Path::new(name), 0),
                Err(ReadError::OutsideTree)
            );
            if outside {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "note: {} is not read: it leads out of {} (a symbolic link)",
                    crate::diagnostic::escaped(&Path::new(src).join(name).display().to_string()),
                    crate::diagnostic::escaped(src)
                );
            }
            if !given && !outside && path.is_file() {
                let text = String::from_utf8(read_input(&path)?).map_err(|_| {
                    Failure::Invalid(format!(
                        "error: {} is not UTF-8 text\nhelp: save it as UTF-8",
                        path.display()
                    ))
                })?;
                let shown = Path::new(src).join(name).display().to_string();
                inputs.push(crate::import::Input {
                    name: shown,
                    text,
                    path: Some(absolute(&path)),
                });
            }
        }
    }
    let (draft, report) = crate::import::import(&inputs, &opts).map_err(Failure::Invalid)?;
    let code = emit(&draft.to_toml(), &report, &dir, output)?;
    if code == EXIT_OK && strict && report.unmapped() > 0 {
        return Ok(EXIT_DRIFT);
    }
    Ok(code)
}

/// An input file of `import`: a regular file, up to the input limit.
fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    let shown = path.display();
    read_regular(path, MAX_INPUT_BYTES).map_err(|e| match e {
        ReadError::Io(e) => Failure::Internal(format!(
            "error: cannot read {shown}: {e}\nhelp: check that the path names a file you can read"
        )),
        other => Failure::Invalid(format!(
            "error: cannot read {shown}: {other}\nhelp: pass the deployment files themselves (units, nginx configuration, .env, Compose files, …)"
        )),
    })
}

/// Ask for what only the user knows (the domain and the ACME e-mail), on a terminal: one line
/// each; an empty domain keeps the commented site.
pub fn ask_site(
    input: &mut impl std::io::BufRead,
    prompt: &mut impl Write,
    opts: &mut crate::init::Options,
) -> std::io::Result<()> {
    let mut line = String::new();
    write!(
        prompt,
        "Public domain of the site (e.g. app.example.org; empty to fill it in later): "
    )?;
    prompt.flush()?;
    input.read_line(&mut line)?;
    opts.domains = line
        .split([' ', ','])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    if opts.domains.is_empty() || opts.acme_email.is_some() {
        return Ok(());
    }
    line.clear();
    write!(
        prompt,
        "E-mail address for Let's Encrypt (accepts its terms): "
    )?;
    prompt.flush()?;
    input.read_line(&mut line)?;
    let email = line.trim();
    if !email.is_empty() {
        opts.acme_email = Some(email.to_string());
    }
    Ok(())
}

fn init_cmd(dir: &Path, stdout: bool, mut opts: crate::init::Options) -> Result<i32, Failure> {
    use std::io::IsTerminal;
    if opts.domains.is_empty() && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    {
        let _ = ask_site(
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
            &mut opts,
        );
    }
    if !dir.is_dir() {
        return Err(Failure::Invalid(format!(
            "error: {} is not a directory\nhelp: pass the project's directory, e.g. `app2nix init .`",
            dir.display()
        )));
    }
    let (mut draft, mut report) = crate::init::init(dir, &opts).map_err(Failure::Internal)?;
    // A frontend never makes init fail: when the description does not pass `check` with its
    // assets but does without them, they are left out and reported.
    if !draft.assets.is_empty()
        && let Err(why) = passes(&draft.to_toml(), &absolute(dir))?
    {
        let why = why
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        let (d, r) =
            crate::init::init_without_frontend(dir, &opts, why).map_err(Failure::Internal)?;
        if passes(&d.to_toml(), &absolute(dir))?.is_ok() {
            (draft, report) = (d, r);
        }
    }
    let target = dir.join("app2nix.toml");
    emit(
        &draft.to_toml(),
        &report,
        &absolute(dir),
        (!stdout).then_some(target.as_path()),
    )
}

/// Whether the description `text` passes `check` where it will live (in `dir`), else the
/// first error's text.
fn passes(text: &str, dir: &Path) -> Result<Result<(), String>, Failure> {
    let probe = probe(text, dir, "init")?;
    Ok(match load(probe.path()) {
        Err(Failure::Invalid(msg)) => Err(msg),
        _ => Ok(()),
    })
}

/// `text` in a temporary description file in `dir`, where relative paths resolve as they will
/// for the description itself; `command` names the subcommand in the error.
fn probe(text: &str, dir: &Path, command: &str) -> Result<tempfile::NamedTempFile, Failure> {
    tempfile::Builder::new()
        .prefix(".app2nix-import-")
        .suffix(".toml")
        .tempfile_in(dir)
        .and_then(|mut t| t.write_all(text.as_bytes()).map(|_| t))
        .map_err(|e| {
            Failure::Internal(format!(
                "error: cannot write in {}: {e}\nhelp: run {command} in a writable directory",
                dir.display()
            ))
        })
}

/// Print the report, check the description where it will live, and write it (or print it).
fn emit(
    text: &str,
    report: &crate::draft::Report,
    dir: &Path,
    output: Option<&Path>,
) -> Result<i32, Failure> {
    let text = text.to_string();
    let probe = probe(&text, dir, "import")?;
    let verdict = load(probe.path());
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", report.render());
    if let Err(Failure::Invalid(msg)) = &verdict {
        let shown = probe.path().display().to_string();
        let _ = writeln!(
            err,
            "the imported description does not pass `app2nix check` yet:\n{}",
            msg.replace(&shown, "app2nix.toml")
        );
    }
    drop(probe);
    match output {
        Some(o) => {
            if o.exists() {
                return Err(Failure::Internal(format!(
                    "error: refusing to overwrite {}\nhelp: choose another file with -o, or move it away",
                    o.display()
                )));
            }
            output::write_atomic(&GeneratedFile::owned(o.to_path_buf(), text))
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let _ = writeln!(err, "wrote {}", o.display());
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    if verdict.is_err() {
        return Ok(EXIT_INVALID);
    }
    Ok(EXIT_OK)
}

/// What the model says besides errors, on standard error.
fn print_notes(model: &model::Model) {
    let mut err = std::io::stderr().lock();
    for n in &model.notes {
        // A warning says so itself; other notes are notes.
        let prefix = if n.starts_with(model::WARNING) {
            ""
        } else {
            "note: "
        };
        let _ = writeln!(err, "{prefix}{}", crate::diagnostic::escaped(n));
    }
}
