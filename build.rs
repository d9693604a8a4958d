//! Generates `include/kv.h` from the sources with cbindgen (configuration in `cbindgen.toml`).
//! The header is written to `$OUT_DIR/kv.h` and copied to `include/kv.h` when it changed; the
//! test suite fails when the committed header differs from the generated one.

use std::path::{Path, PathBuf};

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // The shared library carries a soname (libkv.so.MAJOR) so installed copies can be versioned.
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libkv.so.{major}");
        soname_link(&out_dir, &major);
    }
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    config.after_includes = Some(version_defines());
    // Only the C boundary (with its status list) is public C API; the rest of the crate is not.
    // `src/ffi/mod.rs` brings in its submodules.
    let builder =
        cbindgen::Builder::new().with_config(config).with_src(crate_dir.join("src").join("ffi").join("mod.rs"));
    let bindings = match builder.generate() {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in the sources is reported by rustc with better context.
            println!("cargo:warning=cbindgen could not generate kv.h: {e}");
            return;
        }
    };
    let generated = out_dir.join("kv.h");
    bindings.write_to_file(&generated);
    copy_if_changed(&generated, &crate_dir.join("include").join("kv.h"));
}

/// `KV_VERSION_MAJOR/MINOR/PATCH` for kv.h, from the crate version in Cargo.toml (the one source of
/// the version; tests/ffi_safety.rs checks the header against it).
fn version_defines() -> String {
    let mut defines = String::new();
    for (part, what) in [("MAJOR", "Major"), ("MINOR", "Minor"), ("PATCH", "Patch")] {
        let value = std::env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets CARGO_PKG_VERSION_*");
        defines.push_str(&format!(
            "\n/**\n * {what} version of kv this header belongs to (the crate version in Cargo.toml).\n */\n\
             #define KV_VERSION_{part} {value}\n"
        ));
    }
    defines.pop();
    defines
}

fn copy_if_changed(from: &Path, to: &Path) {
    let new = std::fs::read(from).expect("generated header is readable");
    if std::fs::read(to).ok().as_deref() != Some(new.as_slice()) {
        std::fs::create_dir_all(to.parent().expect("include/ has a parent")).expect("can create include/");
        std::fs::write(to, new).expect("can write include/kv.h");
    }
}

/// Makes `libkv.so.MAJOR -> libkv.so` next to the library cargo builds (target/<profile>/), so a
/// program linked with `-Ltarget/release -lkv` finds the soname its dynamic loader looks for.
/// OUT_DIR is `<target>/<profile>/build/kv-<hash>/out`; the link is made before the library is
/// linked and resolves once it is. Best effort: an unusual layout only loses the convenience link.
fn soname_link(out_dir: &Path, major: &str) {
    let Some(profile_dir) = out_dir.ancestors().nth(3) else {
        return;
    };
    if !profile_dir.join("build").is_dir() {
        return;
    }
    let link = profile_dir.join(format!("libkv.so.{major}"));
    if std::fs::read_link(&link).ok().as_deref() == Some(Path::new("libkv.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    if let Err(e) = std::os::unix::fs::symlink("libkv.so", &link) {
        println!("cargo:warning=could not create {}: {e}", link.display());
    }
}
