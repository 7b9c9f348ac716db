//! NumPy `.npy` (format 1.0) files: how the dataset export hands tensors to the training code
//! (`numpy.load` reads them with no other dependency). Little-endian `float32`, `uint8` or
//! `uint16` (the accompanist's tokens), C order.

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use std::path::Path;

/// The data of one array.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    F32(Vec<f32>),
    U8(Vec<u8>),
    U16(Vec<u16>),
}

impl NpyData {
    fn len(&self) -> usize {
        match self {
            NpyData::F32(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::U16(v) => v.len(),
        }
    }
    fn descr(&self) -> &'static str {
        match self {
            NpyData::F32(_) => "<f4",
            NpyData::U8(_) => "|u1",
            NpyData::U16(_) => "<u2",
        }
    }
}

fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    // magic(6) + version(2) + len(2) + dict + padding + '\n', a multiple of 64 bytes.
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut h = Vec::with_capacity(total);
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    h.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

/// Write an array atomically; `shape` must match the data's length.
pub fn write_npy(path: &Path, shape: &[usize], data: &NpyData) -> Result<()> {
    let n: usize = shape.iter().product();
    if n != data.len() {
        return Err(Error::invalid(format!(
            "array of {} values does not have shape {shape:?}",
            data.len()
        ))
        .at(path));
    }
    let head = header(data.descr(), shape);
    fsutil::write_atomic_with(path, |w| {
        w.write_all(&head)?;
        match data {
            NpyData::F32(v) => {
                for x in v {
                    w.write_all(&x.to_le_bytes())?;
                }
            }
            NpyData::U8(v) => w.write_all(v)?,
            NpyData::U16(v) => {
                for x in v {
                    w.write_all(&x.to_le_bytes())?;
                }
            }
        }
        Ok(())
    })
}

/// Read an array written by [`write_npy`] (or numpy, for `<f4` / `|u1` C-order arrays).
pub fn read_npy(path: &Path) -> Result<(Vec<usize>, NpyData)> {
    let bytes = fsutil::read(path)?;
    parse_npy(&bytes).map_err(|e| e.at(path))
}

fn parse_npy(bytes: &[u8]) -> Result<(Vec<usize>, NpyData)> {
    let bad = |m: &str| Error::new(ErrorKind::Invalid(format!("npy: {m}")));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" || bytes[6] != 1 {
        return Err(bad("not a version 1 .npy file"));
    }
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let dict = std::str::from_utf8(
        bytes
            .get(10..10 + hlen)
            .ok_or_else(|| bad("short header"))?,
    )
    .map_err(|_| bad("header is not text"))?;
    let descr = if dict.contains("'<f4'") {
        "f4"
    } else if dict.contains("'|u1'") {
        "u1"
    } else if dict.contains("'<u2'") {
        "u2"
    } else {
        return Err(bad("only <f4, |u1 and <u2 arrays are read"));
    };
    if dict.contains("'fortran_order': True") {
        return Err(bad("Fortran order is not read"));
    }
    let shape_txt = dict
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    let n: usize = shape.iter().product();
    let body = &bytes[10 + hlen..];
    let data = match descr {
        "f4" => {
            if body.len() != n * 4 {
                return Err(bad("data length does not match shape"));
            }
            NpyData::F32(
                body.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        }
        "u2" => {
            if body.len() != n * 2 {
                return Err(bad("data length does not match shape"));
            }
            NpyData::U16(
                body.chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect(),
            )
        }
        _ => {
            if body.len() != n {
                return Err(bad("data length does not match shape"));
            }
            NpyData::U8(body.to_vec())
        }
    };
    Ok((shape, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_numpy_compatible() {
        let h = header("<f4", &[3, 32, 9]);
        assert_eq!(h.len() % 64, 0);
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(text.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 32, 9), }"));
        assert!(text.ends_with('\n'));
        let one = header("|u1", &[5]);
        assert!(std::str::from_utf8(&one[10..])
            .unwrap()
            .contains("'shape': (5,)"));
    }

    #[test]
    fn round_trip_and_shape_check() {
        let dir = std::env::temp_dir().join(format!("bm-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.npy");
        let data = NpyData::F32(vec![0.5, -1.25, 3.0, 0.0, 1e-7, 7.0]);
        write_npy(&p, &[2, 3], &data).unwrap();
        assert_eq!(read_npy(&p).unwrap(), (vec![2, 3], data));
        let u = NpyData::U8(vec![0, 1, 1]);
        write_npy(&p, &[3], &u).unwrap();
        assert_eq!(read_npy(&p).unwrap(), (vec![3], u));
        let w = NpyData::U16(vec![0, 831, 65535, 256]);
        write_npy(&p, &[2, 2], &w).unwrap();
        assert_eq!(read_npy(&p).unwrap(), (vec![2, 2], w));
        assert!(write_npy(&p, &[4], &NpyData::U8(vec![1])).is_err());
        std::fs::write(&p, b"garbage").unwrap();
        assert!(read_npy(&p)
            .unwrap_err()
            .to_string()
            .contains("a.npy: npy:"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
