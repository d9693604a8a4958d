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

    /// Reads a JSON string literal as it stands in a reply (quotes included) and undoes its
    /// escapes straight into zeroizing storage. Secret values are read this way rather than by
    /// serde_json, which unescapes a string with escapes (every PEM value has `\n`) in a scratch
    /// buffer of its own that it grows and frees without zeroizing. Errors name what is wrong.
    pub fn from_json_literal(literal: &str) -> Result<Text, &'static str> {
        let inner =
            literal.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).ok_or("expected a JSON string")?;
        if !inner.contains('\\') {
            return Ok(Text::of_str(inner));
        }
        // Escapes only shrink the text, so this never reallocates (no copy left behind).
        let mut out = Zeroizing::new(Vec::with_capacity(inner.len()));
        let bytes = inner.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            if byte != b'\\' {
                out.push(byte);
                at += 1;
                continue;
            }
            let escape = *bytes.get(at + 1).ok_or("a JSON string ends in a lone backslash")?;
            at += 2;
            let plain = match escape {
                b'"' | b'\\' | b'/' => escape,
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let (c, used) = unicode_escape(&bytes[at..])?;
                    at += used;
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    continue;
                }
                _ => return Err("a JSON string has an unknown escape"),
            };
            out.push(plain);
        }
        std::str::from_utf8(&out).map(Text::of_str).map_err(|_| "a JSON string is not UTF-8")
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

    /// The text as a zeroizing `String`, moved out without a copy (the NUL dropped).
    pub fn into_zeroizing_string(mut self) -> Zeroizing<String> {
        let mut text = std::mem::take(&mut *self.0);
        text.pop(); // the NUL
        Zeroizing::new(text)
    }
}

/// The character of a `\uXXXX` escape (the bytes after `\u`), and how many bytes it used: four,
/// or ten for a surrogate pair (`XXXX\uYYYY`). A lone surrogate is an error, as in serde_json.
fn unicode_escape(bytes: &[u8]) -> Result<(char, usize), &'static str> {
    fn hex4(bytes: &[u8]) -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(..4)?).ok()?;
        digits.bytes().all(|b| b.is_ascii_hexdigit()).then(|| u32::from_str_radix(digits, 16).ok())?
    }
    const BAD: &str = "a JSON string has a bad \\u escape";
    let first = hex4(bytes).ok_or(BAD)?;
    match first {
        0xd800..=0xdbff => {
            let second = match bytes.get(4..6) {
                Some(b"\\u") => hex4(&bytes[6..]).ok_or(BAD)?,
                _ => return Err("a JSON string has a lone surrogate"),
            };
            if !(0xdc00..=0xdfff).contains(&second) {
                return Err("a JSON string has a lone surrogate");
            }
            let c = char::from_u32(0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)).ok_or(BAD)?;
            Ok((c, 10))
        }
        0xdc00..=0xdfff => Err("a JSON string has a lone surrogate"),
        _ => Ok((char::from_u32(first).ok_or(BAD)?, 4)),
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

/// A secret value: a [`Text`] whose `Debug` shows only its length. It is read from JSON as the
/// string's literal text, unescaped by [`Text::from_json_literal`], so that serde_json never
/// holds an unescaped copy; a deserializer that cannot lend the literal (a `serde_json::Value`)
/// is refused.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SecretText(pub Text);

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SecretText, D::Error> {
        let literal = <&serde_json::value::RawValue>::deserialize(d)?;
        Text::from_json_literal(literal.get()).map(SecretText).map_err(serde::de::Error::custom)
    }
}

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
        assert_eq!(*Text::new("a\0b").into_zeroizing_string(), "a\0b");
        assert_eq!(*Text::default().into_zeroizing_string(), "");
    }

    #[test]
    fn json_literals_unescape_as_serde_json_does() {
        let texts = [
            "",
            "plain",
            "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            "quote \" backslash \\ slash / tab \t cr \r bs \u{8} ff \u{c} nul \0 esc \u{1b}",
            "é ü ß € 😀 𝄞 \u{ffff} \u{10ffff} \u{7f}",
        ];
        for text in texts {
            let literal = serde_json::to_string(text).unwrap();
            assert_eq!(Text::from_json_literal(&literal).unwrap(), text, "{literal}");
            let secret: SecretText = serde_json::from_str(&literal).unwrap();
            assert_eq!(secret.0, text);
        }
        // Escapes serde_json does not write but JSON allows.
        let cases = [(r#""\/\u00e9\ud83d\ude00\u0041""#, "/é😀A"), (r#""\uD834\uDD1E""#, "𝄞")];
        for (literal, text) in cases {
            assert_eq!(Text::from_json_literal(literal).unwrap(), text);
            assert_eq!(serde_json::from_str::<String>(literal).unwrap(), text);
        }
        for bad in [
            r#""\ud83d""#,
            r#""\ude00x""#,
            r#""\ud83d\u0041""#,
            r#""\x41""#,
            r#""\u00g1""#,
            r#""\u+0a1""#,
            "\"\\\"",
            "42",
            "null",
            "\"",
        ] {
            assert!(Text::from_json_literal(bad).is_err(), "{bad}");
        }
        // Through serde_json: a lone surrogate fails as it does for a String; a number is refused.
        assert!(serde_json::from_str::<SecretText>(r#""\ud83d""#).is_err());
        assert!(serde_json::from_str::<SecretText>("42").unwrap_err().to_string().contains("expected a JSON string"));
        // A deserializer that cannot lend the literal is refused rather than read the unsafe way.
        assert!(serde_json::from_value::<SecretText>(serde_json::json!("v")).is_err());
    }
}
