//! Pure Data objects for bandmate: every object of the core's registry
//! (`bandmate_core::objects::OBJECTS`), made by one generic wrapper ([`object`]).
//!
//! One shared library holds every object; the package copies it once per object name
//! (`bandmate.<name>.pd_linux`, one per registered object), which is how Pd finds an
//! object by the name typed in a box. Pd calls the setup function that matches the file name:
//! `setup_bandmate0x2e<NAME>` (a `.` is hex-escaped, which also moves `setup_` to the front;
//! a trailing `~` is spelled `_tilde`). The registry gives each object's spelling, and
//! [`pd_setup_functions!`] writes one such function per object.
//!
//! The wrapper holds no musical logic: it turns Pd atoms into core messages and the core
//! objects' outputs into outlets, clocks and arrays.

pub mod object;
pub mod pd;

/// One exported setup function per registry entry: `setup_bandmate0x2e<PD_NAME>`, which
/// makes that entry's class. Other crates (a test object) use it for their own entries.
#[macro_export]
macro_rules! pd_setup_functions {
    ($($pd:ident => $entry:path),* $(,)?) => {
        $(
            const _: () = {
                /// Pd's entry point for one object.
                ///
                /// # Safety
                /// Called by Pd once, on its main thread, when it loads the binary.
                #[export_name = concat!("setup_bandmate0x2e", stringify!($pd))]
                pub unsafe extern "C" fn setup() {
                    $crate::pd::guard(std::ptr::null(), $entry.decl.name, (), || {
                        $crate::object::setup(&$entry)
                    })
                }
            };
        )*
    };
}

bandmate_core::registry!(pd_setup_functions);

/// The C symbol Pd's loader (0.53, `sys_do_load_lib`) looks up for an object called `name`:
/// letters, digits and `_` as they are, a trailing `~` as `_tilde`, anything else as `0x%02x`;
/// `setup_` first when anything was escaped, else `_setup` last.
pub fn setup_symbol(name: &str) -> String {
    let mut s = String::new();
    let mut escaped = false;
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() || c == '_' {
            s.push(c);
        } else if c == '~' && i + 1 == chars.len() {
            s.push_str("_tilde");
        } else {
            s.push_str(&format!("0x{:02x}", c as u32));
            escaped = true;
        }
    }
    if escaped {
        format!("setup_{s}")
    } else {
        format!("{s}_setup")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! symbols {
        ($($pd:ident => $entry:path),* $(,)?) => {
            vec![$((concat!("setup_bandmate0x2e", stringify!($pd)), $entry.decl.name)),*]
        };
    }

    #[test]
    fn each_registered_object_exports_the_symbol_pd_looks_for() {
        let got: Vec<(&str, &str)> = bandmate_core::registry!(symbols);
        assert_eq!(got.len(), bandmate_core::objects::OBJECTS.len());
        for (symbol, name) in got {
            assert_eq!(symbol, setup_symbol(name), "{name}");
        }
        assert_eq!(
            setup_symbol("bandmate.frag~"),
            "setup_bandmate0x2efrag_tilde"
        );
        assert_eq!(setup_symbol("plain"), "plain_setup");
    }
}
