//! The X12 reader: separators from the ISA segment (element separator at character 4,
//! component separator at character 105, segment terminator at character 106), then the
//! envelopes ISA/GS/ST…SE/GE/IEA with their counts and control numbers.
//!
//! The text is read in place: segments and elements are slices of the input found by
//! `str::split`, read one segment at a time and checked against [`EdiLimits`] before anything
//! is kept, so an oversized interchange is refused after reading at most `max_segments`
//! segments. Only the segments of transaction sets are kept (as owned elements).
use super::{EdiError, EdiLimits, Group, Interchange, Limit, Segment, Separators, Transaction, err};

/// Parses an interchange within `limits`, checking envelopes, counts and control numbers.
pub fn parse(input: &str, limits: &EdiLimits) -> Result<Interchange, EdiError> {
    let text = input.trim_start();
    if !text.starts_with("ISA") {
        return Err(err(1, "ISA", "expected the interchange to start with an ISA segment"));
    }
    let separators = separators(text)?;
    let mut tokens = Tokens { raw: text.split(separators.segment), element: separators.element, limits, position: 0 };
    let isa = tokens.expect("ISA")?;
    if isa.id() != "ISA" || isa.elements.len() != 17 {
        return Err(err(1, "ISA", format!("expected ISA with 16 elements, found {}", isa.elements.len().saturating_sub(1))));
    }
    let mut groups = Vec::new();
    loop {
        let s = tokens.expect("IEA")?;
        match s.id() {
            "GS" => groups.push(group(&mut tokens, &s)?),
            "IEA" => {
                closing(&s, "group", groups.len(), isa.el(13))?;
                if let Some(extra) = tokens.next().transpose()? {
                    return Err(err(extra.position, extra.id(), "expected nothing after IEA"));
                }
                break;
            }
            other => return Err(err(s.position, other, "expected GS or IEA")),
        }
    }
    Ok(Interchange {
        separators,
        sender_qualifier: isa.el(5).to_owned(),
        sender: isa.el(6).to_owned(),
        receiver_qualifier: isa.el(7).to_owned(),
        receiver: isa.el(8).to_owned(),
        control: isa.el(13).to_owned(),
        groups,
    })
}

/// The separators at ISA characters 4, 105 and 106 (counted in characters, not bytes).
fn separators(text: &str) -> Result<Separators, EdiError> {
    let mut chars = text.chars();
    let (Some(element), Some(component), Some(segment)) = (chars.nth(3), chars.nth(100), chars.next()) else {
        return Err(err(1, "ISA", "expected a 106-character ISA segment"));
    };
    if element.is_alphanumeric() || segment.is_alphanumeric() || element == segment || component == element || component == segment {
        return Err(err(1, "ISA", "expected distinct non-alphanumeric separators at ISA positions 4, 105 and 106"));
    }
    Ok(Separators { element, component, segment })
}

/// The segments of the text, one at a time, each checked against the limits.
struct Tokens<'a> {
    raw: std::str::Split<'a, char>,
    element: char,
    limits: &'a EdiLimits,
    /// Position of the last segment read (ISA is 1).
    position: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Result<Segment, EdiError>;
    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw.by_ref().map(|s| s.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ' || c == '\t')).find(|s| !s.is_empty())?;
        self.position += 1;
        Some(self.segment(raw))
    }
}

impl Tokens<'_> {
    /// The next segment, or an error naming the segment `expected` before the end.
    fn expect(&mut self, expected: &str) -> Result<Segment, EdiError> {
        self.next().unwrap_or_else(|| Err(err(self.position + 1, expected, format!("expected {expected} before the end of the interchange"))))
    }

    fn segment(&self, raw: &str) -> Result<Segment, EdiError> {
        let (position, limits) = (self.position, self.limits);
        let id = raw.split(self.element).next().unwrap_or("");
        let exceeded = |limit: Limit, message: String| Err(EdiError { limit: Some(limit), ..err(position, id, message) });
        if position > limits.max_segments {
            return exceeded(Limit::MaxSegments, format!("exceeds max_segments: an interchange holds at most {} segments", limits.max_segments));
        }
        let mut elements = Vec::new();
        for (n, e) in raw.split(self.element).enumerate() {
            if n > limits.max_elements {
                return exceeded(Limit::MaxElements, format!("exceeds max_elements: a segment holds at most {} data elements", limits.max_elements));
            }
            // Bytes bound characters from above, so only long elements are counted.
            if e.len() > limits.max_element_len && e.chars().nth(limits.max_element_len).is_some() {
                return exceeded(Limit::MaxElementLen, format!("exceeds max_element_len: element {n:02} is longer than {} characters", limits.max_element_len));
            }
            elements.push(e.to_owned());
        }
        Ok(Segment { position, elements })
    }
}

/// A functional group after its GS, through its GE.
fn group(tokens: &mut Tokens<'_>, gs: &Segment) -> Result<Group, EdiError> {
    let mut g = Group {
        functional_id: gs.require(1, "the functional identifier")?.to_owned(),
        sender: gs.el(2).to_owned(),
        receiver: gs.el(3).to_owned(),
        control: gs.require(6, "the group control number")?.to_owned(),
        version: gs.el(8).to_owned(),
        transactions: vec![],
    };
    loop {
        let t = tokens.expect("GE")?;
        match t.id() {
            "ST" => g.transactions.push(transaction(tokens, &t)?),
            "GE" => {
                closing(&t, "transaction set", g.transactions.len(), &g.control)?;
                return Ok(g);
            }
            other => return Err(err(t.position, other, "expected ST or GE")),
        }
    }
}

/// A transaction set after its ST, through its SE.
fn transaction(tokens: &mut Tokens<'_>, st: &Segment) -> Result<Transaction, EdiError> {
    let set_id = st.require(1, "the transaction set identifier")?.to_owned();
    let control = st.require(2, "the transaction set control number")?.to_owned();
    let mut segments = Vec::new();
    loop {
        let b = tokens.expect("SE")?;
        match b.id() {
            "SE" => {
                closing(&b, "segment", segments.len() + 2, &control)?;
                return Ok(Transaction { set_id, control, segments });
            }
            "ST" | "GS" | "GE" | "IEA" | "ISA" => return Err(err(b.position, b.id(), "expected SE to close the transaction set first")),
            _ => segments.push(b),
        }
    }
}

/// Checks a closing segment (SE, GE, IEA): element 01 counts `what`, element 02 repeats the
/// control number of the opening segment.
fn closing(s: &Segment, what: &str, count: usize, control: &str) -> Result<(), EdiError> {
    let n: usize = s.require(1, &format!("the {what} count"))?.parse().map_err(|_| err(s.position, s.id(), "expected a number in element 01"))?;
    if n != count {
        return Err(err(s.position, s.id(), format!("expected a {what} count of {count}, found {n}")));
    }
    if s.el(2) != control {
        return Err(err(s.position, s.id(), format!("expected control number {control}, found {}", s.el(2))));
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub const SAMPLE_850: &str = "ISA*00*          *00*          *ZZ*INITECH        *ZZ*ACME           *261124*0930*U*00401*000000101*0*P*>~\n\
GS*PO*INITECH*ACME*20261124*0930*101*X*004010~\n\
ST*850*0001~\nBEG*00*SA*PO-7788**20261124~\nCUR*BY*USD~\nDTM*002*20261201~\nN1*BY*Initech Manufacturing*92*C-1001~\n\
PO1*1*10*EA*2.50**VP*BRG-6204~\nPID*F****Bearing~\nPO1*2*3*EA*38.9**VP*HYD-HOSE-12~\nCTT*2~\nSE*10*0001~\nGE*1*101~\nIEA*1*000000101~\n";

    fn p(s: &str) -> Result<Interchange, EdiError> {
        parse(s, &EdiLimits::default())
    }

    #[test]
    fn separators_come_from_the_isa_segment() {
        let ix = p(SAMPLE_850).unwrap();
        assert_eq!(ix.separators, Separators { element: '*', component: '>', segment: '~' });
        let alt = SAMPLE_850.replace('*', "|").replace('~', "\u{1c}");
        let ix2 = p(&alt).unwrap();
        assert_eq!(ix2.separators.element, '|');
        assert_eq!(ix2.groups[0].transactions[0].segments.len(), ix.groups[0].transactions[0].segments.len());
        assert_eq!(ix.sender, "INITECH");
        assert_eq!(ix.groups[0].transactions[0].set_id, "850");
    }

    #[test]
    fn isa_positions_count_characters_not_bytes() {
        let wide = SAMPLE_850.replace("INITECH        ", "INITÉCH        ").replace("GS*PO*INITECH", "GS*PO*INITÉCH");
        assert_eq!(p(&wide).unwrap().sender, "INITÉCH");
    }

    #[test]
    fn envelope_errors_name_the_segment_and_what_was_expected() {
        let bad_count = SAMPLE_850.replace("SE*10*0001", "SE*9*0001");
        assert_eq!(p(&bad_count).unwrap_err().to_string(), "segment 12 (SE): expected a segment count of 10, found 9");
        let bad_ctl = SAMPLE_850.replace("IEA*1*000000101", "IEA*1*000000102");
        assert!(p(&bad_ctl).unwrap_err().to_string().starts_with("segment 14 (IEA): expected control number 000000101"));
        let missing = SAMPLE_850.replace("GE*1*101~\n", "");
        assert_eq!(p(&missing).unwrap_err().to_string(), "segment 13 (IEA): expected ST or GE");
        let cut = &SAMPLE_850[..SAMPLE_850.find("GE*").unwrap()];
        assert_eq!(p(cut).unwrap_err().to_string(), "segment 13 (GE): expected GE before the end of the interchange");
        assert!(p("hello").unwrap_err().message.contains("ISA"));
        assert!(p("").is_err());
        assert_eq!(p(SAMPLE_850).unwrap().groups[0].transactions[0].segments.len(), 8);
    }

    #[test]
    fn an_interchange_with_more_segments_than_the_limit_is_too_large() {
        let limits = EdiLimits { max_segments: 5, ..EdiLimits::default() };
        let e = parse(SAMPLE_850, &limits).unwrap_err();
        assert_eq!(e.limit, Some(Limit::MaxSegments));
        assert!(e.limit.unwrap().is_size());
        assert_eq!(e.to_string(), "segment 6 (DTM): exceeds max_segments: an interchange holds at most 5 segments");
        assert!(parse(SAMPLE_850, &EdiLimits { max_segments: 14, ..limits }).is_ok(), "14 segments are within a limit of 14");
    }

    #[test]
    fn a_segment_with_more_elements_than_the_limit_is_refused_naming_the_limit() {
        let limits = EdiLimits { max_elements: 16, ..EdiLimits::default() };
        assert!(parse(SAMPLE_850, &limits).is_ok(), "ISA has exactly 16");
        let wide = SAMPLE_850.replace("PID*F****Bearing", &format!("PID*F****Bearing{}", "*".repeat(12)));
        let e = parse(&wide, &limits).unwrap_err();
        assert_eq!(e.limit, Some(Limit::MaxElements));
        assert_eq!(e.to_string(), "segment 9 (PID): exceeds max_elements: a segment holds at most 16 data elements");
    }

    #[test]
    fn an_element_longer_than_the_limit_is_refused_counting_characters() {
        let limits = EdiLimits { max_element_len: 16, ..EdiLimits::default() };
        let e = parse(SAMPLE_850, &limits).unwrap_err();
        assert_eq!(e.limit, Some(Limit::MaxElementLen));
        assert_eq!(e.to_string(), "segment 7 (N1): exceeds max_element_len: element 02 is longer than 16 characters");
        let sixteen = SAMPLE_850.replace("Initech Manufacturing", &"é".repeat(16));
        assert!(parse(&sixteen, &limits).is_ok(), "16 two-byte characters are 16 characters");
        let seventeen = SAMPLE_850.replace("Initech Manufacturing", &"é".repeat(17));
        assert_eq!(parse(&seventeen, &limits).unwrap_err().limit, Some(Limit::MaxElementLen));
    }

    #[test]
    fn one_endless_segment_stops_at_the_element_limit() {
        let isa = &SAMPLE_850[..SAMPLE_850.find('\n').unwrap() + 1];
        let endless = format!("{isa}GS{}", "*A".repeat(200_000));
        let e = p(&endless).unwrap_err();
        assert_eq!((e.position, e.limit), (2, Some(Limit::MaxElements)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        /// Random text never panics the parser.
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
            let _ = p(&s);
        }

        /// Mutations of a valid interchange (a byte replaced, a slice cut out, text spliced in)
        /// never panic and, under any limits, either parse or name a segment position inside
        /// the input.
        #[test]
        fn mutated_interchanges_never_panic(pos in 0usize..420, len in 0usize..40, insert in "[*~>A-Z0-9\\n]{0,12}",
                                            max_segments in 0usize..20, max_elements in 0usize..20, max_element_len in 0usize..30) {
            let base: Vec<char> = SAMPLE_850.chars().collect();
            let p = pos.min(base.len());
            let end = (p + len).min(base.len());
            let mut s: String = base[..p].iter().collect();
            s.push_str(&insert);
            s.extend(&base[end..]);
            for limits in [EdiLimits::default(), EdiLimits { max_segments, max_elements, max_element_len }] {
                match parse(&s, &limits) {
                    Ok(_) => {}
                    Err(e) => proptest::prop_assert!(e.position >= 1 && e.position <= s.matches('~').count() + 2, "{e}"),
                }
            }
        }
    }
}
