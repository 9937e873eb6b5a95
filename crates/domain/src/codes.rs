//! Validated text values shared by the patient records: identifiers (MRN), names, contact details, language and
//! country codes, ICD-10-CM and LOINC codes. Each `parse` returns the message a user sees next to the field.

use serde::Serialize;

/// Trims and rejects empty text, text over `max` characters and control characters.
pub fn clean_text(raw: &str, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("is required".into());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

/// Like [`clean_text`], but empty input means "not given".
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => clean_text(text, max).map(Some),
    }
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str { &self.0 }
        }
    };
}

text_newtype!(
    /// Medical record number: unique within the organisation; 1–20 letters, digits or hyphens, stored upper-case.
    Mrn
);

impl Mrn {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = clean_text(raw, 20)?;
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("may contain only letters, digits and hyphens".into());
        }
        Ok(Self(text.to_ascii_uppercase()))
    }
}

text_newtype!(
    /// A phone number as written, with 7 to 15 digits (ITU-T E.164 allows at most 15).
    Phone
);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = clean_text(raw, 30)?;
        if !text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err("may contain only digits, spaces and + - ( ) .".into());
        }
        if text.chars().skip(1).any(|c| c == '+') {
            return Err("may have + only at the start".into());
        }
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err("must have between 7 and 15 digits".into());
        }
        Ok(Self(text))
    }
}

text_newtype!(
    /// An e-mail address: one `@`, a local part and a domain with a dot; at most 254 characters (RFC 5321).
    Email
);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = clean_text(raw, 254)?;
        let shape_ok = match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !text.contains(char::is_whitespace)
            }
            None => false,
        };
        if shape_ok { Ok(Self(text)) } else { Err("must be an e-mail address like name@example.org".into()) }
    }
}

text_newtype!(
    /// A BCP 47 language tag such as `en`, `es`, `zh-Hant` or `pt-BR` (primary subtag 2–3 letters, lower-cased).
    Language
);

impl Language {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = clean_text(raw, 35)?;
        let mut parts = text.split('-');
        let primary = parts.next().unwrap_or_default();
        let primary_ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(primary_ok && rest_ok) {
            return Err("must be a BCP 47 language tag such as \"en\", \"es\" or \"zh-Hant\"".into());
        }
        let mut tag = primary.to_ascii_lowercase();
        tag.push_str(&text[primary.len()..]);
        Ok(Self(tag))
    }

    pub fn english() -> Self {
        Self("en".into())
    }
}

text_newtype!(
    /// ISO 3166-1 alpha-2 country code, upper-case.
    CountryCode
);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim().to_ascii_uppercase();
        if text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(text))
        } else {
            Err("must be a two-letter ISO 3166-1 country code such as \"US\"".into())
        }
    }
}

text_newtype!(
    /// A postal code: 2–12 letters, digits, spaces or hyphens (covers US ZIP+4, CA, UK, AU, JP formats).
    PostalCode
);

impl PostalCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = clean_text(raw, 12)?;
        if text.len() < 2 || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
            return Err("must be 2–12 letters, digits, spaces or hyphens".into());
        }
        Ok(Self(text.to_ascii_uppercase()))
    }
}

text_newtype!(
    /// ICD-10-CM code in its dotted form (`M86.171`): a letter other than U, a digit, a digit or letter, then
    /// optionally a dot and 1–4 digits or letters (CMS ICD-10-CM Official Guidelines, Section I.A; codes have 3–7
    /// characters). Input without the dot is accepted and normalised.
    Icd10Code
);

impl Icd10Code {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.trim().to_ascii_uppercase().chars().filter(|c| *c != '.').collect();
        let chars: Vec<char> = compact.chars().collect();
        let dot_ok = raw.trim().matches('.').count() <= 1 && raw.trim().find('.').is_none_or(|position| position == 3);
        let shape_ok = (3..=7).contains(&chars.len())
            && chars[0].is_ascii_uppercase()
            && chars[0] != 'U'
            && chars[1].is_ascii_digit()
            && chars[2..].iter().all(char::is_ascii_alphanumeric);
        if !(shape_ok && dot_ok) {
            return Err("must be an ICD-10-CM code such as \"M86.171\" (letter, digit, 1–5 more characters)".into());
        }
        let code = if chars.len() > 3 { format!("{}.{}", &compact[..3], &compact[3..]) } else { compact };
        Ok(Self(code))
    }
}

text_newtype!(
    /// LOINC code `NNNNN-C`: up to 7 digits, a hyphen and the mod-10 check digit (LOINC Users' Guide, "Calculating
    /// Mod 10 check digits" — the Luhn algorithm).
    Loinc
);

impl Loinc {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let Some((body, check)) = text.split_once('-') else {
            return Err("must be a LOINC code such as \"2160-0\"".into());
        };
        let shape_ok = (1..=7).contains(&body.len())
            && body.chars().all(|c| c.is_ascii_digit())
            && check.len() == 1
            && check.chars().all(|c| c.is_ascii_digit());
        if !shape_ok {
            return Err("must be a LOINC code such as \"2160-0\"".into());
        }
        if luhn_check_digit(body) != check.as_bytes()[0] - b'0' {
            return Err("has a wrong check digit".into());
        }
        Ok(Self(text.to_owned()))
    }

    /// Serum or plasma creatinine, mass/volume.
    pub const SERUM_CREATININE: &'static str = "2160-0";
}

/// Luhn check digit of a string of ASCII digits.
fn luhn_check_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrn_is_upper_cased_and_limited_to_safe_characters() {
        assert_eq!(Mrn::parse(" h0001 ").unwrap().as_str(), "H0001");
        assert_eq!(Mrn::parse("").unwrap_err(), "is required");
        assert!(Mrn::parse("A 1").is_err());
        assert!(Mrn::parse(&"1".repeat(21)).is_err());
    }

    #[test]
    fn phone_counts_digits() {
        assert!(Phone::parse("+1 614-555-0147").is_ok());
        assert!(Phone::parse("555-01").is_err());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("1+2345678").is_err());
    }

    #[test]
    fn email_needs_local_part_and_dotted_domain() {
        assert!(Email::parse("a.b@example.org").is_ok());
        for bad in ["ab", "@example.org", "a@b", "a@@b.org", "a b@c.org", "a@.org"] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn language_tags_follow_bcp47_shape() {
        assert_eq!(Language::parse("EN").unwrap().as_str(), "en");
        assert_eq!(Language::parse("zh-Hant").unwrap().as_str(), "zh-Hant");
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("e").is_err());
    }

    #[test]
    fn icd10_codes_are_validated_and_normalised() {
        // CMS FY2025 ICD-10-CM tabular list: M86.171 "Other acute osteomyelitis, right ankle and foot".
        assert_eq!(Icd10Code::parse("m86171").unwrap().as_str(), "M86.171");
        assert_eq!(Icd10Code::parse("G35").unwrap().as_str(), "G35");
        assert_eq!(Icd10Code::parse("I50.22").unwrap().as_str(), "I50.22");
        for bad in ["U07.1", "1A0", "M8", "M86.17111", "M8.6171", "M86..1"] {
            assert!(Icd10Code::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn loinc_check_digit_matches_the_users_guide() {
        // LOINC Users' Guide worked example: 12345 → check digit 5.
        assert_eq!(luhn_check_digit("12345"), 5);
        assert!(Loinc::parse("2160-0").is_ok()); // creatinine [mass/volume] in serum or plasma
        assert!(Loinc::parse("4092-3").is_ok()); // vancomycin [mass/volume] trough
        assert_eq!(Loinc::parse("2160-1").unwrap_err(), "has a wrong check digit");
        assert!(Loinc::parse("2160").is_err());
    }

    #[test]
    fn country_and_postal_codes() {
        assert_eq!(CountryCode::parse("us").unwrap().as_str(), "US");
        assert!(CountryCode::parse("USA").is_err());
        assert!(PostalCode::parse("43215-1234").is_ok());
        assert!(PostalCode::parse("SW1A 1AA").is_ok());
        assert!(PostalCode::parse("4321#").is_err());
    }
}
