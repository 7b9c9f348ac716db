//! Linking a Pd external: Pd's functions are resolved when Pd loads the binary.
//! - Linux: undefined symbols in a shared library are allowed as is.
//! - macOS: the linker must be told so (`-undefined dynamic_lookup`).
//! - Windows: link against the import library of pd.dll (`pd.lib`, in Pd's `bin/` folder);
//!   set `PD_BIN_DIR` to that folder.

fn main() {
    println!("cargo:rerun-if-env-changed=PD_BIN_DIR");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    match os.as_str() {
        "macos" => {
            println!("cargo:rustc-cdylib-link-arg=-undefined");
            println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
        }
        "windows" => {
            if let Ok(dir) = std::env::var("PD_BIN_DIR") {
                println!("cargo:rustc-link-search=native={dir}");
            }
            println!("cargo:rustc-link-lib=dylib=pd");
        }
        _ => {}
    }
}
