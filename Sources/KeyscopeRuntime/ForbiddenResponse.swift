@_exported import KeyscopeTable

/// The HTTP 403 a gateway sends for `notInScope` (SPEC §1), byte for byte.
public enum ForbiddenResponse {
    /// The HTTP status of a refused call.
    public static let status = 403
    /// The `error` text of the body, as the product has always sent it.
    public static let message = "API key does not have permission to access this capability"

    /// `{"error": "API key does not have permission to access this capability", "capabilityId": "cap_…"}`
    public static func body(capabilityID: String) -> String {
        "{\"error\": \"\(message)\", \"capabilityId\": \"\(JSONText.escaped(capabilityID))\"}"
    }
}
