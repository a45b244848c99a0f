//! The user data header of a concatenated message (3GPP TS 23.040 §9.2.3.24.1 and .8): the
//! header an SMPP `short_message` starts with when `esm_class` has UDHI (0x40) set.

/// The concatenation element of a user data header: which message a part belongs to and
/// where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    /// The reference all parts of one message share (8 or 16 bits on the wire).
    pub reference: u16,
    /// How many parts the message has (at least 1).
    pub total: u8,
    /// Which part this is, from 1 to `total`.
    pub sequence: u8,
}

/// Element 0x00: concatenation with an 8-bit reference.
const CONCAT_8: u8 = 0x00;
/// Element 0x08: concatenation with a 16-bit reference.
const CONCAT_16: u8 = 0x08;

/// The 6-byte header of one part of a concatenated message, with an 8-bit reference:
/// length 5, element 0x00 of length 3, reference, total, sequence.
pub fn udh(reference: u8, total: u8, sequence: u8) -> [u8; 6] {
    [0x05, CONCAT_8, 0x03, reference, total, sequence]
}

/// Splits a `short_message` that starts with a user data header into the concatenation it
/// names (if any) and the payload after the header. `None` when the header is malformed: its
/// length or one element's length runs past the end. A concatenation element whose sequence
/// is 0 or above its total is ignored, as 23.040 asks; other elements are skipped.
pub fn split_udh(short_message: &[u8]) -> Option<(Option<Concat>, &[u8])> {
    let (&length, rest) = short_message.split_first()?;
    let (mut header, payload) = rest.split_at_checked(usize::from(length))?;
    let mut concat = None;
    while let Some((&element, rest)) = header.split_first() {
        let (&size, rest) = rest.split_first()?;
        let (data, rest) = rest.split_at_checked(usize::from(size))?;
        header = rest;
        if let Some(found) = concatenation(element, data) {
            concat = Some(found);
        }
    }
    Some((concat, payload))
}

/// A concatenation element, when `element` is one, well formed and valid.
fn concatenation(element: u8, data: &[u8]) -> Option<Concat> {
    let (reference, total, sequence) = match (element, data) {
        (CONCAT_8, &[reference, total, sequence]) => (u16::from(reference), total, sequence),
        (CONCAT_16, &[high, low, total, sequence]) => {
            (u16::from_be_bytes([high, low]), total, sequence)
        }
        _ => return None,
    };
    (sequence >= 1 && sequence <= total).then_some(Concat {
        reference,
        total,
        sequence,
    })
}
