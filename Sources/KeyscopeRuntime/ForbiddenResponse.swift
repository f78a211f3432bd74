@_exported import KeyscopeTable

/// The HTTP 403 a gateway sends for `notInScope` (SPEC §1), byte for byte.
public enum ForbiddenResponse {
    public static let status = 403
    public static let message = "API key does not have permission to access this capability"

    /// `{"error": "API key does not have permission to access this capability", "capabilityId": "cap_…"}`
    public static func body(capabilityID: String) -> String {
        "{\"error\": \"\(message)\", \"capabilityId\": \"\(escape(capabilityID))\"}"
    }

    static func escape(_ value: String) -> String {
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
