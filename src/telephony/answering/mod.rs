//! The call-back line: INVITEs for the line's numbers from the trunk are answered, and the
//! caller hears what the chain's desk gives them.

pub mod screen;
