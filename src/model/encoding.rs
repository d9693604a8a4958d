//! Base64 as Key Vault uses it: binary fields are base64url without padding. Decoding is lenient
//! (padding optional, standard or URL-safe alphabet), encoding strict.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const LENIENT_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT_CONFIG);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT_CONFIG);

/// Deserializes an optional JSON string (tokens, passwords) into zeroizing storage, unescaped by
/// kv from the string's literal text (`Text::from_json_literal`: serde_json's own unescaping
/// leaves copies in a buffer it frees unzeroized).
pub fn deserialize_zeroizing<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<zeroize::Zeroizing<String>>, D::Error> {
    let Some(literal) = <Option<&serde_json::value::RawValue> as serde::Deserialize>::deserialize(d)? else {
        return Ok(None);
    };
    let text = crate::text::Text::from_json_literal(literal.get()).map_err(serde::de::Error::custom)?;
    Ok(Some(text.into_zeroizing_string()))
}

/// Encodes as base64url without padding.
pub fn encode_b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url or standard base64, with or without padding. None when it is neither.
pub fn decode_b64_lenient(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.contains(['-', '_']) {
        LENIENT_URL.decode(text).ok()
    } else {
        LENIENT_STANDARD.decode(text).ok().or_else(|| LENIENT_URL.decode(text).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_encode_lenient_decode() {
        let bytes = [0xfbu8, 0xff, 0xfe, 0x00, 0x41];
        let enc = encode_b64url(&bytes);
        assert_eq!(enc, "-__-AEE");
        assert_eq!(decode_b64_lenient(&enc).unwrap(), bytes);
        assert_eq!(decode_b64_lenient("+//+AEE=").unwrap(), bytes);
        assert_eq!(decode_b64_lenient("+//+AEE").unwrap(), bytes);
        assert_eq!(decode_b64_lenient("-__-AEE=").unwrap(), bytes);
        assert!(decode_b64_lenient("not base64!").is_none());
        assert_eq!(decode_b64_lenient("").unwrap(), Vec::<u8>::new());
    }
}
