/// The checks made on raw bytes before libyaml sees them: a byte-order mark,
/// NUL bytes, invalid UTF-8 and (in YAML files) tabs. libyaml's own messages
/// for these are unclear or absent, so they are found here with exact positions.
enum ByteScan {
    static func firstProblem(in bytes: [UInt8], file: String, allowTabs: Bool) -> YAMLProblem? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return YAMLProblem(
                .byteOrderMark, "file starts with a UTF-8 byte-order mark", at: .startOf(file),
                help: "save the file as UTF-8 without a BOM")
        }
        return bytes.withUnsafeBufferPointer { buffer -> YAMLProblem? in
            // Find the first offending byte, eight plain ASCII bytes at a time where possible;
            // lines and columns are counted only for a file that has a problem.
            let count = buffer.count
            let raw = UnsafeRawBufferPointer(buffer)
            var index = 0
            while index < count {
                if index + 8 <= count {
                    let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0, !hasZeroByte(word),
                        allowTabs || !hasZeroByte(word ^ 0x0909_0909_0909_0909)
                    {
                        index += 8
                        continue
                    }
                }
                let byte = buffer[index]
                if byte < 0x80 {
                    if byte == 0x00 {
                        return YAMLProblem(
                            .nulByte, "NUL byte in file", at: location(of: index, in: buffer, file: file))
                    }
                    if byte == 0x09 && !allowTabs {
                        return YAMLProblem(
                            .tab, "tab character", at: location(of: index, in: buffer, file: file),
                            help: "indent and separate with spaces; YAML does not allow tabs in indentation")
                    }
                    index += 1
                    continue
                }
                let length = validSequenceLength(buffer, at: index)
                if length == 0 {
                    let hex = String(byte, radix: 16, uppercase: true)
                    return YAMLProblem(
                        .invalidUTF8, "invalid UTF-8 (byte 0x\(hex))", at: location(of: index, in: buffer, file: file),
                        help: "policy files must be UTF-8")
                }
                index += length
            }
            return nil
        }
    }

    /// Whether any byte of `word` is zero (the classic SWAR test).
    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
    }

    /// Line and column (in characters) of byte `offset`, all bytes before it being valid UTF-8.
    private static func location(of offset: Int, in buffer: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation
    {
        var line = 1
        var column = 1
        for byte in buffer[..<offset] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0 (RFC 3629 table).
    private static func validSequenceLength(_ b: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let b0 = b[index]
        func cont(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index + offset < b.count && b[index + offset] >= low && b[index + offset] <= high
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}
