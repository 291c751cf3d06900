//! The bundled Lambda code: embedded in the binary at build time, zipped deterministically
//! (sorted entries, fixed timestamps and modes), and named by the zip's content hash, so the same
//! source gives the same bytes, the same S3 key and no plan change on every machine and clone.
//! Packaging sits beside the model, not inside it: the model receives only the code keys
//! (`Bundle::code_keys`), so it never zips anything and never imports this module.

use crate::model::{CodeKeys, FunctionKind};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::OnceLock;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One file of a function's package: its path inside the zip and its bytes.
pub struct SourceFile {
    pub path: &'static str,
    pub bytes: &'static [u8],
}

const COLLECTOR: &[SourceFile] = &[SourceFile {
    path: "handler.py",
    bytes: include_bytes!("../lambdas/collector/handler.py"),
}];

const LOG_PROCESSOR: &[SourceFile] = &[SourceFile {
    path: "handler.py",
    bytes: include_bytes!("../lambdas/log_processor/handler.py"),
}];

pub fn sources(kind: FunctionKind) -> &'static [SourceFile] {
    match kind {
        FunctionKind::Collector => COLLECTOR,
        FunctionKind::LogProcessor => LOG_PROCESSOR,
    }
}

/// A packaged function: the zip's bytes and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub kind: FunctionKind,
    pub zip: Vec<u8>,
    pub sha256: String,
}

impl Package {
    /// The artifact bucket key: the function and its content hash.
    pub fn key(&self) -> String {
        key_for(self.kind, &self.sha256)
    }
}

pub fn key_for(kind: FunctionKind, sha256: &str) -> String {
    format!(
        "{}/{}-{}.zip",
        crate::model::names::ARTIFACT_PREFIX,
        kind.source_dir(),
        sha256
    )
}

/// Every bundled function, packaged once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    collector: Package,
    log_processor: Package,
}

impl Bundle {
    /// Packages every bundled function.
    pub fn build() -> std::io::Result<Self> {
        Ok(Self {
            collector: package(FunctionKind::Collector)?,
            log_processor: package(FunctionKind::LogProcessor)?,
        })
    }

    pub fn get(&self, kind: FunctionKind) -> &Package {
        match kind {
            FunctionKind::Collector => &self.collector,
            FunctionKind::LogProcessor => &self.log_processor,
        }
    }

    /// The artifact bucket key of each function's zip: all the model needs to know of the code.
    pub fn code_keys(&self) -> CodeKeys {
        CodeKeys {
            collector: self.collector.key(),
            log_processor: self.log_processor.key(),
        }
    }
}

/// The bundle of this process, zipped on first use: every region's model, the upload and the
/// plan check share the same bytes instead of zipping again for each.
pub fn bundle() -> std::io::Result<&'static Bundle> {
    // `OnceLock::get_or_try_init` is unstable: keep the failure's text and return it each time.
    static BUNDLE: OnceLock<Result<Bundle, String>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| Bundle::build().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| std::io::Error::other(format!("packaging the bundled Lambda code: {e}")))
}

/// Zips a set of files deterministically.
pub fn zip_files(files: &[SourceFile]) -> std::io::Result<Vec<u8>> {
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by_key(|f| f.path);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default()) // 1980-01-01 00:00:00, zip's epoch
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for f in sorted {
        zip.start_file(f.path, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(f.bytes)?;
    }
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// Packages one bundled function.
pub fn package(kind: FunctionKind) -> std::io::Result<Package> {
    let zip = zip_files(sources(kind))?;
    let sha256 = hex(&Sha256::digest(&zip));
    Ok(Package { kind, zip, sha256 })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_packagings_are_byte_identical() {
        for kind in FunctionKind::ALL {
            let a = package(kind).expect("zip");
            let b = package(kind).expect("zip");
            assert_eq!(a, b);
        }
    }

    #[test]
    fn key_names_the_function_and_hash() {
        let p = package(FunctionKind::Collector).expect("zip");
        assert_eq!(p.key(), format!("infrapipe/collector-{}.zip", p.sha256));
        assert_eq!(p.sha256.len(), 64);
    }

    #[test]
    fn the_bundle_gives_each_function_the_key_of_its_own_zip() {
        let bundle = bundle().expect("zip");
        let keys = bundle.code_keys();
        for kind in FunctionKind::ALL {
            assert_eq!(keys.get(kind), package(kind).expect("zip").key());
        }
    }

    #[test]
    fn the_bundle_is_zipped_once_per_process() {
        let first: *const Bundle = bundle().expect("zip");
        let second: *const Bundle = bundle().expect("zip");
        assert_eq!(first, second);
    }
}
