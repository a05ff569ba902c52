//! A BER-TLV reader (ISO/IEC 7816-4 / X.690 subset) that never panics on any input.
//!
//! Tags of up to 3 bytes, lengths in short form or long form `81`..`84`; the indefinite
//! form (`80`) is refused. Every index is checked, so malformed card data is an error value,
//! never a crash.

/// One data object, borrowing its value from the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag with its bytes in big-endian order, e.g. `0xFF20`, `0xDF22`.
    pub tag: u32,
    pub value: &'a [u8],
    /// Offset of the tag's first byte in the buffer given to the reader.
    pub offset: usize,
    /// Bytes of tag plus length field.
    pub header_len: usize,
}

impl Tlv<'_> {
    /// Offset just past the value.
    pub fn end(&self) -> usize {
        self.offset + self.header_len + self.value.len()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlvError {
    /// The buffer ends inside a tag, a length or a value.
    Truncated,
    /// A tag longer than 3 bytes.
    TagTooLong,
    /// The indefinite form, or a length field of more than 4 bytes.
    BadLength,
}

/// Reads a tag at `pos`; returns it and the position after it.
pub fn read_tag(buf: &[u8], pos: usize) -> Result<(u32, usize), TlvError> {
    let first = *buf.get(pos).ok_or(TlvError::Truncated)?;
    let mut tag = u32::from(first);
    let mut p = pos + 1;
    if first & 0x1F == 0x1F {
        // Subsequent bytes follow while bit 8 is set.
        loop {
            let b = *buf.get(p).ok_or(TlvError::Truncated)?;
            p += 1;
            if p - pos > 3 {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    Ok((tag, p))
}

/// Reads a length at `pos`; returns it and the position after it.
pub fn read_length(buf: &[u8], pos: usize) -> Result<(usize, usize), TlvError> {
    let first = *buf.get(pos).ok_or(TlvError::Truncated)?;
    match first {
        0x00..=0x7F => Ok((usize::from(first), pos + 1)),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let bytes = buf.get(pos + 1..pos + 1 + n).ok_or(TlvError::Truncated)?;
            let len = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            let len = usize::try_from(len).map_err(|_| TlvError::BadLength)?;
            Ok((len, pos + 1 + n))
        }
        _ => Err(TlvError::BadLength),
    }
}

/// Reads one TLV starting at `pos`.
pub fn read_tlv(buf: &[u8], pos: usize) -> Result<Tlv<'_>, TlvError> {
    let (tag, p) = read_tag(buf, pos)?;
    let (len, p) = read_length(buf, p)?;
    let end = p.checked_add(len).ok_or(TlvError::Truncated)?;
    let value = buf.get(p..end).ok_or(TlvError::Truncated)?;
    Ok(Tlv {
        tag,
        value,
        offset: pos,
        header_len: p - pos,
    })
}

/// The total size (header + value) of the TLV starting at the beginning of `buf`, from its
/// header alone: used to learn the record's size from its first bytes.
pub fn total_len(buf: &[u8]) -> Result<(u32, usize), TlvError> {
    let (tag, p) = read_tag(buf, 0)?;
    let (len, p) = read_length(buf, p)?;
    Ok((tag, p.checked_add(len).ok_or(TlvError::BadLength)?))
}

/// Iterates over consecutive TLVs, skipping the filler bytes `00` and `FF` that ISO 7816-4
/// allows before, between and after data objects.
pub struct Children<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
    /// Added to each TLV's offset, so offsets refer to the enclosing file.
    base: usize,
}

/// The TLVs inside `value` (a constructed object's value); `base` is where `value` starts
/// in the file.
pub fn children(value: &[u8], base: usize) -> Children<'_> {
    Children {
        buf: value,
        pos: 0,
        done: false,
        base,
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        while matches!(self.buf.get(self.pos), Some(0x00 | 0xFF)) {
            self.pos += 1;
        }
        if self.pos >= self.buf.len() {
            self.done = true;
            return None;
        }
        match read_tlv(self.buf, self.pos) {
            Ok(mut t) => {
                self.pos = t.end();
                t.offset += self.base;
                Some(Ok(t))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(read_length(&[0x05], 0), Ok((5, 1)));
        assert_eq!(read_length(&[0x81, 0x80], 0), Ok((128, 2)));
        assert_eq!(read_length(&[0x82, 0x01, 0x00], 0), Ok((256, 3)));
        assert_eq!(read_length(&[0x83, 0x01, 0x00, 0x00], 0), Ok((65536, 4)));
        assert_eq!(read_length(&[0x80], 0), Err(TlvError::BadLength));
        assert_eq!(
            read_length(&[0x85, 1, 1, 1, 1, 1], 0),
            Err(TlvError::BadLength)
        );
        assert_eq!(read_length(&[0x82, 0x01], 0), Err(TlvError::Truncated));
        assert_eq!(read_length(&[], 0), Err(TlvError::Truncated));
    }

    #[test]
    fn tags() {
        assert_eq!(read_tag(&[0xFF, 0x20], 0), Ok((0xFF20, 2)));
        assert_eq!(read_tag(&[0xDF, 0x22], 0), Ok((0xDF22, 2)));
        assert_eq!(read_tag(&[0x5F, 0x81, 0x01], 0), Ok((0x5F8101, 3)));
        assert_eq!(
            read_tag(&[0x5F, 0x81, 0x81, 0x01], 0),
            Err(TlvError::TagTooLong)
        );
        assert_eq!(read_tag(&[0x04], 0), Ok((0x04, 1)));
        assert_eq!(read_tag(&[0xDF], 0), Err(TlvError::Truncated));
    }

    #[test]
    fn children_skip_filler() {
        let v = [
            0x00, 0xDF, 0x22, 0x01, 0x41, 0xFF, 0xFF, 0xDF, 0x23, 0x81, 0x01, 0x42, 0x00, 0x00,
        ];
        let kids: Vec<_> = children(&v, 10).collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(
            (kids[0].tag, kids[0].value, kids[0].offset),
            (0xDF22, &b"A"[..], 11)
        );
        assert_eq!(
            (
                kids[1].tag,
                kids[1].value,
                kids[1].offset,
                kids[1].header_len
            ),
            (0xDF23, &b"B"[..], 17, 4)
        );
    }

    #[test]
    fn truncated_value() {
        assert_eq!(
            read_tlv(&[0xDF, 0x22, 0x05, 1, 2], 0),
            Err(TlvError::Truncated)
        );
        assert_eq!(
            read_tlv(&[0xDF, 0x22, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], 0),
            Err(TlvError::Truncated)
        );
    }
}
