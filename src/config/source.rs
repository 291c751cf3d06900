//! Reading a config file within bounds: only a regular file, at most `MAX_BYTES`, valid UTF-8.
//! A FIFO, a device or a directory is refused by its type before it is opened, so nothing
//! hangs on a pipe with no writer or reads `/dev/zero` until memory runs out.

use std::io::Read;
use std::path::Path;

/// Largest config accepted: a real one is a few kilobytes.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The file's text, or a one-line reason it cannot be a config.
pub fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!("cannot read the config: {e} (create one with `infrapipe init`, or pass -c FILE)")
    })?;
    if !meta.is_file() {
        return Err(format!(
            "cannot read the config: it is {}, not a regular file",
            kind(&meta.file_type())
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the config: {e}"))?;
    // The file may have been swapped or grown since it was looked at: check again on the handle
    // and never read more than the cap, whatever the metadata said.
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read the config: {e}"))?;
    if !meta.is_file() {
        return Err("cannot read the config: it is no longer a regular file".to_owned());
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_BYTES) as usize);
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the config: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read the config: it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn too_large(len: u64) -> String {
    format!(
        "the config is {len} bytes, more than the limit of {MAX_BYTES} bytes (1 MiB); a config is a few kilobytes"
    )
}

#[cfg(unix)]
fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}
