/// The checks made on raw bytes before libyaml sees them: a byte-order mark,
/// NUL bytes, invalid UTF-8 and (in YAML files) tabs. libyaml's own messages
/// for these are unclear or absent, so they are found here with exact positions.
enum ByteScan {
    static func firstProblem(in bytes: [UInt8], file: String, allowTabs: Bool) -> YAMLProblem? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return YAMLProblem(.byteOrderMark, "file starts with a UTF-8 byte-order mark", at: .startOf(file), help: "save the file as UTF-8 without a BOM")
        }
        return bytes.withUnsafeBufferPointer { buffer -> YAMLProblem? in
            var line = 1
            var column = 1
            var index = 0
            let count = buffer.count
            while index < count {
                let byte = buffer[index]
                if byte < 0x80 {
                    switch byte {
                    case 0x0A:
                        line += 1
                        column = 1
                        index += 1
                        continue
                    case 0x00:
                        return YAMLProblem(.nulByte, "NUL byte in file", at: SourceLocation(file: file, line: line, column: column))
                    case 0x09 where !allowTabs:
                        return YAMLProblem(.tab, "tab character", at: SourceLocation(file: file, line: line, column: column), help: "indent and separate with spaces; YAML does not allow tabs in indentation")
                    default:
                        break
                    }
                    index += 1
                    column += 1
                    continue
                }
                let length = validSequenceLength(buffer, at: index)
                if length == 0 {
                    let hex = String(byte, radix: 16, uppercase: true)
                    return YAMLProblem(.invalidUTF8, "invalid UTF-8 (byte 0x\(hex))", at: SourceLocation(file: file, line: line, column: column), help: "policy files must be UTF-8")
                }
                index += length
                column += 1
            }
            return nil
        }
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
