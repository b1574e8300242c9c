//! A scenario as a tree of named values, to set any field by its path.
//!
//! `ron::Value` drops enum variant names (`Supermajority(0.67)` becomes a bare sequence),
//! so it cannot carry a scenario through a change and back. [`Node`] keeps them: a
//! scenario is serialised into a `Node` by a small serde serialiser, one field is
//! replaced, and the tree is written back as RON text and parsed by the ordinary scenario
//! reader. Going through the reader (not around it) means a swept value is checked
//! exactly as if it had been written in a scenario file.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser;

use crate::config::edit_distance;

/// One value of a serialised scenario, with the names RON needs to read it back.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// `true` or `false`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float.
    Float(f64),
    /// A character.
    Char(char),
    /// A string.
    Str(String),
    /// `None`.
    None,
    /// `Some(..)`.
    Some(Box<Node>),
    /// `()` or a unit struct.
    Unit,
    /// `[..]`.
    Seq(Vec<Node>),
    /// `(a, b)`: a tuple or tuple struct.
    Tuple(Vec<Node>),
    /// `(name: value, ..)`: a struct.
    Struct(Vec<(String, Node)>),
    /// `{key: value, ..}`.
    Map(Vec<(Node, Node)>),
    /// An enum variant.
    Variant {
        /// The variant's name.
        name: String,
        /// What follows the name.
        payload: Payload,
    },
    /// RON text written by a user, spliced in as it is.
    Raw(String),
}

/// What follows an enum variant's name.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// Nothing: `Consensus`.
    Unit,
    /// One value: `Supermajority(0.67)`, `Synthetic((countries: 60))`.
    Newtype(Box<Node>),
    /// Several values: `Pair(1, 2)`.
    Tuple(Vec<Node>),
    /// Named fields: `Logit(beta: 50.0)`.
    Struct(Vec<(String, Node)>),
}

/// How floats are written by [`Node::render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// RON that reads back to the same value (`1.0`, `inf`).
    Ron,
    /// Table cells: floats as in every other output table (`blocs::metrics::fmt`), and
    /// `Some(x)` as `x`.
    Cell,
}

/// Why a path does not lead to a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError(pub String);

/// Serialises any value (a scenario) into a [`Node`].
pub fn to_node<T: Serialize + ?Sized>(value: &T) -> Node {
    value
        .serialize(NodeSerializer)
        .expect("scenario types serialise into a tree")
}

impl Node {
    /// Writes the node as one line of RON (or as a table cell).
    pub fn render(&self, style: Style) -> String {
        let mut out = String::new();
        self.write(&mut out, style);
        out
    }

    fn write(&self, out: &mut String, style: Style) {
        match self {
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Node::UInt(u) => {
                let _ = write!(out, "{u}");
            }
            Node::Float(x) => out.push_str(&float(*x, style)),
            Node::Char(c) => {
                let _ = write!(out, "{c:?}");
            }
            Node::Str(s) => {
                let _ = write!(out, "{s:?}");
            }
            Node::None => out.push_str("None"),
            Node::Some(inner) if style == Style::Cell => inner.write(out, style),
            Node::Some(inner) => {
                // Explicit `Some(..)` reads back under any RON extensions.
                out.push_str("Some(");
                inner.write(out, style);
                out.push(')');
            }
            Node::Unit => out.push_str("()"),
            Node::Seq(items) => list(out, '[', ']', items, style),
            Node::Tuple(items) => list(out, '(', ')', items, style),
            Node::Struct(fields) => fields_of(out, fields, style),
            Node::Map(entries) => {
                out.push('{');
                for (k, (key, value)) in entries.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    key.write(out, style);
                    out.push_str(": ");
                    value.write(out, style);
                }
                out.push('}');
            }
            Node::Variant { name, payload } => {
                out.push_str(name);
                match payload {
                    Payload::Unit => {}
                    Payload::Newtype(inner) => {
                        out.push('(');
                        inner.write(out, style);
                        out.push(')');
                    }
                    Payload::Tuple(items) => list(out, '(', ')', items, style),
                    Payload::Struct(fields) => fields_of(out, fields, style),
                }
            }
            Node::Raw(text) => out.push_str(text),
        }
    }

    /// The value at a dotted path such as `multilateral.decision_rule`,
    /// `countries.countries` or `agreements[0].depth`.
    ///
    /// Newtype variants (`Synthetic(..)`, `Gravity(..)`) and `Some(..)` are passed through,
    /// as in the field names of validation messages; a struct variant's fields are
    /// reached by name (`choice.beta` when the choice is `Logit(beta: ..)`).
    pub fn at_mut(&mut self, path: &str) -> Result<&mut Node, PathError> {
        let mut node = self;
        let mut walked = String::new();
        for segment in path.split('.') {
            let (name, index) = split_index(segment)
                .ok_or_else(|| PathError(format!("`{segment}` is not a field name")))?;
            node = field(node, name, &walked)?;
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(name);
            if let Some(k) = index {
                node = through(node);
                match node {
                    Node::Seq(items) => {
                        let n = items.len();
                        node = items.get_mut(k).ok_or_else(|| {
                            PathError(format!(
                                "`{walked}` has {n} entries in the base scenario, so [{k}] does not exist"
                            ))
                        })?;
                    }
                    _ => return Err(PathError(format!("`{walked}` is not a list"))),
                }
                let _ = write!(walked, "[{k}]");
            }
        }
        Ok(node)
    }

    /// A copy of the value at a path.
    pub fn get(&self, path: &str) -> Result<Node, PathError> {
        // Walking a copy keeps one implementation of the path rules; scenario trees are
        // small and this runs only while an experiment is checked.
        let mut copy = self.clone();
        copy.at_mut(path).map(|n| n.clone())
    }

    /// The value at a path that is known to exist (no messages, no copy).
    pub fn find(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for segment in path.split('.') {
            let (name, index) = split_index(segment)?;
            node = match through_ref(node) {
                Node::Struct(fields)
                | Node::Variant {
                    payload: Payload::Struct(fields),
                    ..
                } => &fields.iter().find(|(n, _)| n == name)?.1,
                _ => return None,
            };
            if let Some(k) = index {
                node = match through_ref(node) {
                    Node::Seq(items) => items.get(k)?,
                    _ => return None,
                };
            }
        }
        Some(node)
    }

    /// Whether the value is a number, looking through `Some`.
    pub fn number_kind(&self) -> Option<NumberKind> {
        match self {
            Node::Float(_) => Some(NumberKind::Float),
            Node::Int(_) | Node::UInt(_) => Some(NumberKind::Integer),
            Node::Some(inner) => inner.number_kind(),
            _ => None,
        }
    }
}

/// Whether a numeric field holds integers or floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    /// Integers: sampled values are rounded to the nearest.
    Integer,
    /// Floats.
    Float,
}

fn float(x: f64, style: Style) -> String {
    match style {
        Style::Cell => crate::metrics::fmt(x),
        Style::Ron if x.is_nan() => "NaN".into(),
        Style::Ron if x.is_infinite() => (if x > 0.0 { "inf" } else { "-inf" }).into(),
        // `{:?}` always has a `.` or an exponent, so RON reads a float back, and it is
        // the shortest text that reads back to the same bits.
        Style::Ron => format!("{x:?}"),
    }
}

fn list(out: &mut String, open: char, close: char, items: &[Node], style: Style) {
    out.push(open);
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        item.write(out, style);
    }
    out.push(close);
}

fn fields_of(out: &mut String, fields: &[(String, Node)], style: Style) {
    out.push('(');
    for (k, (name, value)) in fields.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push_str(": ");
        value.write(out, style);
    }
    out.push(')');
}

/// `name` or `name[3]`.
fn split_index(segment: &str) -> Option<(&str, Option<usize>)> {
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match segment.split_once('[') {
        None => valid(segment).then_some((segment, None)),
        Some((name, rest)) => {
            let k = rest.strip_suffix(']')?.parse().ok()?;
            valid(name).then_some((name, Some(k)))
        }
    }
}

/// Looks through `Some(..)` and newtype variants.
fn through(mut node: &mut Node) -> &mut Node {
    loop {
        match node {
            Node::Some(inner)
            | Node::Variant {
                payload: Payload::Newtype(inner),
                ..
            } => node = inner,
            other => return other,
        }
    }
}

fn through_ref(mut node: &Node) -> &Node {
    loop {
        match node {
            Node::Some(inner)
            | Node::Variant {
                payload: Payload::Newtype(inner),
                ..
            } => node = inner,
            other => return other,
        }
    }
}

fn field<'a>(node: &'a mut Node, name: &str, walked: &str) -> Result<&'a mut Node, PathError> {
    let node = through(node);
    let what = if walked.is_empty() {
        "a scenario".to_string()
    } else {
        format!("`{walked}`")
    };
    let fields = match node {
        Node::Struct(fields)
        | Node::Variant {
            payload: Payload::Struct(fields),
            ..
        } => fields,
        Node::None => {
            return Err(PathError(format!(
                "{what} is off (None) in the base scenario: switch it on there, e.g. `{walked}: ()`, to vary `{name}` inside it"
            )));
        }
        other => {
            return Err(PathError(format!(
                "{what} is `{}` in the base scenario, which has no field `{name}`",
                other.render(Style::Ron)
            )));
        }
    };
    let names: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some((_, value)) => Ok(value),
        None => Err(PathError(unknown_field(name, &what, &names))),
    }
}

fn unknown_field(name: &str, what: &str, names: &[String]) -> String {
    let nearest = names.iter().min_by_key(|n| edit_distance(name, n));
    let hint = match nearest {
        Some(n) if edit_distance(name, n) <= name.len().max(3) / 2 + 1 => {
            format!("; did you mean `{n}`?")
        }
        _ => String::new(),
    };
    format!(
        "unknown field `{name}` in {what}{hint} (allowed: {})",
        names.join(", ")
    )
}

/// The error type of [`NodeSerializer`]; scenario types never produce it.
#[derive(Debug)]
pub struct TreeError(String);

impl std::fmt::Display for TreeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TreeError {}

impl ser::Error for TreeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        TreeError(msg.to_string())
    }
}

struct NodeSerializer;

/// Collects the items of a sequence, tuple or tuple variant.
struct SeqBuilder {
    items: Vec<Node>,
    finish: fn(Vec<Node>) -> Node,
}

/// Collects the fields of a struct or struct variant.
struct StructBuilder {
    fields: Vec<(String, Node)>,
    variant: Option<&'static str>,
}

struct MapBuilder {
    entries: Vec<(Node, Node)>,
    key: Option<Node>,
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = TreeError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = StructBuilder;

    fn serialize_bool(self, v: bool) -> Result<Node, TreeError> {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, TreeError> {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Node, TreeError> {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Node, TreeError> {
        Ok(Node::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Node, TreeError> {
        Ok(Node::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, TreeError> {
        Ok(Node::UInt(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Node, TreeError> {
        Ok(Node::UInt(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Node, TreeError> {
        Ok(Node::UInt(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Node, TreeError> {
        Ok(Node::UInt(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, TreeError> {
        Ok(Node::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Node, TreeError> {
        Ok(Node::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Node, TreeError> {
        Ok(Node::Char(v))
    }
    fn serialize_str(self, v: &str) -> Result<Node, TreeError> {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, TreeError> {
        Ok(Node::Seq(
            v.iter().map(|b| Node::UInt((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Node, TreeError> {
        Ok(Node::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node, TreeError> {
        Ok(Node::Some(Box::new(value.serialize(NodeSerializer)?)))
    }
    fn serialize_unit(self) -> Result<Node, TreeError> {
        Ok(Node::Unit)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node, TreeError> {
        Ok(Node::Unit)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node, TreeError> {
        Ok(Node::Variant {
            name: variant.to_string(),
            payload: Payload::Unit,
        })
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Node, TreeError> {
        value.serialize(NodeSerializer)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node, TreeError> {
        Ok(Node::Variant {
            name: variant.to_string(),
            payload: Payload::Newtype(Box::new(value.serialize(NodeSerializer)?)),
        })
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, TreeError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0)),
            finish: Node::Seq,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, TreeError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len),
            finish: Node::Tuple,
        })
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, TreeError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, TreeError> {
        // The variant name travels in a leading string item, taken off in `end`.
        let mut items = Vec::with_capacity(len + 1);
        items.push(Node::Str(variant.to_string()));
        Ok(SeqBuilder {
            items,
            finish: |mut items| {
                let Node::Str(name) = items.remove(0) else {
                    unreachable!("the first item is the variant name")
                };
                Node::Variant {
                    name,
                    payload: Payload::Tuple(items),
                }
            },
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, TreeError> {
        Ok(MapBuilder {
            entries: Vec::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<StructBuilder, TreeError> {
        Ok(StructBuilder {
            fields: Vec::with_capacity(len),
            variant: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<StructBuilder, TreeError> {
        Ok(StructBuilder {
            fields: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        self.items.push(value.serialize(NodeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node, TreeError> {
        Ok((self.finish)(self.items))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node, TreeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node, TreeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node, TreeError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), TreeError> {
        self.key = Some(key.serialize(NodeSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TreeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| TreeError("a map value without a key".into()))?;
        self.entries.push((key, value.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node, TreeError> {
        Ok(Node::Map(self.entries))
    }
}

impl ser::SerializeStruct for StructBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        self.fields
            .push((key.to_string(), value.serialize(NodeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node, TreeError> {
        Ok(match self.variant {
            None => Node::Struct(self.fields),
            Some(name) => Node::Variant {
                name: name.to_string(),
                payload: Payload::Struct(self.fields),
            },
        })
    }
}

impl ser::SerializeStructVariant for StructBuilder {
    type Ok = Node;
    type Error = TreeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), TreeError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Node, TreeError> {
        ser::SerializeStruct::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Scenario;
    use std::path::Path;

    #[test]
    fn a_scenario_survives_the_round_trip_through_a_tree() {
        let mut s = Scenario::builtin_default();
        s.multilateral.decision_rule = crate::model::DecisionRule::Supermajority(0.67);
        s.choice = crate::model::Choice::Logit { beta: 3.5 };
        s.public_goods = Some(crate::config::PublicGoodsConfig::default());
        s.regional.new_reach = f64::INFINITY;
        let text = to_node(&s).render(Style::Ron);
        let back = Scenario::parse(&text, Path::new("tree")).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn paths_reach_through_variants_and_options() {
        let mut s = Scenario::builtin_default();
        s.choice = crate::model::Choice::Logit { beta: 3.5 };
        let mut tree = to_node(&s);
        assert_eq!(tree.get("countries.countries").unwrap(), Node::UInt(60));
        assert_eq!(tree.get("choice.beta").unwrap(), Node::Float(3.5));
        assert_eq!(tree.find("choice.beta"), Some(&Node::Float(3.5)));
        assert_eq!(tree.find("choice.gamma"), None);
        assert_eq!(
            tree.get("multilateral.decision_rule")
                .unwrap()
                .render(Style::Ron),
            "Consensus"
        );
        *tree.at_mut("multilateral.decision_rule").unwrap() =
            Node::Raw("Supermajority(0.5)".into());
        let back = Scenario::parse(&tree.render(Style::Ron), Path::new("t")).unwrap();
        assert_eq!(
            back.multilateral.decision_rule,
            crate::model::DecisionRule::Supermajority(0.5)
        );
        let err = tree.get("multilateral.decison_rule").unwrap_err();
        assert!(err.0.contains("did you mean `decision_rule`?"), "{err:?}");
        assert!(err.0.contains("allowed: t_m,"), "{err:?}");
        let err = tree.get("public_goods.cost").unwrap_err();
        assert!(err.0.contains("off (None)"), "{err:?}");
        let err = tree.get("agreements[0].depth").unwrap_err();
        assert!(err.0.contains("0 entries"), "{err:?}");
    }
}
