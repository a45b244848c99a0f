//! Members as the API shows and takes them, checked by the rules of the member file
//! ([`crate::members`]): a name, one or two numbers that dial (normalised to E.164), a
//! language the chain speaks, a channel, quiet hours as `HH:MM`, a speech rate of 0.5–2.0,
//! consent as a day (`2026-05-01`). Every wrong field is named, as a path.

use super::problem::{ApiError, FieldProblem};
use super::views::time;
use crate::members::{clock, consent, member_name, minutes};
use crate::number::to_e164;
use crate::store::{
    Channel, ContactPoint, LANGUAGES, MAX_PHONES, Member, MemberStatus, NewMember, QuietHours,
    consent_at, consent_day,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    /// Their id.
    pub id: String,
    /// The coordinator's own id for them in the network listed (in a network's list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// Their name.
    pub name: String,
    /// Their numbers, E.164, in the order they are tried.
    pub phones: Vec<String>,
    /// `nl`, `fr`, `de` or `en`.
    pub language: String,
    /// `voice`, `sms` or `voice_then_sms`.
    pub channel: String,
    /// Their own quiet hours for non-urgent messages; none means the chain's.
    pub quiet_hours: Option<QuietHoursView>,
    /// Speech rate, 1.0 normal.
    pub speech_rate: f64,
    /// `active`, `suspended` or `left` (an erased member has left).
    pub status: String,
    /// The day they consented to be called, if recorded.
    pub consent: Option<String>,
    /// The networks they belong to (for one member only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<MembershipView>>,
    /// When they were first added.
    pub created_at: String,
    /// When they last changed.
    pub updated_at: String,
}

/// Quiet hours, `HH:MM` to `HH:MM`; a start after the end spans midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursView {
    /// The first quiet minute, e.g. `22:00`.
    pub start: String,
    /// The first minute no longer quiet, e.g. `07:00`.
    pub end: String,
}

/// A network a member belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipView {
    /// The network's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The coordinator's own id for the member there.
    pub member_id: Option<String>,
}

impl MemberView {
    /// The view of a stored member.
    pub fn of(member: &Member) -> MemberView {
        MemberView {
            id: member.id.to_string(),
            member_id: member.external_id.clone(),
            name: member.name.clone(),
            phones: member
                .contact_points
                .iter()
                .map(|p| p.number.clone())
                .collect(),
            language: member.language.clone(),
            channel: member.channel.as_str().to_owned(),
            quiet_hours: member.quiet_hours.map(|q| QuietHoursView {
                start: clock(q.start.into()),
                end: clock(q.end.into()),
            }),
            speech_rate: member.speech_rate,
            status: member.status.as_str().to_owned(),
            consent: member
                .consent_at
                .and_then(consent_day)
                .map(|d| d.to_string()),
            networks: None,
            created_at: time(member.created_at),
            updated_at: time(member.updated_at),
        }
    }
}

/// A member to add to a network. Someone already known (by `member_id` in this network, else
/// by name and first number) is updated and added, as a member file does it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    /// The coordinator's own id for them in this network.
    #[serde(default)]
    pub member_id: Option<String>,
    /// Their name.
    pub name: String,
    /// One or two numbers, tried in order (`0470 12 34 56` or `+32470123456`).
    pub phones: Vec<String>,
    /// `nl` (default), `fr`, `de` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// `voice` (default), `sms` or `voice_then_sms`.
    #[serde(default)]
    pub channel: Option<String>,
    /// Their own quiet hours for non-urgent messages.
    #[serde(default)]
    pub quiet_hours: Option<QuietHoursView>,
    /// Speech rate, 0.5–2.0 (default 1.0).
    #[serde(default)]
    pub speech_rate: Option<f64>,
    /// The day they consented to be called, e.g. `2026-05-01`.
    #[serde(default)]
    pub consent: Option<String>,
}

/// Changes to a member: only the fields sent change; `null` clears quiet hours or consent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// Their name.
    #[serde(default)]
    pub name: Option<String>,
    /// One or two numbers, replacing the ones they have.
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    /// `nl`, `fr`, `de` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// `voice`, `sms` or `voice_then_sms`.
    #[serde(default)]
    pub channel: Option<String>,
    /// Their own quiet hours; `null` for the chain's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuietHoursView>)]
    pub quiet_hours: Option<Option<QuietHoursView>>,
    /// Speech rate, 0.5–2.0.
    #[serde(default)]
    pub speech_rate: Option<f64>,
    /// `active` or `suspended` (suspended members are not called).
    #[serde(default)]
    pub status: Option<String>,
    /// The day they consented, e.g. `2026-05-01`; `null` when they withdrew it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub consent: Option<Option<String>>,
}

/// A field sent, `null` or not: `Some(None)` for `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl MemberRequest {
    /// The member to import, or every field that is wrong.
    pub fn checked(self) -> Result<NewMember, ApiError> {
        let mut errors = Vec::new();
        let member = NewMember {
            external_id: self.member_id.filter(|id| !id.trim().is_empty()),
            name: name(&self.name, &mut errors),
            contact_points: phones(&self.phones, &mut errors),
            language: language(self.language.as_deref().unwrap_or("nl"), &mut errors),
            channel: channel(self.channel.as_deref().unwrap_or("voice"), &mut errors),
            quiet_hours: quiet_hours(self.quiet_hours.as_ref(), &mut errors),
            speech_rate: speech_rate(self.speech_rate.unwrap_or(1.0), &mut errors),
            status: MemberStatus::Active,
            consent_at: day(self.consent.as_deref(), &mut errors),
        };
        finish(member, errors)
    }
}

impl MemberPatch {
    /// `member` with these changes, or every field that is wrong.
    pub fn applied(self, member: &Member) -> Result<NewMember, ApiError> {
        let mut errors = Vec::new();
        let status = match self.status.as_deref() {
            None => member.status,
            Some("active") => MemberStatus::Active,
            Some("suspended") => MemberStatus::Suspended,
            Some(_) => {
                errors.push(problem("status", "active or suspended"));
                member.status
            }
        };
        let changed = NewMember {
            external_id: None,
            name: self
                .name
                .map_or_else(|| member.name.clone(), |text| name(&text, &mut errors)),
            contact_points: self.phones.map_or_else(
                || member.contact_points.clone(),
                |numbers| phones(&numbers, &mut errors),
            ),
            language: self.language.map_or_else(
                || member.language.clone(),
                |code| language(&code, &mut errors),
            ),
            channel: self
                .channel
                .map_or(member.channel, |text| channel(&text, &mut errors)),
            quiet_hours: match self.quiet_hours {
                None => member.quiet_hours,
                Some(hours) => quiet_hours(hours.as_ref(), &mut errors),
            },
            speech_rate: self
                .speech_rate
                .map_or(member.speech_rate, |rate| speech_rate(rate, &mut errors)),
            status,
            consent_at: match self.consent {
                None => member.consent_at,
                Some(text) => day(text.as_deref(), &mut errors),
            },
        };
        finish(changed, errors)
    }
}

fn finish(member: NewMember, errors: Vec<FieldProblem>) -> Result<NewMember, ApiError> {
    if errors.is_empty() {
        Ok(member)
    } else {
        Err(ApiError::invalid(errors))
    }
}

fn problem(field: &str, reason: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn name(text: &str, errors: &mut Vec<FieldProblem>) -> String {
    let text = text.trim();
    if let Err(e) = member_name(text) {
        errors.push(problem("name", e.to_string()));
    }
    text.to_owned()
}

fn phones(numbers: &[String], errors: &mut Vec<FieldProblem>) -> Vec<ContactPoint> {
    if numbers.is_empty() || numbers.len() > MAX_PHONES {
        errors.push(problem(
            "phones",
            format!("give 1 to {MAX_PHONES} numbers, in the order they are tried"),
        ));
    }
    let mut points: Vec<ContactPoint> = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let field = format!("phones[{i}]");
        match to_e164(number) {
            Ok(e164) if points.iter().any(|p| p.number == e164) => {
                errors.push(problem(&field, format!("`{e164}` is listed twice")));
            }
            Ok(e164) => points.push(ContactPoint::of_number(&e164)),
            Err(e) => errors.push(problem(&field, e.to_string())),
        }
    }
    points
}

fn language(code: &str, errors: &mut Vec<FieldProblem>) -> String {
    if !LANGUAGES.contains(&code) {
        errors.push(problem(
            "language",
            format!("`{code}` is not a language the chain speaks (nl, fr, de, en)"),
        ));
    }
    code.to_owned()
}

fn channel(text: &str, errors: &mut Vec<FieldProblem>) -> Channel {
    text.parse().unwrap_or_else(|_| {
        errors.push(problem("channel", "voice, sms or voice_then_sms"));
        Channel::Voice
    })
}

fn quiet_hours(
    hours: Option<&QuietHoursView>,
    errors: &mut Vec<FieldProblem>,
) -> Option<QuietHours> {
    let hours = hours?;
    let mut at = |field: &str, text: &str| match minutes(text) {
        Ok(minute) => u16::try_from(minute).ok(),
        Err(e) => {
            errors.push(problem(field, e.to_string()));
            None
        }
    };
    let start = at("quiet_hours.start", &hours.start);
    let end = at("quiet_hours.end", &hours.end);
    Some(QuietHours {
        start: start?,
        end: end?,
    })
}

fn speech_rate(rate: f64, errors: &mut Vec<FieldProblem>) -> f64 {
    if !(0.5..=2.0).contains(&rate) {
        errors.push(problem("speech_rate", "from 0.5 to 2.0"));
    }
    rate
}

fn day(text: Option<&str>, errors: &mut Vec<FieldProblem>) -> Option<i64> {
    match consent(text.unwrap_or("").trim()) {
        Ok(day) => day.map(consent_at),
        Err(e) => {
            errors.push(problem("consent", e.to_string()));
            None
        }
    }
}
