//! The content-addressed build cache.
//!
//! Layout under the cache root (`TESSERA_VERILATOR_CACHE`, default `<workspace>/target/verilator-cache`):
//!
//! ```text
//! runtime-<key>/       verilated.o, verilated_vcd_c.o, verilated_threads.o (once per Verilator + compiler)
//! <top>-<key>/         lib<top>.so, build.log, the generated header and shim (one per design + flags)
//! locks/<key>.lock     one lock file per key
//! tmp/                 builds in progress
//! ```
//!
//! Concurrency: a builder takes an exclusive `flock` on the key's lock file (threads of one process each open
//! their own file description, so they exclude each other like processes do), re-checks whether the entry
//! exists, builds into a private directory under `tmp/`, and publishes it with one atomic `rename`. Readers
//! never see a half-built entry, and a crashed build leaves only a stale `tmp/` directory behind.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The cache root: `TESSERA_VERILATOR_CACHE`, else `target/verilator-cache` in the workspace.
pub fn default_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("TESSERA_VERILATOR_CACHE") {
        return PathBuf::from(dir);
    }
    workspace_target().join("verilator-cache")
}

/// `<workspace>/target` (the workspace is the parent of this crate's manifest directory).
pub fn workspace_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testbench crate lives inside the workspace")
        .join("target")
}

/// Builds a cache key: sha256 over length-prefixed parts, first 16 bytes in hex.
#[derive(Default)]
pub struct KeyHasher(Sha256);

impl KeyHasher {
    pub fn part(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        let b = bytes.as_ref();
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }
    pub fn finish(self) -> String {
        let digest = self.0.finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Returns `root/<name>`, building it with `build(tmp_dir)` first if it does not exist yet.
/// The boolean is true when the entry already existed (a cache hit).
pub fn get_or_build(
    root: &Path,
    name: &str,
    key: &str,
    build: impl FnOnce(&Path) -> Result<()>,
) -> Result<(PathBuf, bool)> {
    let final_dir = root.join(name);
    if final_dir.is_dir() {
        return Ok((final_dir, true));
    }
    let locks = root.join("locks");
    fs::create_dir_all(&locks)
        .with_context(|| format!("creating cache directory {}", locks.display()))?;
    let lock_path = locks.join(format!("{key}.lock"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening lock {}", lock_path.display()))?;
    lock_exclusive(&lock, &lock_path)?;
    if final_dir.is_dir() {
        return Ok((final_dir, true)); // somebody else built it while we waited
    }
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let tmp = root.join("tmp").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).ok();
    }
    fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let result = build(&tmp);
    if let Err(e) = result {
        fs::remove_dir_all(&tmp).ok();
        return Err(e);
    }
    fs::rename(&tmp, &final_dir)
        .with_context(|| format!("publishing {} as {}", tmp.display(), final_dir.display()))?;
    drop(lock);
    Ok((final_dir, false))
}

fn lock_exclusive(f: &File, path: &Path) -> Result<()> {
    f.lock()
        .with_context(|| format!("locking {}", path.display()))
}
