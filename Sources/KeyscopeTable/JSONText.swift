/// Escaping of a value for a JSON string literal, for the few JSON texts written by hand
/// outside the policy module's `JSONValue` (the 403 body, `current.json`).
public enum JSONText {
    /// `value` with `"`, `\` and control characters escaped (without the surrounding quotes).
    public static func escaped(_ value: String) -> String {
        var output = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }
}
