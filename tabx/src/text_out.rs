//! The bytes of a text row output (CSV, JSON lines), compressed as its name
//! says ([`TextOut`]): `.gz` as one gzip member, `.zst` as one zstd frame,
//! anything else as they are. One member or frame for the whole file, not one
//! per task: some readers stop after the first zstd frame (python-zstandard's
//! `open`, which pandas uses, unless told to read across frames).

use std::fs::File;
use std::io::{self, BufWriter, Write};

use tabx_core::Compression;

use crate::sink::IO_BUFFER;

/// gzip level 6: zlib's and GNU gzip's default.
const GZIP_LEVEL: u32 = 6;
/// zstd level 3: the zstd tool's default.
const ZSTD_LEVEL: i32 = 3;

/// A CSV output file written [`IO_BUFFER`] bytes at a time through its
/// encoder; [`TextOut::finish`] ends the stream (an unfinished gzip or zstd
/// file is truncated to its readers). Boxed: an encoder's state is hundreds
/// of bytes, and the sinks hold one beside much smaller variants.
pub(crate) struct TextOut(Box<BufWriter<Encoder>>);

enum Encoder {
    Plain(File),
    Gzip(flate2::write::GzEncoder<File>),
    Zstd(zstd::stream::write::Encoder<'static, File>),
}

impl TextOut {
    pub(crate) fn new(file: File, compression: Compression) -> io::Result<Self> {
        let encoder = match compression {
            Compression::None => Encoder::Plain(file),
            Compression::Gzip => {
                Encoder::Gzip(flate2::write::GzEncoder::new(file, flate2::Compression::new(GZIP_LEVEL)))
            }
            Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(file, ZSTD_LEVEL)?),
        };
        Ok(TextOut(Box::new(BufWriter::with_capacity(IO_BUFFER, encoder))))
    }

    /// Writes what is buffered and ends the compressed stream.
    pub(crate) fn finish(self) -> io::Result<()> {
        let encoder = self.0.into_inner().map_err(io::IntoInnerError::into_error)?;
        let mut file = match encoder {
            Encoder::Plain(file) => file,
            Encoder::Gzip(gzip) => gzip.finish()?,
            Encoder::Zstd(zstd) => zstd.finish()?,
        };
        file.flush()
    }
}

impl Write for TextOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Each compression reads back (flate2's and zstd's decoders, as tabx's
    /// own reader uses them) as the bytes written, in several writes.
    #[test]
    fn each_compression_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let text = "id,x\n".to_string() + &(0..10_000).map(|i| format!("{i},{}\n", i * 7)).collect::<String>();
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let path = dir.path().join("out");
            let mut out = TextOut::new(File::create(&path).unwrap(), compression).unwrap();
            for line in text.split_inclusive('\n') {
                out.write_all(line.as_bytes()).unwrap();
            }
            out.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            let mut back = String::new();
            match compression {
                Compression::None => back = String::from_utf8(bytes).unwrap(),
                Compression::Gzip => {
                    flate2::read::MultiGzDecoder::new(bytes.as_slice()).read_to_string(&mut back).unwrap();
                }
                Compression::Zstd => {
                    zstd::stream::read::Decoder::new(bytes.as_slice()).unwrap().read_to_string(&mut back).unwrap();
                }
            };
            assert_eq!(back, text, "{compression:?}");
        }
    }
}
