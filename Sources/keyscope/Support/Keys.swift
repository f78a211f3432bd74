import ArgumentParser
import Foundation
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
    ///
    /// With `developmentKeyNear`, a local reading command (`inspect`, `verify`, `check`) with no
    /// key configured trusts the development public key of the repository holding one of those
    /// paths, loudly: right after `compile` signed with it, asking for `--trusted-key` would only
    /// send the user looking for a file the tool already knows. Never for `publish` or a gateway.
    func load(developmentKeyNear places: [String] = []) throws -> [TrustedKey] {
        var paths = trustedKeys
        if paths.isEmpty, let fromEnvironment = Environment.variable("KEYSCOPE_TRUSTED_KEYS") {
            paths = fromEnvironment.split(separator: ":").map(String.init)
        }
        if paths.isEmpty, let found = DevelopmentKey.existingPublicKey(near: places) {
            let key: TrustedKey
            do {
                key = try TrustedKey.load(from: [found])[0]
            } catch {
                throw CommandFailure(error.message)
            }
            Environment.printError(
                """
                warning: no trusted key configured; trusting the DEVELOPMENT public key \(found) (key id \(key.id)).
                warning: a production gateway must not trust this key. Use --trusted-key or KEYSCOPE_TRUSTED_KEYS.
                """)
            return [key]
        }
        guard !paths.isEmpty else {
            throw ValidationError(
                "no trusted keys: pass --trusted-key FILE (or a directory of .pub.pem files), or set KEYSCOPE_TRUSTED_KEYS"
            )
        }
        do {
            return try TrustedKey.load(from: paths)
        } catch {
            throw CommandFailure(error.message)
        }
    }
}

/// The development key pair `compile` makes when no signing key is configured.
///
/// It lives in `.keyscope/` at the root of the git work tree holding the policy (the current
/// directory outside git), so that running from a subdirectory finds the same key instead of
/// silently making a second one.
enum DevelopmentKey {
    static let directoryName = ".keyscope"
    static let privateName = "dev-signing-key.pem"
    static let publicName = "dev-signing-key.pub.pem"

    /// The directory for the development key of the repository holding `path`.
    static func directory(near path: String) -> String {
        let start = absolute(path)
        var candidate = start
        while true {
            if access(candidate + "/.git", F_OK) == 0 {
                // Shown relative to the working directory when it lies below the root (`../../.keyscope`).
                let cwd = Environment.currentDirectory()
                if candidate != "/" && cwd.hasPrefix(candidate + "/") {
                    let depth = cwd.dropFirst(candidate.count + 1).split(separator: "/").count
                    return String(repeating: "../", count: depth) + directoryName
                }
                return Environment.displayPath(candidate == "/" ? "/.keyscope" : candidate + "/" + directoryName)
            }
            guard let slash = candidate.lastIndex(of: "/"), candidate != "/" else { break }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
        return directoryName
    }

    /// The development public key of the first of `places` whose repository has one.
    static func existingPublicKey(near places: [String]) -> String? {
        for place in places {
            let path = directory(near: place) + "/" + publicName
            if access(path, F_OK) == 0 { return path }
        }
        return nil
    }

    /// An absolute, lexically clean directory for `path` (a file's directory when it is a file).
    private static func absolute(_ path: String) -> String {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            url.deleteLastPathComponent()
        }
        return url.standardizedFileURL.path
    }
}

/// Reading and writing key files.
enum KeyFiles {

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
            "The Ed25519 private key (PKCS#8 PEM) to sign with. Default: $KEYSCOPE_SIGNING_KEY, else a development key in .keyscope/ at the repository root.",
            valueName: "path"))
    var signingKey: String?

    /// The configured key, else the development key of the repository holding `policyRoot`.
    func load(policyRoot: String) throws -> (SigningKey, isDevelopment: Bool) {
        if let path = signingKey ?? Environment.variable("KEYSCOPE_SIGNING_KEY") {
            return (try KeyFiles.signingKey(path), false)
        }
        let directory = DevelopmentKey.directory(near: policyRoot)
        let path = directory + "/" + DevelopmentKey.privateName
        let publicPath = directory + "/" + DevelopmentKey.publicName
        let key: SigningKey
        if access(path, F_OK) == 0 {
            key = try KeyFiles.signingKey(path)
        } else {
            key = SigningKey()
            try FileOutput.makeDirectories(directory, mode: 0o700)
            try KeyFiles.writePair(key, privatePath: path, publicPath: publicPath)
            // The repository root is where `git add .` reaches: the key stays out of git even
            // when the repository's own .gitignore does not name `.keyscope/`.
            let ignore = directory + "/.gitignore"
            if access(ignore, F_OK) != 0 {
                try FileOutput.writeNew(
                    Array("# Written by `keyscope compile`: the development key never goes into git.\n*\n".utf8),
                    to: ignore, mode: 0o644)
            }
        }
        Environment.printError(
            """
            warning: no signing key configured; signed with the DEVELOPMENT key \(path) (key id \(key.publicKey.id)).
            warning: to read this table, trust its public key: --trusted-key \(publicPath)
            warning: a production gateway must not trust this key. Use --signing-key or KEYSCOPE_SIGNING_KEY.
            """)
        return (key, true)
    }
}
