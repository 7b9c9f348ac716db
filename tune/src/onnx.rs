//! The weights of an ONNX graph, read and replaced without re-encoding it.
//!
//! An exported graph keeps its weights as initializers: `ModelProto.graph` (field 7) ->
//! `GraphProto.initializer` (field 5) -> `TensorProto` {dims 1, data_type 2, name 8, raw_data
//! 9}. This walks just enough of the protobuf wire format to find each initializer's raw bytes
//! and the nodes that consume it (`GraphProto.node`, field 1 -> `NodeProto` {input 1, name 3,
//! op_type 4}), and writes new weights over the old bytes in place (same length): everything
//! else in the file (the graph, its names, opset, metadata) stays byte for byte as exported.
//! No protobuf library: the ONNX crates on crates.io either need `protoc` to build or re-encode
//! the graph differently (docs/tune.md).

use std::ops::Range;

/// One float32 initializer of a graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Initializer {
    pub name: String,
    pub dims: Vec<usize>,
    /// Where its little-endian f32 values are in the file.
    raw: Range<usize>,
}

impl Initializer {
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Its values, read from the file it was found in.
    pub fn values(&self, file: &[u8]) -> Vec<f32> {
        file[self.raw.clone()]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }
}

/// A node of the graph: its name, operator and inputs (enough to tell which weight is which).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    pub inputs: Vec<String>,
}

/// What a graph file holds that training needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub initializers: Vec<Initializer>,
    pub nodes: Vec<Node>,
}

impl Graph {
    /// The node consuming `name` as its input number `k`, if any.
    pub fn consumer(&self, name: &str) -> Option<(&Node, usize)> {
        self.nodes
            .iter()
            .find_map(|n| n.inputs.iter().position(|i| i == name).map(|k| (n, k)))
    }
    pub fn initializer(&self, name: &str) -> Option<&Initializer> {
        self.initializers.iter().find(|i| i.name == name)
    }
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf
            .get(*pos)
            .ok_or("a number runs past the end of the file")?;
        *pos += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a number longer than 64 bits".into())
}

/// A field of a message: number, wire type, payload bytes (length-delimited) and value (varint).
struct Field {
    number: u64,
    wire: u8,
    bytes: Range<usize>,
    value: u64,
}

fn fields(buf: &[u8], range: Range<usize>) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let key = varint(buf, &mut pos)?;
        let (number, wire) = (key >> 3, (key & 7) as u8);
        let (bytes, value) = match wire {
            0 => {
                let v = varint(buf, &mut pos)?;
                (pos..pos, v)
            }
            1 => (pos..pos + 8, 0),
            2 => {
                let len = varint(buf, &mut pos)? as usize;
                (pos..pos.saturating_add(len), 0)
            }
            5 => (pos..pos + 4, 0),
            _ => return Err(format!("unknown protobuf wire type {wire}")),
        };
        if bytes.end > range.end {
            return Err("a field runs past the end of its message".into());
        }
        pos = pos.max(bytes.end);
        out.push(Field {
            number,
            wire,
            bytes,
            value,
        });
    }
    Ok(out)
}

fn text(buf: &[u8], r: Range<usize>) -> Result<String, String> {
    String::from_utf8(buf[r].to_vec()).map_err(|_| "a name that is not UTF-8".to_string())
}

/// Reads the initializers and nodes of an ONNX file's bytes. Every initializer must be float32
/// held in `raw_data` (what PyTorch's exporter writes); anything else is refused by name.
pub fn read(file: &[u8]) -> Result<Graph, String> {
    let graph = fields(file, 0..file.len())?
        .into_iter()
        .find(|f| f.number == 7 && f.wire == 2)
        .ok_or("no graph in the file (not an ONNX model)")?
        .bytes;
    let mut initializers = Vec::new();
    let mut nodes = Vec::new();
    for f in fields(file, graph)? {
        match (f.number, f.wire) {
            (1, 2) => {
                let mut node = Node {
                    name: String::new(),
                    op_type: String::new(),
                    inputs: Vec::new(),
                };
                for g in fields(file, f.bytes)? {
                    match (g.number, g.wire) {
                        (1, 2) => node.inputs.push(text(file, g.bytes)?),
                        (3, 2) => node.name = text(file, g.bytes)?,
                        (4, 2) => node.op_type = text(file, g.bytes)?,
                        _ => {}
                    }
                }
                nodes.push(node);
            }
            (5, 2) => {
                let (mut name, mut dims, mut data_type, mut raw) = (None, Vec::new(), 0, None);
                for g in fields(file, f.bytes)? {
                    match (g.number, g.wire) {
                        (1, 0) => dims.push(g.value as usize),
                        (1, 2) => {
                            let mut p = g.bytes.start;
                            while p < g.bytes.end {
                                dims.push(varint(file, &mut p)? as usize);
                            }
                        }
                        (2, 0) => data_type = g.value,
                        (8, 2) => name = Some(text(file, g.bytes)?),
                        (9, 2) => raw = Some(g.bytes),
                        _ => {}
                    }
                }
                let name = name.unwrap_or_default();
                let count: usize = dims.iter().product();
                match raw {
                    Some(r) if data_type == 1 && r.len() == 4 * count => {
                        initializers.push(Initializer { name, dims, raw: r })
                    }
                    _ => {
                        return Err(format!(
                            "initializer {name:?} is not float32 raw data of shape {dims:?}"
                        ))
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Graph {
        initializers,
        nodes,
    })
}

/// A copy of `file` with the named initializers' values replaced (same shapes): the rest of
/// the file is unchanged, byte for byte.
pub fn replace(file: &[u8], new: &[(&str, &[f32])]) -> Result<Vec<u8>, String> {
    let graph = read(file)?;
    let mut out = file.to_vec();
    for (name, values) in new {
        let i = graph
            .initializer(name)
            .ok_or_else(|| format!("the graph has no initializer {name:?}"))?;
        if values.len() != i.len() {
            return Err(format!(
                "{name}: {} values for a shape of {:?}",
                values.len(),
                i.dims
            ));
        }
        for (k, v) in values.iter().enumerate() {
            let at = i.raw.start + 4 * k;
            out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(number: u64, wire: u8) -> Vec<u8> {
        vec![((number << 3) | wire as u64) as u8]
    }
    fn bytes(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut v = key(number, 2);
        v.push(payload.len() as u8);
        v.extend_from_slice(payload);
        v
    }

    /// A hand-made model: one node and one 2-value initializer.
    fn tiny() -> Vec<u8> {
        let mut tensor = key(1, 0);
        tensor.push(2);
        tensor.extend(key(2, 0));
        tensor.push(1);
        tensor.extend(bytes(8, b"w"));
        let raw: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        tensor.extend(bytes(9, &raw));
        let mut node = bytes(1, b"x");
        node.extend(bytes(1, b"w"));
        node.extend(bytes(3, b"/mm"));
        node.extend(bytes(4, b"MatMul"));
        let mut graph = bytes(1, &node);
        graph.extend(bytes(5, &tensor));
        let mut model = key(1, 0);
        model.push(8);
        model.extend(bytes(7, &graph));
        model
    }

    #[test]
    fn reads_and_replaces_in_place() {
        let file = tiny();
        let g = read(&file).unwrap();
        assert_eq!(g.initializers.len(), 1);
        let w = &g.initializers[0];
        assert_eq!((w.name.as_str(), w.dims.clone()), ("w", vec![2]));
        assert_eq!(w.values(&file), vec![1.5, -2.0]);
        let (node, k) = g.consumer("w").unwrap();
        assert_eq!(
            (node.op_type.as_str(), node.name.as_str(), k),
            ("MatMul", "/mm", 1)
        );
        let out = replace(&file, &[("w", &[0.25, 4.0])]).unwrap();
        assert_eq!(out.len(), file.len());
        assert_eq!(
            read(&out).unwrap().initializers[0].values(&out),
            vec![0.25, 4.0]
        );
        assert_eq!(replace(&file, &[("w", &[1.5, -2.0])]).unwrap(), file);
    }

    #[test]
    fn bad_files_and_shapes_are_refused() {
        let file = tiny();
        assert!(replace(&file, &[("w", &[1.0])])
            .unwrap_err()
            .contains("1 values"));
        assert!(replace(&file, &[("v", &[1.0, 2.0])])
            .unwrap_err()
            .contains("\"v\""));
        assert!(read(b"not onnx at all").is_err());
        assert!(read(&file[..file.len() - 3]).is_err());
        assert!(read(&[]).unwrap_err().contains("no graph"));
    }
}
