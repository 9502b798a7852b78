//! The panic boundary: every exported function's body must be exactly one `ffi_guard!(...)` call,
//! and the guard must turn a panic into its fallback value.
//!
//! The source check reads every `.rs` file under `src/ffi/`, finds each `#[no_mangle]` /
//! `#[unsafe(no_mangle)]` / `#[export_name]` function and inspects its body. Comments and literals
//! are blanked out first, so braces or attributes inside them cannot confuse it.

use std::path::{Path, PathBuf};

/// One exported function found in a source text.
#[derive(Debug)]
struct Export {
    name: String,
    guarded: bool,
}

/// Replace the contents of comments, string literals and char literals with spaces, keeping every
/// other byte (and so every offset) in place.
fn blank_out(source: &str) -> Vec<u8> {
    let src = source.as_bytes();
    let mut out = src.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    while i < src.len() {
        let rest = &src[i..];
        if rest.starts_with(b"//") {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(src.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < src.len() {
                if src[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if src[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if let Some(hashes) =
            raw_string_start(rest).filter(|_| i == 0 || !is_ident_byte(src[i - 1]))
        {
            // r"..", r#".."#, br"..", cr#".."# and so on.
            let open = rest.iter().position(|&b| b == b'"').unwrap_or(0) + 1;
            let closing = format!("\"{}", "#".repeat(hashes)).into_bytes();
            let body_start = i + open;
            let end = src[body_start..]
                .windows(closing.len())
                .position(|w| w == closing.as_slice())
                .map_or(src.len(), |p| body_start + p);
            blank(&mut out, body_start, end);
            i = (end + closing.len()).min(src.len());
        } else if src[i] == b'"' {
            let mut j = i + 1;
            while j < src.len() && src[j] != b'"' {
                j += if src[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(src.len());
            blank(&mut out, i + 1, end);
            i = end + 1;
        } else if src[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', multi-byte 'é') or a lifetime ('a).
            if let Some(len) = char_literal_len(rest) {
                blank(&mut out, i + 1, i + len - 1);
                i += len;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// If `rest` starts a raw string literal (`r"`, `r#"`, `br"`, `cr"`, ...), the number of `#`s.
fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let after_prefix = match rest {
        [b'r', ..] => &rest[1..],
        [b'b' | b'c', b'r', ..] => &rest[2..],
        _ => return None,
    };
    let hashes = after_prefix.iter().take_while(|&&b| b == b'#').count();
    (after_prefix.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// The length of the char literal starting at `rest[0] == '\''`, or `None` for a lifetime.
fn char_literal_len(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        // Skip the backslash and the escaped character, then find the closing quote.
        let close = rest.get(3..)?.iter().position(|&b| b == b'\'')?;
        return Some(close + 4);
    }
    // One UTF-8 character, then the closing quote.
    let first = *rest.get(1)?;
    let width = match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    (rest.get(1 + width) == Some(&b'\'')).then_some(width + 2)
}

/// The index just past the bracket matching the one at `open`.
fn matching_close(text: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(open) {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn skip_whitespace(text: &[u8], mut i: usize) -> usize {
    while i < text.len() && text[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier starting at `i`, if any.
fn ident_at(text: &[u8], i: usize) -> &str {
    let end = text[i..]
        .iter()
        .position(|&b| !is_ident_byte(b))
        .map_or(text.len(), |p| i + p);
    std::str::from_utf8(&text[i..end]).unwrap_or("")
}

/// Whether an attribute's content (between `#[` and `]`) makes an item an unmangled export.
fn is_export_attribute(content: &[u8]) -> bool {
    let compact: String = String::from_utf8_lossy(content)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    compact == "no_mangle"
        || compact == "unsafe(no_mangle)"
        || compact.starts_with("export_name")
        || compact.starts_with("unsafe(export_name")
}

/// Whether `body` (the text between a function's braces) is exactly one `ffi_guard!( ... )`.
fn is_single_guard(body: &[u8]) -> bool {
    let start = skip_whitespace(body, 0);
    if ident_at(body, start) != "ffi_guard" {
        return false;
    }
    let bang = skip_whitespace(body, start + "ffi_guard".len());
    if body.get(bang) != Some(&b'!') {
        return false;
    }
    let open = skip_whitespace(body, bang + 1);
    if body.get(open) != Some(&b'(') {
        return false;
    }
    match matching_close(body, open) {
        Some(end) => skip_whitespace(body, end) == body.len(),
        None => false,
    }
}

/// Every exported function of a source text, with whether its body is a single guard.
/// Errors describe exports whose shape could not be understood (which also fails the test).
fn find_exports(source: &str) -> Result<Vec<Export>, String> {
    let text = blank_out(source);
    let mut exports = Vec::new();
    let mut i = 0;
    while let Some(pos) = text[i..].windows(2).position(|w| w == b"#[") {
        let attr_open = i + pos + 1;
        let attr_end = matching_close(&text, attr_open).ok_or("unclosed attribute")?;
        i = attr_end;
        if !is_export_attribute(&text[attr_open + 1..attr_end - 1]) {
            continue;
        }
        // Walk the item after the attribute (other attributes, visibility, qualifiers) to `fn`.
        let mut j = attr_end;
        let name = loop {
            j = skip_whitespace(&text, j);
            if j >= text.len() {
                return Err("export attribute at end of file".into());
            }
            if text[j..].starts_with(b"#[") {
                j = matching_close(&text, j + 1).ok_or("unclosed attribute")?;
                continue;
            }
            if text[j] == b'(' || text[j] == b'"' {
                j = if text[j] == b'(' {
                    matching_close(&text, j).ok_or("unclosed parenthesis")?
                } else {
                    j + 1 + text[j + 1..].iter().position(|&b| b == b'"').unwrap_or(0) + 1
                };
                continue;
            }
            let word = ident_at(&text, j);
            match word {
                "fn" => {
                    let name_at = skip_whitespace(&text, j + 2);
                    break ident_at(&text, name_at).to_string();
                }
                "static" | "const" | "struct" | "enum" | "union" | "type" => {
                    // Not a function; exported data has no body to guard.
                    break String::new();
                }
                "" => return Err(format!("unexpected byte {:?} before fn", text[j] as char)),
                _ => j += word.len(),
            }
        };
        if name.is_empty() {
            continue;
        }
        let params = j + text[j..]
            .iter()
            .position(|&b| b == b'(')
            .ok_or("no parameters")?;
        let after_params = matching_close(&text, params).ok_or("unclosed parameters")?;
        let body_open = after_params
            + text[after_params..]
                .iter()
                .position(|&b| b == b'{' || b == b';')
                .ok_or("no body")?;
        if text[body_open] == b';' {
            return Err(format!("{name}: exported function without a body"));
        }
        let body_end = matching_close(&text, body_open).ok_or("unclosed body")?;
        let guarded = is_single_guard(&text[body_open + 1..body_end - 1]);
        exports.push(Export { name, guarded });
        i = body_end;
    }
    Ok(exports)
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/ffi") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_export_body_is_one_ffi_guard() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("read source");
        match find_exports(&source) {
            Ok(exports) => {
                for export in exports {
                    if !export.guarded {
                        problems.push(format!("{}: {}", file.display(), export.name));
                    }
                    names.push(export.name);
                }
            }
            Err(e) => problems.push(format!("{}: cannot parse: {e}", file.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "exports whose body is not exactly one ffi_guard!(...):\n{}",
        problems.join("\n")
    );
    // The scan must actually see the exports, or it proves nothing.
    for known in [
        "mosquitto_strerror",
        "mosquitto_topic_matches_sub",
        "mosquitto_lib_init",
    ] {
        assert!(
            names.iter().any(|n| n == known),
            "{known} not found by the scan"
        );
    }
}

#[test]
fn checker_accepts_guarded_exports() {
    let sample = r##"
        /// Doc with { a brace and #[no_mangle] inside.
        #[no_mangle]
        pub unsafe extern "C" fn good(a: *const c_char, b: Option<unsafe extern "C" fn(c_int)>) -> c_int {
            ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
                let s = "}{ not code";
                let c = '}';
                let q = '\'';
                let b = b'{';
                let r = r#"}"#;
                fn inner<'a>(x: &'a str) -> &'a str { x }
                0
            })
        }

        #[unsafe(no_mangle)]
        #[allow(clippy::missing_safety_doc)]
        pub extern "C" fn good_void(m: *mut X) {
            ffi_guard !( (), { /* } */ })
        }

        #[no_mangle]
        pub static EXPORTED: c_int = 1;

        pub fn not_exported() -> i32 { 1 }
    "##;
    let exports = find_exports(sample).expect("parse");
    let names: Vec<_> = exports.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good", "good_void"]);
    assert!(exports.iter().all(|e| e.guarded), "{exports:?}");
}

#[test]
fn checker_rejects_unguarded_exports() {
    let unguarded = [
        // No guard at all.
        "#[no_mangle]\npub extern \"C\" fn a() -> c_int { 0 }",
        // A statement before the guard.
        "#[no_mangle]\npub extern \"C\" fn b() -> c_int { let x = 1; ffi_guard!(0, { x }) }",
        // Something after the guard.
        "#[no_mangle]\npub extern \"C\" fn c() -> c_int { ffi_guard!(0, { 0 }); 1 }",
        // The guard only in a comment or a string.
        "#[no_mangle]\npub extern \"C\" fn d() -> c_int { // ffi_guard!(0, {0})\n 0 }",
        "#[no_mangle]\npub extern \"C\" fn e() -> *const u8 { \"ffi_guard!(0, {0})\".as_ptr() }",
        // The new attribute spelling, and export_name.
        "#[unsafe(no_mangle)]\npub extern \"C\" fn f() {}",
        "#[export_name = \"g2\"]\npub extern \"C\" fn g() -> c_int { 1 }",
        // Another macro.
        "#[no_mangle]\npub extern \"C\" fn h() -> c_int { other_guard!(0, { 0 }) }",
    ];
    for sample in unguarded {
        let exports = find_exports(sample).expect("parse");
        assert_eq!(exports.len(), 1, "{sample}");
        assert!(!exports[0].guarded, "not caught: {sample}");
    }
}

#[test]
fn guard_turns_a_panic_into_the_fallback_value() {
    use culex::ffi::util::ffi_guard_panic_probe;
    assert_eq!(ffi_guard_panic_probe(-7, true), -7);
    assert_eq!(ffi_guard_panic_probe(42, true), 42);
    assert_eq!(ffi_guard_panic_probe(-7, false), 0);
}
