//! `cargo bench`: time of the whole pipeline (read, validate, render, rnix check) on the bundled
//! examples and on a synthetic description with many processes and tasks.

use std::path::{Path, PathBuf};

fn main() {
    divan::main();
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("app2nix.toml")
}

/// The examples (incident-tracker reads a 17-package uv.lock and a 109-package
/// package-lock.json) and the uv workspace fixture (two members, a source build).
#[divan::bench(args = ["nanotrace", "request-tracker-utils", "incident-tracker", "uv-workspace"])]
fn examples(bencher: divan::Bencher, name: &str) {
    let file = if name == "uv-workspace" {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uv-workspace/app2nix.toml")
    } else {
        example(name)
    };
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f.len())
            .ok()
    });
}

/// A description with `n` processes, `n` tasks, `n` environment variables and `sites` sites of
/// three routes each (proxy, prefix-stripping proxy, redirect).
fn synthetic(n: usize, sites: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let mut s = String::from(
        "[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\nversion = \"3.12\"\n\n[postgresql]\n\n[secrets]\nSECRET_KEY = \"env\"\n\n[env]\n",
    );
    for i in 0..n {
        s.push_str(&format!("VAR_{i} = \"value {i}\"\n"));
    }
    for i in 0..n {
        s.push_str(&format!(
            "\n[processes.p{i}]\nwsgi = \"app.m{i}:app\"\nlisten = \"127.0.0.1:{}\"\nworkers = 2\n",
            10_000 + i
        ));
        s.push_str(&format!(
            "\n[tasks.t{i}]\ncommand = \"echo {i}\"\nbefore = [\"p{i}\"]\n"
        ));
    }
    if sites > 0 {
        s.push_str("\n[acme]\nemail = \"ops@example.org\"\naccept_terms = true\ncertificate = \"shared\"\n");
    }
    for i in 0..sites {
        let p = i % n;
        s.push_str(&format!(
            "\n[sites.s{i}]\ndomains = [\"s{i}.example.org\", \"www.s{i}.example.org\"]\nroutes = {{ \"/\" = \"p{p}\", \"/api/\" = {{ process = \"p{p}\", strip_prefix = true }}, \"/old/\" = {{ redirect = \"https://s{i}.example.org/\" }} }}\n"
        ));
    }
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, s).expect("write");
    (dir, file)
}

#[divan::bench(args = [10, 50, 200])]
fn processes(bencher: divan::Bencher, n: usize) {
    let (_dir, file) = synthetic(n, 0);
    assert!(app2nix::generate::generate(&file, None).is_ok());
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}

/// 200 processes behind 50, 200 or 500 sites (1,500 routes at the top).
#[divan::bench(args = [50, 200, 500])]
fn sites(bencher: divan::Bencher, sites: usize) {
    let (_dir, file) = synthetic(200, sites);
    if let Err(e) = app2nix::generate::generate(&file, None) {
        panic!("synthetic description is invalid: {e:?}");
    }
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}

/// The size of the hostile-input review: `n` command processes and `n` tasks that run before
/// all of them (through the setup target, so each task names one target, not every process).
/// `.ci/scale` holds the whole run of the binary at this size to ≤ 1 s and ≤ 100 MB.
fn processes_and_tasks(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let mut s = String::from("[app]\nname = \"big\"\n\n[package.python]\nsrc = \"app\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n[processes.p{i}]\ncommand = [\"run\", \"{i}\"]\n"
        ));
    }
    for i in 0..n {
        s.push_str(&format!("\n[tasks.t{i}]\ncommand = \"true\"\n"));
    }
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, s).expect("write");
    (dir, file)
}

#[divan::bench(args = [300, 2400])]
fn processes_with_tasks(bencher: divan::Bencher, n: usize) {
    let (_dir, file) = processes_and_tasks(n);
    assert!(app2nix::generate::generate(&file, None).is_ok());
    bencher.bench(|| {
        app2nix::generate::generate(divan::black_box(&file), None)
            .map(|f| f[0].text.len())
            .ok()
    });
}

/// A project the size of a large Django application (2,274 files, 1,221 of them Python
/// modules: models and views that import, query and branch, a settings module reading the
/// environment, URL modules with a health route, migrations, tests, templates, static files and
/// fixtures), for `init` (issue: under 0.25 s on a tree of this size).
fn large_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "manage.py",
        "import os\nimport sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n",
    );
    write("site/__init__.py", "");
    write(
        "site/settings.py",
        &format!(
            "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\nALLOWED_HOSTS = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')\nINSTALLED_APPS = [{}]\nWSGI_APPLICATION = 'site.wsgi.application'\n",
            (0..40)
                .map(|i| format!("'app{i}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    write(
        "site/wsgi.py",
        "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\napplication = get_wsgi_application()\n",
    );
    write(
        "site/urls.py",
        "from django.urls import path\nfrom . import views\nurlpatterns = [path('healthz/', views.health)]\n",
    );
    write("requirements.txt", "django\npsycopg\ngunicorn\n");
    let module = |i: usize| {
        let mut s = String::from(
            "from django.db import models\nfrom django.shortcuts import render, get_object_or_404\n\n",
        );
        for j in 0..12 {
            s.push_str(&format!(
                "class Thing{i}x{j}(models.Model):\n    name = models.CharField(max_length=100)\n    note = models.TextField(blank=True)\n\n    def __str__(self):\n        return f\"{{self.name}} ({j})\"\n\n\ndef view_{i}_{j}(request, pk):\n    obj = get_object_or_404(Thing{i}x{j}, pk=pk)\n    page = request.GET.get('page', '1')\n    if obj.note and page != '1':\n        return render(request, 'thing.html', {{'obj': obj, 'page': page}})\n    return render(request, 'thing.html', {{'obj': obj}})\n\n\n"
            ));
        }
        s
    };
    let mut python = 5;
    let mut files = 6;
    for app in 0..40 {
        for (k, name) in [
            "models", "views", "forms", "admin", "api", "filters", "tables", "signals", "utils",
            "choices",
        ]
        .iter()
        .enumerate()
        {
            write(&format!("app{app}/{name}.py"), &module(app * 10 + k));
            python += 1;
        }
        for m in 0..12 {
            write(
                &format!("app{app}/migrations/{m:04}_auto.py"),
                "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = []\n    operations = []\n",
            );
            python += 1;
        }
        write(&format!("app{app}/tests/test_views.py"), &module(app));
        write(&format!("app{app}/__init__.py"), "");
        python += 2;
        for t in 0..20 {
            write(
                &format!("app{app}/templates/app{app}/page{t}.html"),
                "{% extends 'base.html' %}{% block content %}<p>{{ obj }}</p>{% endblock %}\n",
            );
            files += 1;
        }
        for s in 0..5 {
            write(
                &format!("app{app}/static/app{app}/s{s}.js"),
                "export function f(x) { return x + 1; }\n",
            );
            files += 1;
        }
    }
    while python < 1221 {
        write(&format!("extras/m{python}.py"), &module(python));
        python += 1;
    }
    files += python;
    while files < 2274 {
        write(
            &format!("docs/page{files}.md"),
            "# A page\n\nSome documentation.\n",
        );
        files += 1;
    }
    dir
}

/// `init` on a tree the size of a large Django project.
#[divan::bench(sample_count = 10)]
fn init_large_project(bencher: divan::Bencher) {
    let tree = large_tree();
    let opts = app2nix::init::Options {
        domains: vec!["app.example.org".into()],
        acme_email: Some("ops@example.org".into()),
    };
    bencher.bench(|| {
        app2nix::init::init(divan::black_box(tree.path()), &opts)
            .map(|(d, _)| d.processes.len())
            .ok()
    });
}
