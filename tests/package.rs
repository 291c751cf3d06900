//! The bundled Lambda zips: reproducible, and importable by Python exactly as Lambda imports them.

use infrapipe::model::FunctionKind;
use infrapipe::package;
use std::process::Command;

#[test]
fn python_imports_each_handler_from_its_zip() {
    let python = std::path::Path::new(".venv/bin/python");
    assert!(python.exists(), "no .venv: run `make test`");
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in FunctionKind::ALL {
        let pkg = package::package(kind).expect("zip");
        let zip = dir.path().join(format!("{}.zip", kind.source_dir()));
        std::fs::write(&zip, &pkg.zip).expect("write zip");
        // Lambda puts the package root on sys.path and imports `handler`; zipimport does the same.
        let out = Command::new(python)
            .args([
                "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); import handler; assert callable(handler.handler)",
            ])
            .arg(&zip)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn zip_entries_have_fixed_timestamps_and_modes() {
    let pkg = package::package(FunctionKind::Collector).expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(pkg.zip)).expect("valid zip");
    for i in 0..archive.len() {
        let f = archive.by_index(i).expect("entry");
        assert_eq!(f.unix_mode(), Some(0o100644), "{}", f.name());
        let t = f.last_modified().expect("timestamp");
        assert_eq!((t.year(), t.month(), t.day()), (1980, 1, 1), "{}", f.name());
    }
}
