//! The member file's rows ([`crate::members`]) as the store's members and back, one rule for
//! every way a list comes in or goes out (`buurtbel members import` and `export`, the API's
//! `members.csv`): the file has no status (the store keeps a suspension, someone who had left
//! is back), at most two numbers per member, and consent as a day (midnight UTC).

use super::error::MemberProblem;
use super::import::NewMember;
use super::members::{ContactPoint, Member};
use super::model::{Channel, ContactKind, MemberStatus, QuietHours};
use super::networks::Network;
use super::{Store, StoreError};
use crate::members::{BadRow, ImportError, MemberRow, RowProblem};
use jiff::civil::Date;

/// The most numbers a member has in the member file (`phone`, `phone2`), and so over the API.
pub const MAX_PHONES: usize = 2;

impl NewMember {
    /// The member a row imports as.
    pub fn from_row(row: &MemberRow) -> NewMember {
        NewMember {
            external_id: row.member_id.clone(),
            name: row.name.clone(),
            language: row.language.code().to_owned(),
            contact_points: row
                .phones
                .iter()
                .map(|p| ContactPoint::of_number(p))
                .collect(),
            // read_csv accepts only the three channel names; anything else is the default.
            channel: row.channel.parse().unwrap_or(Channel::Voice),
            // Minutes past u16 cannot come from read_csv; if they did, the store refuses them.
            quiet_hours: row.quiet_hours.map(|(start, end)| QuietHours {
                start: u16::try_from(start).unwrap_or(u16::MAX),
                end: u16::try_from(end).unwrap_or(u16::MAX),
            }),
            speech_rate: row.speech_rate,
            status: MemberStatus::Active,
            consent_at: row.consent.map(consent_at),
        }
    }
}

impl Member {
    /// The row a member exports as: their first two numbers.
    pub fn to_row(&self) -> Result<MemberRow, StoreError> {
        let language = self.language.parse().map_err(|_| StoreError::BadValue {
            table: "members",
            column: "language",
            value: self.language.clone(),
        })?;
        Ok(MemberRow {
            member_id: self.external_id.clone(),
            name: self.name.clone(),
            phones: self
                .contact_points
                .iter()
                .take(MAX_PHONES)
                .map(|p| p.number.clone())
                .collect(),
            language,
            channel: self.channel.as_str().to_owned(),
            speech_rate: self.speech_rate,
            quiet_hours: self
                .quiet_hours
                .map(|q| (u32::from(q.start), u32::from(q.end))),
            consent: self.consent_at.and_then(consent_day),
        })
    }
}

impl ContactPoint {
    /// A number (E.164) as a contact point: mobile when libphonenumber's metadata says so,
    /// which is what can take an SMS; landline otherwise.
    pub fn of_number(number: &str) -> ContactPoint {
        let mobile = phonenumber::parse(None, number).is_ok_and(|parsed| {
            parsed.number_type(&phonenumber::metadata::DATABASE) == phonenumber::Type::Mobile
        });
        ContactPoint {
            kind: if mobile {
                ContactKind::Mobile
            } else {
                ContactKind::Landline
            },
            number: number.to_owned(),
        }
    }
}

impl Store {
    /// Every member of these networks who has not left, each once, by name, with the
    /// member_id of the first of the networks that gives one.
    pub async fn members_to_export(&self, networks: &[Network]) -> Result<Vec<Member>, StoreError> {
        let mut members = Vec::new();
        for network in networks {
            members.extend(self.members(&network.id).await?);
        }
        members.retain(|m| m.status != MemberStatus::Left);
        let key = |m: &Member| (m.name.clone(), m.id.clone(), m.external_id.is_none());
        members.sort_by_cached_key(key);
        members.dedup_by(|a, b| a.id == b.id);
        Ok(members)
    }
}

/// A member of an import the store refused, as the problem of the line its row is on; any
/// other error as it was.
pub fn refused_row(
    rows: &[(u64, MemberRow)],
    error: StoreError,
) -> Result<ImportError, StoreError> {
    let StoreError::InvalidMember { index, problem } = error else {
        return Err(error);
    };
    let line = |i: usize| rows.get(i).map_or(0, |(line, _)| *line);
    let problem = match problem {
        MemberProblem::SameMember(earlier) => BadRow::SameAsLine(line(earlier)),
        other => BadRow::Refused(other),
    };
    Ok(ImportError::Rows(vec![RowProblem {
        line: line(index),
        problem,
    }]))
}

/// A day of consent as the store keeps it: epoch ms of its midnight, UTC.
pub fn consent_at(day: Date) -> i64 {
    let days = day
        .since(EPOCH)
        .map_or(0, |span| i64::from(span.get_days()));
    days * DAY_MS
}

/// The day (UTC) of a consent kept as epoch ms.
pub fn consent_day(at: i64) -> Option<Date> {
    let days = at.div_euclid(DAY_MS);
    EPOCH
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
}

const EPOCH: Date = jiff::civil::date(1970, 1, 1);
const DAY_MS: i64 = 24 * 3600 * 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::Language;

    fn row(name: &str, phones: &[&str]) -> MemberRow {
        MemberRow {
            member_id: Some("A-17".to_owned()),
            name: name.to_owned(),
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            language: Language::Fr,
            channel: "voice_then_sms".to_owned(),
            speech_rate: 0.85,
            quiet_hours: Some((22 * 60, 7 * 60)),
            consent: Some(jiff::civil::date(2026, 5, 1)),
        }
    }

    fn stored(new: &NewMember) -> Member {
        Member {
            id: "m1".into(),
            external_id: new.external_id.clone(),
            name: new.name.clone(),
            language: new.language.clone(),
            contact_points: new.contact_points.clone(),
            channel: new.channel,
            quiet_hours: new.quiet_hours,
            speech_rate: new.speech_rate,
            status: new.status,
            consent_at: new.consent_at,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_row_becomes_a_member_and_back() {
        let row = row("Test Lid Een", &["+32470000001", "+3250000001"]);
        let member = NewMember::from_row(&row);
        assert_eq!(member.language, "fr");
        assert_eq!(member.channel, Channel::VoiceThenSms);
        assert_eq!(
            member.quiet_hours,
            Some(QuietHours {
                start: 1320,
                end: 420
            })
        );
        assert_eq!(member.consent_at, Some(1_777_593_600_000));
        let kinds: Vec<ContactKind> = member.contact_points.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [ContactKind::Mobile, ContactKind::Landline]);
        assert_eq!(stored(&member).to_row().unwrap(), row);
    }

    #[test]
    fn export_keeps_two_numbers_and_refuses_an_unknown_language() {
        let new = NewMember::from_row(&row("Test Lid Twee", &["+32470000002"]));
        let mut member = stored(&new);
        member.contact_points = ["+32470000002", "+32470000003", "+32470000004"]
            .iter()
            .map(|n| ContactPoint::of_number(n))
            .collect();
        assert_eq!(member.to_row().unwrap().phones.len(), 2);
        member.language = "xx".into();
        assert!(matches!(
            member.to_row(),
            Err(StoreError::BadValue {
                column: "language",
                ..
            })
        ));
    }
}
