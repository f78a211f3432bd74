/// Makes a value taken from the input safe to put in a message.
///
/// Policy files are untrusted: a key name could hold terminal escape
/// sequences, newlines that forge a second GitHub workflow command, or
/// bidirectional overrides that reorder what a reviewer sees. Every user value
/// in a message goes through `quoted(_:)`.
public enum Quote {
    /// Longest value shown in full, in Unicode scalars.
    public static let maxLength = 80

    /// The value in backticks, with control and bidi characters escaped and long values shortened.
    public static func quoted(_ value: String) -> String {
        "`" + sanitized(value) + "`"
    }

    /// The value with control and bidi characters escaped as `\u{…}` and shortened to `maxLength` scalars.
    public static func sanitized(_ value: String, maxLength: Int = Quote.maxLength) -> String {
        var result = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count >= maxLength {
                result += "…"
                break
            }
            count += 1
            if isUnsafe(scalar) {
                switch scalar {
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                default: result += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, line and paragraph separators.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        // C0, DEL, C1; the Arabic letter mark and every other bidi control; zero-width characters;
        // line and paragraph separators; the BOM: none may reach a terminal, an annotation or a comment raw.
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x180E, 0x200B...0x200F, 0x2028, 0x2029, 0x202A...0x202E,
            0x2060...0x2064, 0x2066...0x2069, 0xFEFF:
            return true
        default:
            return false
        }
    }
}
