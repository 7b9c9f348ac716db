//! Linking a Max external: Max's functions are resolved when Max loads the binary.
//! - Linux (the mock host used by the tests): undefined symbols in a shared library are
//!   allowed as is; the mock host exports them.
//! - macOS: link against the SDK's frameworks when `MAX_SDK_DIR` is set (the SDK's
//!   `source/max-sdk-base/c74support`), else leave them to be looked up at load time
//!   (`-undefined dynamic_lookup`), which Max supports as well.
//! - Windows: link the SDK's import libraries `MaxAPI.lib` and `MaxAudio.lib`; set
//!   `MAX_SDK_DIR` to the `c74support` folder (they are in `max-includes/x64` and
//!   `msp-includes/x64`).

fn main() {
    println!("cargo:rerun-if-env-changed=MAX_SDK_DIR");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let sdk = std::env::var("MAX_SDK_DIR").ok();
    match (os.as_str(), sdk) {
        ("macos", Some(dir)) => {
            println!("cargo:rustc-link-search=framework={dir}/max-includes");
            println!("cargo:rustc-link-search=framework={dir}/msp-includes");
            println!("cargo:rustc-link-lib=framework=MaxAPI");
            println!("cargo:rustc-link-lib=framework=MaxAudioAPI");
        }
        ("macos", None) => {
            println!("cargo:rustc-cdylib-link-arg=-undefined");
            println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
        }
        ("windows", dir) => {
            if let Some(dir) = dir {
                println!("cargo:rustc-link-search=native={dir}/max-includes/x64");
                println!("cargo:rustc-link-search=native={dir}/msp-includes/x64");
            }
            println!("cargo:rustc-link-lib=dylib=MaxAPI");
            println!("cargo:rustc-link-lib=dylib=MaxAudio");
        }
        _ => {}
    }
}
