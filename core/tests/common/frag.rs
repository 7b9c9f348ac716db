//! Talking to `bandmate.frag~` as a host does: a message from text, what came out, and the
//! info lines and errors in it.

use bandmate_core::objects::{atoms, Atom, FragObject, Output};

pub fn send(o: &mut FragObject, text: &str) -> bandmate_core::Result<()> {
    let a = atoms(text);
    let Some((Atom::Symbol(sel), args)) = a.split_first() else {
        panic!("{text}")
    };
    o.message(sel, args)
}

pub fn outs(o: &mut FragObject) -> Vec<Output> {
    let mut v = Vec::new();
    o.drain(|x| v.push(x));
    v
}

pub fn info(v: &[Output], sel: &str) -> Vec<Vec<Atom>> {
    v.iter()
        .filter_map(|x| match x {
            Output::Info(s, a) if s == sel => Some(a.clone()),
            _ => None,
        })
        .collect()
}

pub fn errors(v: &[Output]) -> Vec<String> {
    v.iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}
