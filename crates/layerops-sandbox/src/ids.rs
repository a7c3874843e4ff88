//! Identifiers and timestamps in the API's formats.

use chrono::{DateTime, SecondsFormat, Utc};

/// A fresh random UUID (v4), lower-case like the API's.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A stable UUID for demo data: the same on every start, so guides can name them.
pub fn demo_uuid(seed: u64) -> String {
    let a = splitmix(seed);
    let b = splitmix(a ^ 0x9e37_79b9_7f4a_7c15);
    let bytes: Vec<u8> = a.to_be_bytes().into_iter().chain(b.to_be_bytes()).collect();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&bytes);
    uuid::Builder::from_random_bytes(raw)
        .into_uuid()
        .to_string()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// ISO 8601 in UTC with milliseconds, as the API writes it: `2023-09-12T10:17:58.000Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stable 64-bit hash of a string, for deterministic demo series.
pub fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_uuids_are_stable_valid_v4() {
        assert_eq!(demo_uuid(1), demo_uuid(1));
        assert_ne!(demo_uuid(1), demo_uuid(2));
        assert!(is_uuid(&demo_uuid(7)));
        assert_eq!(&demo_uuid(7)[14..15], "4");
        assert!(!is_uuid("nope"));
    }

    #[test]
    fn timestamps_round_trip() {
        let t = parse_time("2023-09-12T10:17:58.000Z").unwrap();
        assert_eq!(timestamp(t), "2023-09-12T10:17:58.000Z");
    }
}
