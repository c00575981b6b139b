//! Turning the user's inputs (files, directories, globs, `-`, URLs) into a list
//! of concrete sources, each with its format, compression and size.
//!
//! Order: inputs in the order given; a directory or glob expands to its files
//! sorted by path, so the list (and therefore shard assignment and task order)
//! is the same on every machine.

use std::path::{Path, PathBuf};

use tabx_core::{Result, TabxError};

use crate::options::{Compression, Format, SourceOptions};
use crate::store::{self, StoreObject};

/// Where a source's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    Local(PathBuf),
    Store(StoreObject),
    Stdin,
    /// A path that is a pipe or a device (`<(zcat f.gz)`, a FIFO, /dev/stdin):
    /// read once from start to end, as stdin is.
    Pipe(PathBuf),
}

impl Location {
    /// Whether the bytes can be read only once, in order (no seeking, no
    /// second pass, no size): stdin and pipes.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, Location::Stdin | Location::Pipe(_))
    }
}

/// One resolved input file.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// How errors and reports name it: the path or URL as the user would write it.
    pub name: String,
    pub location: Location,
    /// Size in bytes; `None` for a stream (stdin, a pipe).
    pub size: Option<u64>,
    pub format: Format,
    pub compression: Compression,
    /// The CSV delimiter for this file (a `.tsv` file gets a tab unless the
    /// user chose a delimiter other than the default comma).
    pub delimiter: u8,
}

impl SourceFile {
    fn new(
        name: String,
        location: Location,
        size: Option<u64>,
        options: &SourceOptions,
        explicit: bool,
    ) -> Result<Option<Self>> {
        let detected = Format::from_name(&name);
        let (format, compression) = match (options.format, detected) {
            (Some(f), Some((_, c))) => (f, c),
            (Some(f), None) => (f, Compression::split(&name).1),
            (None, Some(fc)) => fc,
            (None, None) if explicit => {
                return Err(TabxError::config(format!("cannot tell the format of {name} from its extension"))
                    .with_hint("name it .csv/.tsv/.parquet/.jsonl (optionally .gz/.zst) or pass --input-format"));
            }
            // Files of unknown kind inside a directory or glob (README, _SUCCESS) are skipped.
            (None, None) => return Ok(None),
        };
        let tsv = Compression::split(&name.to_ascii_lowercase()).0.ends_with(".tsv");
        let delimiter = if tsv && options.delimiter == b',' { b'\t' } else { options.delimiter };
        Ok(Some(SourceFile { name, location, size, format, compression, delimiter }))
    }
}

/// Resolves every input; an input that matches nothing is an error.
pub(crate) fn resolve(inputs: &[String], options: &SourceOptions) -> Result<Vec<SourceFile>> {
    tabx_core::ensure_config!(!inputs.is_empty(), "no input given");
    let mut out = Vec::new();
    for input in inputs {
        let before = out.len();
        let seen = resolve_one(input, options, &mut out)?;
        if seen.is_empty() {
            return Err(TabxError::config(format!("{input}: matches no files"))
                .with_hint("check the path (a glob in quotes is expanded by tabx, `**` included)"));
        }
        if out.len() == before {
            let shown: Vec<&str> = seen.iter().take(3).map(String::as_str).collect();
            let more = if seen.len() > 3 { format!(" and {} more", seen.len() - 3) } else { String::new() };
            return Err(TabxError::config(format!(
                "{input}: none of its {} files is data by its name ({}{more})",
                seen.len(),
                shown.join(", ")
            ))
            .with_hint("data files need a .csv/.tsv/.parquet/.jsonl extension (or pass --input-format)"));
        }
    }
    let stdin_count = out.iter().filter(|f| matches!(f.location, Location::Stdin)).count();
    tabx_core::ensure_config!(stdin_count <= 1, "`-` (stdin) can be given only once");
    Ok(out)
}

/// The data files `inputs` name now, with their sizes (none for stdin): a
/// folder or prefix followed for new files lists itself with this, and an
/// empty one is no error.
pub fn list_files(inputs: &[String], options: &SourceOptions) -> Result<Vec<(String, Option<u64>)>> {
    let mut out = Vec::new();
    for input in inputs {
        resolve_one(input, options, &mut out)?;
    }
    Ok(out.into_iter().map(|f| (f.name, f.size)).collect())
}

/// `files` with each file once (the first time it was named), and a warning
/// per file that several inputs named (`data/*.csv data/a.csv`, a folder and
/// a glob inside it): reading it twice would count its rows twice.
pub(crate) fn dedup(files: Vec<SourceFile>) -> (Vec<SourceFile>, Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    let mut warnings = Vec::new();
    let mut kept = Vec::with_capacity(files.len());
    for file in files {
        let identity = match &file.location {
            Location::Local(path) => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).display().to_string(),
            Location::Store(object) => object.url.clone(),
            Location::Stdin => "-".to_string(),
            Location::Pipe(path) => path.display().to_string(),
        };
        if seen.insert(identity) {
            kept.push(file);
        } else {
            warnings.push(format!("{}: named by more than one input; read once", file.name));
        }
    }
    (kept, warnings)
}

/// Appends the data files `input` names to `out`; returns the names of every
/// file it names, data or not (none: a glob or folder with no files).
fn resolve_one(input: &str, options: &SourceOptions, out: &mut Vec<SourceFile>) -> Result<Vec<String>> {
    if input == "-" {
        let format = options.format.unwrap_or(Format::Csv);
        let delimiter = options.delimiter;
        out.push(SourceFile {
            name: "<stdin>".into(),
            location: Location::Stdin,
            size: None,
            format,
            compression: Compression::None,
            delimiter,
        });
        return Ok(vec![input.to_string()]);
    }
    if strip_prefix_ignore_case(input, "file://").is_some() {
        // file:// is a local path: it gets the local reader (byte-range splits).
        let url = url::Url::parse(input).map_err(|e| TabxError::config(format!("{input}: invalid URL: {e}")))?;
        let path = url.to_file_path().map_err(|()| TabxError::config(format!("{input}: not a local file URL")))?;
        return resolve_local(&path.to_string_lossy(), options, out);
    }
    if store::is_url(input) {
        let objects = store::expand_url(input)?;
        let explicit = objects.len() == 1 && !input.contains(['*', '?', '[']);
        let mut seen = Vec::with_capacity(objects.len());
        for (object, size) in objects {
            let name = object.url.clone();
            seen.push(name.clone());
            if let Some(f) = SourceFile::new(name, Location::Store(object), Some(size), options, explicit)? {
                out.push(f);
            }
        }
        return Ok(seen);
    }
    resolve_local(input, options, out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &s[prefix.len()..])
}

fn resolve_local(input: &str, options: &SourceOptions, out: &mut Vec<SourceFile>) -> Result<Vec<String>> {
    let path = Path::new(input);
    let (files, explicit) = if !path.exists() && input.contains(['*', '?', '[']) {
        (glob_files(input)?, false)
    } else if std::fs::metadata(path).map_err(|e| TabxError::io(path, e))?.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        (files, false)
    } else {
        (vec![path.to_path_buf()], true)
    };
    let mut seen = Vec::with_capacity(files.len());
    for p in files {
        seen.push(p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()));
        push_local(p, options, explicit, out)?;
    }
    Ok(seen)
}

/// The files (not folders) a local glob matches, sorted.
pub(crate) fn glob_files(pattern: &str) -> Result<Vec<PathBuf>> {
    let paths = glob::glob(pattern).map_err(|e| TabxError::config(format!("{pattern}: invalid glob: {e}")))?;
    let mut files = Vec::new();
    for p in paths {
        let p = p.map_err(|e| TabxError::io(e.path().to_path_buf(), std::io::Error::other(e.to_string())))?;
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

fn push_local(path: PathBuf, options: &SourceOptions, explicit: bool, out: &mut Vec<SourceFile>) -> Result<()> {
    let meta = std::fs::metadata(&path).map_err(|e| TabxError::io(&path, e))?;
    let name = path.to_string_lossy().into_owned();
    // A pipe or a device (`<(zcat f.gz)`, a FIFO, /dev/stdin) cannot be cut
    // into byte ranges or read twice (it was an "Illegal seek" from deep
    // inside): it is read once, as stdin is. Its name rarely tells its
    // format (`/dev/fd/63`), hence the hint.
    let (location, size) =
        if meta.is_file() { (Location::Local(path), Some(meta.len())) } else { (Location::Pipe(path), None) };
    let file = SourceFile::new(name, location, size, options, explicit).map_err(|e| match size {
        None => e.with_hint("a pipe's name rarely tells its format: pass --input-format csv (or jsonl)"),
        Some(_) => e,
    })?;
    if let Some(f) = file {
        out.push(f);
    }
    Ok(())
}

/// All files below `dir`, skipping hidden and underscore names (`.git`,
/// `_SUCCESS`, Spark's `_temporary`): they are never data.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    walk_once(dir, out, &mut std::collections::HashSet::new())
}

/// [`walk`], entering each real directory once: a symbolic link back to an
/// ancestor (a loop) is not followed again.
fn walk_once(dir: &Path, out: &mut Vec<PathBuf>, entered: &mut std::collections::HashSet<PathBuf>) -> Result<()> {
    let real = std::fs::canonicalize(dir).map_err(|e| TabxError::io(dir, e))?;
    if !entered.insert(real) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| TabxError::io(dir, e))? {
        let entry = entry.map_err(|e| TabxError::io(dir, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(['.', '_']) {
            continue;
        }
        let p = entry.path();
        if p.is_dir() {
            walk_once(&p, out, entered)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder with a link back to itself is walked once; the same file named
    /// by two inputs is read once, with a warning (it was read twice).
    #[test]
    fn loops_and_overlapping_inputs_read_each_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("a.csv"), "x\n1\n").unwrap();
        std::os::unix::fs::symlink(&data, data.join("again")).unwrap();
        let opts = SourceOptions::default();
        let folder = data.display().to_string();
        assert_eq!(resolve(std::slice::from_ref(&folder), &opts).unwrap().len(), 1);
        let glob = format!("{folder}/*.csv");
        let (files, warnings) = dedup(resolve(&[folder, glob], &opts).unwrap());
        assert_eq!(files.len(), 1);
        assert_eq!(warnings, [format!("{}/a.csv: named by more than one input; read once", data.display())]);
    }

    #[test]
    fn directory_glob_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.csv", "a.csv", "notes.txt", "_SUCCESS", "c.parquet"] {
            std::fs::write(dir.path().join(name), "x\n1\n").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/d.tsv"), "x\n1\n").unwrap();
        let opts = SourceOptions::default();
        let files = resolve(&[dir.path().to_string_lossy().into_owned()], &opts).unwrap();
        let names: Vec<_> =
            files.iter().map(|f| Path::new(&f.name).strip_prefix(dir.path()).unwrap().to_owned()).collect();
        assert_eq!(names, ["a.csv", "b.csv", "c.parquet", "sub/d.tsv"].map(PathBuf::from));
        assert_eq!(files[3].delimiter, b'\t');

        let glob = format!("{}/*.csv", dir.path().display());
        assert_eq!(resolve(&[glob], &opts).unwrap().len(), 2);
        // A glob that matches nothing, and one that matches no data file: each
        // says which it is (both said "no readable files found").
        let none = format!("{}/*.nothing", dir.path().display());
        let e = resolve(std::slice::from_ref(&none), &opts).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{none}: matches no files")), "{e}");
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = resolve(&[empty.display().to_string()], &opts).unwrap_err().to_string();
        assert!(e.contains("empty: matches no files"), "{e}");
        let other = format!("{}/[n_]*", dir.path().display());
        let e = resolve(std::slice::from_ref(&other), &opts).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{other}: none of its 2 files is data by its name (_SUCCESS, notes.txt)")),
            "{e}"
        );
        assert!(e.contains("hint: data files need a .csv/.tsv/.parquet/.jsonl extension"), "{e}");
        let missing = dir.path().join("missing.csv").to_string_lossy().into_owned();
        assert!(matches!(resolve(&[missing], &opts), Err(TabxError::Io { .. })));
        let txt = dir.path().join("notes.txt").to_string_lossy().into_owned();
        assert!(resolve(&[txt], &opts).unwrap_err().to_string().contains("--input-format"));
    }

    /// A FIFO named as a path is a stream (no size), its format from its
    /// name or `--input-format`; `/dev/fd/63` alone names no format.
    #[cfg(unix)]
    #[test]
    fn a_pipe_given_as_a_path_is_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("in.csv.gz");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let files = resolve(&[fifo.display().to_string()], &SourceOptions::default()).unwrap();
        assert!(matches!(&files[0].location, Location::Pipe(p) if *p == fifo));
        assert_eq!((files[0].size, files[0].format, files[0].compression), (None, Format::Csv, Compression::Gzip));
        let unnamed = dir.path().join("63");
        assert!(std::process::Command::new("mkfifo").arg(&unnamed).status().unwrap().success());
        let err = resolve(&[unnamed.display().to_string()], &SourceOptions::default()).unwrap_err().to_string();
        assert!(err.contains("63") && err.contains("--input-format csv"), "{err}");
        let csv = SourceOptions { format: Some(Format::Csv), ..SourceOptions::default() };
        assert!(resolve(&[unnamed.display().to_string()], &csv).unwrap()[0].location.is_stream());
    }

    #[test]
    fn file_urls_are_local() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, "x\n1\n").unwrap();
        let files = resolve(&[format!("file://{}", p.display())], &SourceOptions::default()).unwrap();
        assert!(matches!(files[0].location, Location::Local(_)));
    }
}
