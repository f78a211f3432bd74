import ArgumentParser
import KeyscopeTable

#if canImport(Glibc)
import Glibc
#endif

/// `keyscope fingerprint`: the line to paste into a key's `fingerprints`, from a secret on
/// standard input. Never from an argument: arguments are visible to every user of the machine
/// (`ps`) and stay in shell history.
struct Fingerprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the fingerprint of an API key secret read from standard input.",
        discussion: """
            Reads the secret from standard input (one trailing newline is dropped, so \
            `printf %s "$SECRET" | keyscope fingerprint` and `echo "$SECRET" | keyscope fingerprint` agree) \
            and prints `sha256:<64 hex>` for the key's `fingerprints` list. Refuses a secret shorter \
            than 16 bytes. The secret is never printed.
            """)

    /// Taken only to refuse it without repeating it: a secret typed as an argument must not be
    /// echoed into a terminal or a CI log by the error that refuses it.
    @Argument(help: .hidden)
    var refused: [String] = []

    func validate() throws {
        if !refused.isEmpty {
            throw ValidationError(
                "keyscope fingerprint reads the secret from standard input, never from an argument (arguments show in `ps` and in shell history): printf %s \"$SECRET\" | keyscope fingerprint"
            )
        }
    }

    func run() throws {
        var secret: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count < 0 { throw CommandFailure("cannot read the secret from standard input") }
            if count == 0 { break }
            secret += buffer[..<count]
            if secret.count > 64 << 10 {
                throw CommandFailure("the secret is longer than 64 KiB; is this the right input?")
            }
        }
        if secret.last == UInt8(ascii: "\n") { secret.removeLast() }
        if secret.last == UInt8(ascii: "\r") { secret.removeLast() }
        guard secret.count >= KeyFingerprint.minimumSecretLength else {
            throw CommandFailure(
                "the secret on standard input is \(secret.count) bytes; at least \(KeyFingerprint.minimumSecretLength) are needed (a short secret can be guessed from its fingerprint)"
            )
        }
        let text = KeyFingerprint.text(of: secret)
        for index in secret.indices { secret[index] = 0 }
        print(text)
    }
}
