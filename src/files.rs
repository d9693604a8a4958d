//! Reading files that a caller or the environment names (federated token file, client
//! certificate): only regular files, never more than a set size, into zeroized storage, with an
//! error that names the file. `/dev/zero`, a FIFO or a huge file is refused at once instead of
//! exhausting memory or blocking.

use crate::error::{Error, ErrorKind, Result};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// The content of the regular file at `path` (symbolic links followed), at most `max_bytes`.
/// `what` names the file in errors ("the certificate file"), which are `ErrorKind::FileError`.
pub fn read_capped(path: &Path, max_bytes: usize, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let failed = |why: String| Error::new(ErrorKind::FileError, format!("{what} '{}' {why}", path.display()));
    // Checked before opening: opening a FIFO would block until a writer comes.
    let metadata = std::fs::metadata(path).map_err(|e| failed(format!("cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(failed("is not a regular file (devices, FIFOs and directories are refused)".to_owned()));
    }
    if metadata.len() > max_bytes as u64 {
        return Err(failed(format!("is larger than {max_bytes} bytes")));
    }
    let file = std::fs::File::open(path).map_err(|e| failed(format!("cannot be read: {e}")))?;
    // Exactly the room needed (plus one byte to notice growth), so no reallocation leaves an
    // unzeroized copy behind.
    let mut data = Zeroizing::new(Vec::with_capacity(metadata.len() as usize + 1));
    file.take(max_bytes as u64 + 1).read_to_end(&mut data).map_err(|e| failed(format!("cannot be read: {e}")))?;
    if data.len() > max_bytes {
        return Err(failed(format!("is larger than {max_bytes} bytes")));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let path = std::env::temp_dir().join(format!("kv-files-unit-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_capped(&path, 10, "the file").unwrap().as_slice(), b"0123456789");
        let e = read_capped(&path, 9, "the test file").unwrap_err();
        assert_eq!(e.kind, ErrorKind::FileError);
        assert!(e.message.contains("the test file") && e.message.contains("larger than 9 bytes"), "{}", e.message);
        let _ = std::fs::remove_file(&path);
        assert!(read_capped(&path, 10, "f").unwrap_err().message.contains("cannot be read"));
        #[cfg(unix)]
        {
            let started = std::time::Instant::now();
            assert!(read_capped(Path::new("/dev/zero"), 10, "f").unwrap_err().message.contains("not a regular file"));
            assert!(read_capped(&std::env::temp_dir(), 10, "f").unwrap_err().message.contains("not a regular file"));
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }
}
