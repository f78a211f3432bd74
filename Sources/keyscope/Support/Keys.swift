import ArgumentParser
import KeyscopeTable
import KeyscopeTableTools

#if canImport(Glibc)
import Glibc
#endif

/// `--trusted-key FILE|DIR` (repeatable), shared by every command that reads tables.
struct TrustOptions: ParsableArguments {
    @Option(
        name: .customLong("trusted-key"),
        help: ArgumentHelp("A trusted public key (.pub.pem), or a directory of them. Repeatable.", valueName: "path"))
    var trustedKeys: [String] = []

    /// The trusted keys; fails when none was given (there is no unsigned mode).
    func load() throws -> [TrustedKey] {
        var paths = trustedKeys
        if paths.isEmpty, let fromEnvironment = Environment.variable("KEYSCOPE_TRUSTED_KEYS") {
            paths = fromEnvironment.split(separator: ":").map(String.init)
        }
        guard !paths.isEmpty else {
            throw ValidationError(
                "no trusted keys: pass --trusted-key FILE (or a directory of .pub.pem files), or set KEYSCOPE_TRUSTED_KEYS"
            )
        }
        var keys: [TrustedKey] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CommandFailure("cannot read trusted key \(path): \(String(cString: strerror(errno)))")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                for file in try FileOutput.list(path) where file.hasSuffix(".pub.pem") {
                    keys.append(try KeyFiles.trustedKey(path + "/" + file))
                }
            } else {
                keys.append(try KeyFiles.trustedKey(path))
            }
        }
        guard !keys.isEmpty else { throw CommandFailure("no .pub.pem files found in \(paths.joined(separator: ", "))") }
        return keys
    }
}

/// Reading and writing key files.
enum KeyFiles {
    /// Where `compile` keeps its development key when no signing key is configured.
    static let developmentKeyPath = ".keyscope/dev-signing-key.pem"

    static func trustedKey(_ path: String) throws -> TrustedKey {
        let text = String(decoding: try FileOutput.readFile(path, limit: 64 << 10), as: UTF8.self)
        do {
            return try TrustedKey(pem: text)
        } catch {
            throw CommandFailure("cannot use \(path) as a trusted key: \(error)")
        }
    }

    static func signingKey(_ path: String) throws -> SigningKey {
        // Like ssh: a private key others can read is no longer private, and using it silently
        // would sign tables with a key that may already be copied.
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o077 != 0 {
            throw CommandFailure(
                "\(path) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); a signing key must be private: run `chmod 600 \(path)`"
            )
        }
        let text = String(decoding: try FileOutput.readFile(path, limit: 64 << 10), as: UTF8.self)
        do {
            return try SigningKey(pem: text)
        } catch {
            // The error names the file and the reason, never the contents.
            throw CommandFailure("cannot use \(path) as a signing key: \(error)")
        }
    }

    /// Writes a key pair: the private key with mode 0600, the public key with 0644. Refuses to overwrite.
    static func writePair(_ key: SigningKey, privatePath: String, publicPath: String) throws {
        for path in [privatePath, publicPath] where access(path, F_OK) == 0 {
            throw CommandFailure("\(path) already exists; refusing to overwrite a key")
        }
        // Linked into place, never renamed over: a key created meanwhile is not overwritten.
        try FileOutput.writeNew(Array(key.pemRepresentation.utf8), to: privatePath, mode: 0o600)
        do {
            try FileOutput.writeNew(Array(key.publicKey.pemRepresentation.utf8), to: publicPath, mode: 0o644)
        } catch {
            unlink(privatePath)
            throw error
        }
    }
}

/// `--signing-key FILE` or `KEYSCOPE_SIGNING_KEY`; otherwise the development key, loudly.
struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp(
            "The Ed25519 private key (PKCS#8 PEM) to sign with. Default: $KEYSCOPE_SIGNING_KEY, else a development key under .keyscope/.",
            valueName: "path"))
    var signingKey: String?

    func load() throws -> (SigningKey, isDevelopment: Bool) {
        if let path = signingKey ?? Environment.variable("KEYSCOPE_SIGNING_KEY") {
            return (try KeyFiles.signingKey(path), false)
        }
        let path = KeyFiles.developmentKeyPath
        let key: SigningKey
        if access(path, F_OK) == 0 {
            key = try KeyFiles.signingKey(path)
        } else {
            key = SigningKey()
            try FileOutput.makeDirectories(".keyscope", mode: 0o700)
            try KeyFiles.writePair(key, privatePath: path, publicPath: ".keyscope/dev-signing-key.pub.pem")
        }
        Environment.printError(
            """
            warning: no signing key configured; signed with the DEVELOPMENT key \(path) (key id \(key.publicKey.id)).
            warning: a production gateway must not trust this key. Use --signing-key or KEYSCOPE_SIGNING_KEY.
            """)
        return (key, true)
    }
}
