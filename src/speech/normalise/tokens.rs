//! The tokenizer every language shares: text cut into runs of ASCII digits, runs of letters,
//! runs of white space, and single other characters.
//!
//! Tokens borrow the input and are cut with `char_indices`, so every slice lies on a character
//! boundary: nothing here (or in the recognisers that only ever see whole tokens) can slice
//! inside a UTF-8 sequence. Control characters count as white space, so they never reach the
//! synthesiser.

/// What kind of run a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// ASCII digits `0`–`9`.
    Digits,
    /// Alphabetic characters (any script).
    Letters,
    /// White space and control characters.
    Space,
    /// Any other single character: punctuation, `€`, `+`, `°`.
    Symbol,
}

/// A run of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    /// Its kind.
    pub kind: Kind,
    /// Its text, borrowed from the input.
    pub text: &'a str,
}

/// Cuts `text` into tokens; concatenated, they give `text` back.
pub(super) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut current: Option<Kind> = None;
    for (at, c) in text.char_indices() {
        let kind = kind_of(c);
        let joins = current == Some(kind) && kind != Kind::Symbol;
        if let Some(previous) = current.filter(|_| !joins) {
            tokens.push(Token {
                kind: previous,
                text: &text[start..at],
            });
            start = at;
        }
        current = Some(kind);
    }
    if let Some(kind) = current {
        tokens.push(Token {
            kind,
            text: &text[start..],
        });
    }
    tokens
}

fn kind_of(c: char) -> Kind {
    if c.is_ascii_digit() {
        Kind::Digits
    } else if c.is_alphabetic() {
        Kind::Letters
    } else if c.is_whitespace() || c.is_control() {
        Kind::Space
    } else {
        Kind::Symbol
    }
}

impl Token<'_> {
    /// Whether this is the symbol `c`.
    pub(super) fn is(&self, c: char) -> bool {
        self.kind == Kind::Symbol && self.text.starts_with(c)
    }

    /// Whether this is a word starting with an upper-case letter.
    pub(super) fn is_capitalised(&self) -> bool {
        self.kind == Kind::Letters && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether this is a letter or digit run, which a spoken word may not touch.
    pub(super) fn is_word(&self) -> bool {
        matches!(self.kind, Kind::Letters | Kind::Digits)
    }
}

/// A cursor over tokens that recognisers advance while they match.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scan<'t, 'a> {
    tokens: &'t [Token<'a>],
    /// Index of the next token.
    pub pos: usize,
}

impl<'t, 'a> Scan<'t, 'a> {
    /// A cursor at token `pos`.
    pub(super) fn new(tokens: &'t [Token<'a>], pos: usize) -> Self {
        Scan { tokens, pos }
    }

    /// The next token, unconsumed.
    pub(super) fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    /// The next token, consumed.
    pub(super) fn next_token(&mut self) -> Option<Token<'a>> {
        let token = self.peek()?;
        self.pos += 1;
        Some(token)
    }

    /// Consumes a digit run of `min..=max` digits.
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<&'a str> {
        let token = self.peek().filter(|t| t.kind == Kind::Digits)?;
        (min..=max).contains(&token.text.len()).then(|| {
            self.pos += 1;
            token.text
        })
    }

    /// Consumes a letter run.
    pub(super) fn letters(&mut self) -> Option<&'a str> {
        let token = self.peek().filter(|t| t.kind == Kind::Letters)?;
        self.pos += 1;
        Some(token.text)
    }

    /// Consumes the symbol `c`.
    pub(super) fn symbol(&mut self, c: char) -> bool {
        let found = self.peek().is_some_and(|t| t.is(c));
        self.pos += usize::from(found);
        found
    }

    /// Consumes one of the symbols in `set`, returning it.
    pub(super) fn symbol_in(&mut self, set: &[char]) -> Option<char> {
        let c = set
            .iter()
            .copied()
            .find(|&c| self.peek().is_some_and(|t| t.is(c)))?;
        self.pos += 1;
        Some(c)
    }

    /// Consumes white space, if any; true if there was some.
    pub(super) fn space(&mut self) -> bool {
        let found = self.peek().is_some_and(|t| t.kind == Kind::Space);
        self.pos += usize::from(found);
        found
    }

    /// Whether the match may end here: the next token is not a letter or digit run.
    pub(super) fn at_boundary(&self) -> bool {
        !self.peek().is_some_and(|t| t.is_word())
    }

    /// The next letter run after optional white space, unconsumed.
    pub(super) fn peek_word(&self) -> Option<Token<'a>> {
        let mut ahead = *self;
        ahead.space();
        ahead.peek().filter(|t| t.is_word())
    }

    /// The word in front of token `pos`, skipping one stretch of white space.
    pub(super) fn word_before(&self, pos: usize) -> Option<Token<'a>> {
        let mut at = pos.checked_sub(1)?;
        if self.tokens.get(at)?.kind == Kind::Space {
            at = at.checked_sub(1)?;
        }
        self.tokens
            .get(at)
            .copied()
            .filter(|t| t.kind == Kind::Letters)
    }

    /// The tokens before `pos`, nearest first.
    pub(super) fn behind(&self, pos: usize) -> impl Iterator<Item = Token<'a>> + 't {
        self.tokens[..pos.min(self.tokens.len())]
            .iter()
            .rev()
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn runs_are_cut_by_kind_and_symbols_stand_alone() {
        use Kind::*;
        assert_eq!(
            kinds("1-ABC-234 op…"),
            [
                (Digits, "1"),
                (Symbol, "-"),
                (Letters, "ABC"),
                (Symbol, "-"),
                (Digits, "234"),
                (Space, " "),
                (Letters, "op"),
                (Symbol, "…")
            ]
        );
        assert_eq!(kinds("€€"), [(Symbol, "€"), (Symbol, "€")]);
        assert_eq!(
            kinds("a\t\u{0}\nb"),
            [(Letters, "a"), (Space, "\t\u{0}\n"), (Letters, "b")]
        );
        assert_eq!(
            kinds("Straße١٢"),
            [(Letters, "Straße"), (Symbol, "١"), (Symbol, "٢")]
        );
        assert!(kinds("").is_empty());
    }

    #[test]
    fn tokens_give_the_text_back() {
        let text = "Véhicule 😀 n°12,50€\r\n\u{301}x";
        let joined: String = tokenize(text).iter().map(|t| t.text).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn the_scan_looks_around() {
        let tokens = tokenize("bel de 101");
        let scan = Scan::new(&tokens, 4);
        assert_eq!(scan.word_before(4).map(|t| t.text), Some("de"));
        assert_eq!(scan.behind(4).count(), 4);
        let mut scan = Scan::new(&tokens, 0);
        assert_eq!(scan.letters(), Some("bel"));
        assert!(scan.space());
        assert_eq!(scan.peek_word().map(|t| t.text), Some("de"));
    }
}
