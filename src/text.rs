//! `Text`: the one owned string type of the domain and wire model. It keeps a terminating NUL
//! after its bytes, so the C boundary can lend a view of it without a copy, and it is zeroized
//! when dropped (it may hold a secret value). Rust code reads it as `&str` (it derefs to `str`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use zeroize::{Zeroize, Zeroizing};

/// Owned UTF-8 text followed by one NUL byte (not part of the text), zeroized on drop. It may
/// contain NUL bytes of its own (secret values are binary-safe).
#[derive(Clone)]
pub struct Text(Zeroizing<String>);

impl Text {
    /// Copies `text` into an exact-size buffer and appends the NUL (no reallocation leaves an
    /// unzeroized copy behind). Bytes that are not UTF-8 become U+FFFD.
    pub fn new(text: impl AsRef<[u8]>) -> Text {
        Text::of_str(&String::from_utf8_lossy(text.as_ref()))
    }

    /// [`Text::new`] for text already known to be UTF-8 (no second check).
    fn of_str(text: &str) -> Text {
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        s.push('\0');
        Text(Zeroizing::new(s))
    }

    /// From an optional string (None = empty).
    pub fn from_opt(text: Option<&str>) -> Text {
        Text::new(text.unwrap_or_default())
    }

    /// The text, without the terminating NUL.
    pub fn as_str(&self) -> &str {
        self.0.strip_suffix('\0').unwrap_or_default()
    }

    /// The text and its terminating NUL (`with_nul().len() == as_str().len() + 1`).
    pub fn with_nul(&self) -> &[u8] {
        if self.0.is_empty() {
            b"\0" // only after `zeroize`
        } else {
            self.0.as_bytes()
        }
    }
}

impl Zeroize for Text {
    /// Wipes the text; it reads as "" afterwards.
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::new("")
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::of_str(text)
    }
}

impl From<String> for Text {
    /// Takes the string's text (its buffer is zeroized as it drops here).
    fn from(text: String) -> Text {
        let text = Zeroizing::new(text);
        Text::of_str(text.as_str())
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text::of_str(text)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Text {
    /// Shows the text; fields that hold secret material have their own `Debug` that hides it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        // Copied once into the exact-size buffer from the text the deserializer lends (JSON
        // without escapes: the reply body itself); a string handed over owned is zeroized.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text::of_str(text))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Text, E> {
                Ok(Text::from(text))
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Text, E> {
                std::str::from_utf8(bytes)
                    .map(Text::of_str)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(bytes), &self))
            }
        }
        d.deserialize_string(Visitor)
    }
}

/// A secret value: a [`Text`] whose `Debug` shows only its length.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretText(pub Text);

impl std::ops::Deref for SecretText {
    type Target = Text;
    fn deref(&self) -> &Text {
        &self.0
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretText({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_nul_after_the_text_and_orders_like_str() {
        let t = Text::new("a\0b");
        assert_eq!(t.as_str(), "a\0b");
        assert_eq!(t.with_nul(), b"a\0b\0");
        assert_eq!(Text::default().with_nul(), b"\0");
        let mut v: Vec<Text> = ["b", "a\0b", "a", "ab"].iter().map(Text::new).collect();
        v.sort();
        let mut w = vec!["b", "a\0b", "a", "ab"];
        w.sort();
        assert_eq!(v.iter().map(|t| t.as_str()).collect::<Vec<_>>(), w);
        let parsed: Text = serde_json::from_str(r#""x\u0000y""#).unwrap();
        assert_eq!(parsed, "x\0y");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), r#""x\u0000y""#);
        assert_eq!(format!("{:?}", SecretText(Text::new("hunter2"))), "SecretText(7 bytes)");
    }
}
