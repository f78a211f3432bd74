/// Minimal PEM and DER handling for Ed25519 keys (RFC 8410): the fixed
/// PKCS#8 and SubjectPublicKeyInfo prefixes, base64 with 64-character lines.
/// Keys written here are readable by `openssl pkey`, and OpenSSL's are readable here.
package enum PEM {
    /// PKCS#8 PrivateKeyInfo for Ed25519, up to the 32-byte seed.
    package static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    /// SubjectPublicKeyInfo for Ed25519, up to the 32-byte key.
    package static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    package static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Base64.encode(der)
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    /// The DER bytes of the file's one block with `label`, or nil when the text is anything but
    /// exactly that block (blank lines around it aside).
    ///
    /// Strict on purpose: with text around a key, or two keys in one file, which key is used
    /// would depend on the reader, and a key file is where an attacker would like ambiguity.
    package static func decode(_ text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard lines.count >= 3, lines.first == begin, lines.last == end else { return nil }
        let body = lines.dropFirst().dropLast()
        guard !body.contains(where: { $0.hasPrefix("-----") }) else { return nil }
        return Base64.decode(body.joined())
    }
}

extension Substring {
    package func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// RFC 4648 base64, standard alphabet with padding.
package enum Base64 {
    package static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index + 2 < bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                alphabet[Int(n & 63)],
            ]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            output += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "="),
            ]
        }
        return String(decoding: output, as: UTF8.self)
    }

    package static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(value))
        }
        guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var n: UInt32 = 0
            for (position, value) in chunk.enumerated() { n |= UInt32(value) << UInt32(18 - 6 * position) }
            output.append(UInt8(n >> 16 & 0xFF))
            if chunk.count > 2 { output.append(UInt8(n >> 8 & 0xFF)) }
            if chunk.count > 3 { output.append(UInt8(n & 0xFF)) }
            index += 4
        }
        return output
    }
}
