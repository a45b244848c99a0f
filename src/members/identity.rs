//! Who is the same member. A number alone no longer tells: a household landline is shared
//! by several members. A member is known by the coordinator's own id (`member_id` in the
//! file, unique within a network) when there is one, and otherwise by their name and first
//! number together. Names are compared without case and runs of spaces, so `Jan  Voorbeeld`
//! and `jan voorbeeld` are one person; numbers are compared as E.164, so every spelling of a
//! number is one number.
//!
//! The rule is one function here, used both by the CSV reader (which names the lines) and by
//! the store's import (which refuses a list that breaks it, whoever made the list).

use std::collections::HashMap;

/// What identifies one member of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    /// The coordinator's own id, if the list gives one.
    pub member_id: Option<&'a str>,
    /// The name as written.
    pub name: &'a str,
    /// The first number, E.164.
    pub first_number: &'a str,
}

/// Why two entries are the same member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sameness {
    /// Both carry this `member_id`.
    MemberId,
    /// The same name and first number, and at most one of them has a `member_id`.
    NameAndNumber,
}

/// An entry that repeats an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// The later entry's position in the list.
    pub index: usize,
    /// The earlier entry's position.
    pub earlier: usize,
    /// Why they are one member.
    pub why: Sameness,
}

/// A name as compared: lower case, spaces trimmed and runs of them made one.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Every entry that is the same member as an earlier one, in list order, each naming the
/// first entry it repeats. Two entries with different `member_id`s are two people even with
/// one name and one number (a father and son on the family landline).
pub fn repeats<'a>(list: impl IntoIterator<Item = Identity<'a>>) -> Vec<Repeat> {
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<(String, &str), Vec<(usize, bool)>> = HashMap::new();
    let mut found = Vec::new();
    for (index, entry) in list.into_iter().enumerate() {
        let has_id = entry.member_id.is_some();
        let repeat = match entry.member_id {
            Some(id) => by_id.get(id).map(|&earlier| (earlier, Sameness::MemberId)),
            None => None,
        };
        let same_name = by_name
            .entry((name_key(entry.name), entry.first_number))
            .or_default();
        let repeat = repeat.or_else(|| {
            same_name
                .iter()
                .find(|(_, other_has_id)| !(has_id && *other_has_id))
                .map(|&(earlier, _)| (earlier, Sameness::NameAndNumber))
        });
        match repeat {
            Some((earlier, why)) => found.push(Repeat {
                index,
                earlier,
                why,
            }),
            None => {
                same_name.push((index, has_id));
                if let Some(id) = entry.member_id {
                    by_id.insert(id, index);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(id: Option<&'a str>, name: &'a str, number: &'a str) -> Identity<'a> {
        Identity {
            member_id: id,
            name,
            first_number: number,
        }
    }

    #[test]
    fn a_household_is_three_people_and_a_repeated_row_is_one() {
        let list = [
            entry(None, "Jan Voorbeeld", "+32470000001"),
            entry(None, "Marie Voorbeeld", "+32470000001"),
            entry(None, "Piet Voorbeeld", "+32470000001"),
            entry(None, "  jan   VOORBEELD ", "+32470000001"),
        ];
        let found = repeats(list);
        assert_eq!(
            found,
            [Repeat {
                index: 3,
                earlier: 0,
                why: Sameness::NameAndNumber
            }]
        );
    }

    #[test]
    fn member_ids_tell_namesakes_apart_and_a_repeated_id_is_one_person() {
        let list = [
            entry(Some("17"), "Jan Voorbeeld", "+3250000001"),
            entry(Some("18"), "Jan Voorbeeld", "+3250000001"),
            entry(Some("17"), "Jan Voorbeeld Jr", "+32470000009"),
            entry(None, "Jan Voorbeeld", "+3250000001"),
        ];
        let found = repeats(list);
        assert_eq!(
            found,
            [
                Repeat {
                    index: 2,
                    earlier: 0,
                    why: Sameness::MemberId
                },
                Repeat {
                    index: 3,
                    earlier: 0,
                    why: Sameness::NameAndNumber
                },
            ]
        );
    }

    #[test]
    fn names_are_compared_without_case_or_spacing() {
        assert_eq!(name_key("  Jan \t Voorbeeld "), "jan voorbeeld");
        assert_eq!(name_key("ÉLISE Dupont"), "élise dupont");
    }
}
